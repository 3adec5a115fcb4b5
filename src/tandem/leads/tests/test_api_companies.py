"""The companies API: shared by every team, changed by the roles that edit leads."""

from collections.abc import Callable
from typing import Any

import pytest

from tandem.core.testing import Personas
from tandem.leads import services as lead_services
from tandem.leads.models import Company
from tandem.leads.queries import COMPANY_NOT_FOUND, NOT_ON_A_TEAM
from tandem.leads.services import DOMAIN_TAKEN

ApiAs = Callable[[str], Any]
EDITORS = ["marketer", "marketing_lead", "sales_rep", "manager", "admin"]


@pytest.fixture
def companies(personas: Personas) -> dict[str, Company]:
    return {
        "acme": lead_services.create_company(
            by=None, name="Acme", domain="acme.test", segment="enterprise", country="DE"
        ),
        "globex": lead_services.create_company(
            by=None, name="Globex", domain="globex.test", segment="smb"
        ),
        "initech": lead_services.create_company(
            by=None, name="Initech", domain="initech.test", segment="smb"
        ),
    }


def names(response: Any) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


@pytest.mark.parametrize("persona", [*EDITORS, "executive", "rival_rep"])
def test_every_role_on_a_team_sees_every_company(
    api_as: ApiAs, companies: dict[str, Company], persona: str
) -> None:
    response = api_as(persona).get("/api/v1/companies")

    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert names(response) == ["Acme", "Globex", "Initech"]


@pytest.mark.parametrize("path", ["/api/v1/companies", "/api/v1/companies/{company_id}"])
def test_someone_on_no_team_sees_no_companies(
    api_as: ApiAs, companies: dict[str, Company], path: str
) -> None:
    response = api_as("outsider").get(path.format(company_id=companies["acme"].pk))

    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "forbidden", "message": NOT_ON_A_TEAM, "fields": {}}
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"segment": "smb"}, ["Globex", "Initech"]),
        ({"search": "GLOB"}, ["Globex"]),
        ({"search": "initech.test"}, ["Initech"]),
        ({"search": "e", "segment": "enterprise"}, ["Acme"]),
        ({"search": "nobody"}, []),
    ],
)
def test_filters_narrow_the_list(
    api_as: ApiAs, companies: dict[str, Company], params: dict[str, str], expected: list[str]
) -> None:
    response = api_as("sales_rep").get("/api/v1/companies", **params)

    assert response.json()["count"] == len(expected)
    assert names(response) == expected


def test_pages_of_companies_do_not_overlap(api_as: ApiAs, personas: Personas) -> None:
    # Same names, so only the id orders them.
    made = [lead_services.create_company(by=None, name="Acme") for _ in range(3)]
    client = api_as("marketer")

    pages = [client.get("/api/v1/companies", limit=2, offset=offset).json() for offset in (0, 2)]

    assert [[item["id"] for item in page["items"]] for page in pages] == [
        [made[0].pk, made[1].pk],
        [made[2].pk],
    ]


def test_a_company_reads_with_all_its_fields(api_as: ApiAs, companies: dict[str, Company]) -> None:
    company = companies["acme"]

    response = api_as("executive").get(f"/api/v1/companies/{company.pk}")

    assert response.status_code == 200
    body = response.json()
    del body["created_at"], body["updated_at"]
    assert body == {
        "id": company.pk,
        "name": "Acme",
        "domain": "acme.test",
        "segment": "enterprise",
        "industry": "",
        "employee_count": None,
        "country": "DE",
        "attributes": {},
    }


def test_a_missing_company_is_not_found(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("marketer").get("/api/v1/companies/999")

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": COMPANY_NOT_FOUND.format(company_id=999),
            "fields": {},
        }
    }


@pytest.mark.parametrize(
    ("persona", "status"),
    [*[(persona, 201) for persona in EDITORS], ("executive", 403), ("outsider", 403)],
)
def test_creating_a_company_needs_a_role_that_edits_companies(
    api_as: ApiAs, personas: Personas, persona: str, status: int
) -> None:
    response = api_as(persona).post(
        "/api/v1/companies", {"name": "Acme", "domain": "Acme.TEST", "employee_count": 40}
    )

    assert response.status_code == status
    if status == 201:
        company = Company.objects.get()
        assert (company.name, company.domain, company.employee_count) == ("Acme", "acme.test", 40)
        assert response.json()["id"] == company.pk
    else:
        assert response.json()["error"]["code"] == "forbidden"
        assert not Company.objects.exists()


def test_a_taken_domain_creates_nothing(api_as: ApiAs, companies: dict[str, Company]) -> None:
    response = api_as("marketer").post(
        "/api/v1/companies", {"name": "Acme 2", "domain": "acme.test"}
    )

    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "taken",
            "message": DOMAIN_TAKEN.format(domain="acme.test"),
            "fields": {"domain": "taken"},
        }
    }
    assert Company.objects.count() == 3


def test_a_patch_changes_only_the_fields_sent(api_as: ApiAs, companies: dict[str, Company]) -> None:
    company = companies["acme"]

    response = api_as("manager").patch(f"/api/v1/companies/{company.pk}", {"industry": "Robots"})

    assert response.status_code == 200
    company.refresh_from_db()
    assert (company.name, company.segment, company.industry) == ("Acme", "enterprise", "Robots")


@pytest.mark.parametrize(("persona", "status"), [("executive", 403), ("outsider", 403)])
def test_a_role_that_only_reads_cannot_change_a_company(
    api_as: ApiAs, companies: dict[str, Company], persona: str, status: int
) -> None:
    company = companies["acme"]

    response = api_as(persona).patch(f"/api/v1/companies/{company.pk}", {"name": "Changed"})

    assert response.status_code == status
    assert Company.objects.get(pk=company.pk).name == "Acme"


def test_a_rejected_patch_changes_nothing(api_as: ApiAs, companies: dict[str, Company]) -> None:
    company = companies["globex"]

    response = api_as("marketer").patch(
        f"/api/v1/companies/{company.pk}", {"name": "Changed", "domain": "acme.test"}
    )

    assert response.status_code == 409
    changed = Company.objects.get(pk=company.pk)
    assert (changed.name, changed.domain, changed.updated_at) == (
        "Globex",
        "globex.test",
        company.updated_at,
    )


def test_listing_takes_the_same_queries_for_5_and_20_companies(
    api_as: ApiAs, personas: Personas, django_assert_num_queries: Any
) -> None:
    client = api_as("sales_rep")
    client.get("/api/v1/companies")  # the token's first use records when it was used

    # The token with its person and membership, the count, and the page.
    for number in range(5):
        lead_services.create_company(by=None, name=f"Company {number}")
    with django_assert_num_queries(3):
        five = client.get("/api/v1/companies")
    for number in range(5, 20):
        lead_services.create_company(by=None, name=f"Company {number}")
    with django_assert_num_queries(3):
        twenty = client.get("/api/v1/companies")

    assert (five.json()["count"], twenty.json()["count"]) == (5, 20)
