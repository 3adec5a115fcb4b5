"""The leads API: who sees which leads, lists, filters and pages, creating and changing leads,
stage moves and the stage history."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings

from tandem.campaigns import services as campaign_services
from tandem.core.testing import Personas, make_lead
from tandem.leads import lifecycle
from tandem.leads import services as lead_services
from tandem.leads.lifecycle import FORBIDDEN_ENTRY, FORBIDDEN_MOVE
from tandem.leads.models import FunnelMonth, Lead, Stage, StageChange
from tandem.leads.queries import LEAD_NOT_FOUND, NOT_ON_A_TEAM, READ_ONLY_ROLE
from tandem.leads.services import EMAIL_TAKEN, MANAGER_ASSIGNS_OWN_TEAM, MAY_NOT_ASSIGN

ApiAs = Callable[[str], Any]

JAN = dt.datetime(2024, 1, 5, 9, 0, tzinfo=dt.UTC)
FEB = dt.datetime(2024, 2, 10, 9, 0, tzinfo=dt.UTC)

ALL_LEADS = frozenset({"sales_rep", "other_rep", "rival_rep", "unassigned"})
# Which of the `leads` fixture's leads each persona sees.
VISIBLE_LEADS: dict[str, frozenset[str]] = {
    "marketer": ALL_LEADS,
    "marketing_lead": ALL_LEADS,
    "executive": ALL_LEADS,
    "admin": ALL_LEADS,
    "sales_rep": frozenset({"sales_rep"}),
    "other_rep": frozenset({"other_rep"}),
    "rival_rep": frozenset({"rival_rep"}),
    "manager": frozenset({"sales_rep", "other_rep", "unassigned"}),
    "rival_manager": frozenset({"rival_rep", "unassigned"}),
}


@pytest.fixture
def leads(personas: Personas) -> dict[str, Lead]:
    """One lead for each rep, on two sales teams, and one nobody owns."""
    return {
        "sales_rep": make_lead(
            owner=personas.sales_rep, email="sam@acme.test", first_name="Sam", at=JAN
        ),
        "other_rep": make_lead(
            owner=personas.other_rep, email="olga@globex.test", first_name="Olga", at=JAN
        ),
        "rival_rep": make_lead(
            owner=personas.rival_rep, email="rita@initech.test", first_name="Rita", at=JAN
        ),
        "unassigned": make_lead(email="uma@umbrella.test", first_name="Uma", at=JAN),
    }


def ids(response: Any) -> set[int]:
    return {item["id"] for item in response.json()["items"]}


def ledger_state() -> tuple[int, int, list[tuple[str, dt.date, int, int]]]:
    """Everything a stage move writes: leads, ledger rows and the funnel rollup."""
    rollup = list(FunnelMonth.objects.values_list("stage", "month", "reached", "advanced"))
    return Lead.objects.count(), StageChange.objects.count(), rollup


# Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", sorted(VISIBLE_LEADS))
def test_the_list_holds_exactly_the_leads_the_role_sees(
    api_as: ApiAs, leads: dict[str, Lead], persona: str
) -> None:
    response = api_as(persona).get("/api/v1/leads")

    assert response.status_code == 200
    assert response.json()["count"] == len(VISIBLE_LEADS[persona])
    assert ids(response) == {leads[name].pk for name in VISIBLE_LEADS[persona]}


@pytest.mark.parametrize("persona", sorted(VISIBLE_LEADS))
def test_a_lead_the_role_may_not_see_is_not_found(
    api_as: ApiAs, leads: dict[str, Lead], persona: str
) -> None:
    client = api_as(persona)

    statuses = {
        name: client.get(f"/api/v1/leads/{lead.pk}").status_code for name, lead in leads.items()
    }

    assert statuses == {
        name: 200 if name in VISIBLE_LEADS[persona] else 404 for name in sorted(ALL_LEADS)
    }


def test_a_hidden_lead_answers_like_a_missing_one(api_as: ApiAs, leads: dict[str, Lead]) -> None:
    lead = leads["other_rep"]

    response = api_as("sales_rep").get(f"/api/v1/leads/{lead.pk}")

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": LEAD_NOT_FOUND.format(lead_id=lead.pk),
            "fields": {},
        }
    }


@pytest.mark.parametrize("path", ["/api/v1/leads", "/api/v1/leads/{lead_id}"])
def test_someone_on_no_team_is_refused(api_as: ApiAs, leads: dict[str, Lead], path: str) -> None:
    response = api_as("outsider").get(path.format(lead_id=leads["unassigned"].pk))

    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "forbidden", "message": NOT_ON_A_TEAM, "fields": {}}
    }


def test_a_lead_reads_with_its_company_owner_and_allowed_moves(
    api_as: ApiAs, personas: Personas
) -> None:
    company = lead_services.create_company(by=None, name="Acme", segment="mid-market")
    lead = make_lead(
        stage=Stage.MQL,
        at=JAN,
        owner=personas.sales_rep,
        email="sam@acme.test",
        first_name="Sam",
        last_name="Stone",
        company_id=company.pk,
        source="webinar",
        attributes={"plan": "team"},
    )

    response = api_as("sales_rep").get(f"/api/v1/leads/{lead.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["display_name"] == "Sam Stone"
    assert body["company"] == {"id": company.pk, "name": "Acme"}
    assert body["owner"] == {
        "id": personas.sales_rep.pk,
        "username": "sales_rep",
        "name": "Sales Rep",
    }
    assert (body["stage"], body["stage_changed_at"]) == ("mql", "2024-01-05T09:00:00Z")
    assert body["allowed_moves"] == [
        "sal",
        "sql",
        "opportunity",
        "customer",
        "recycled",
        "disqualified",
    ]
    assert (body["source"], body["attributes"]) == ("webinar", {"plan": "team"})


# Filters and pages ------------------------------------------------------------------------


@pytest.fixture
def catalogue(personas: Personas) -> dict[str, Any]:
    """Leads that differ in one filterable way each."""
    acme = lead_services.create_company(by=None, name="Acme", segment="enterprise")
    globex = lead_services.create_company(by=None, name="Globex", segment="smb")
    spring = campaign_services.create_campaign(
        by=personas.marketer, name="Spring webinar", utm_key="spring-webinar", channel="webinar"
    )
    return {
        "acme": acme,
        "spring": spring,
        "ann": make_lead(
            email="ann@acme.test",
            first_name="Ann",
            company_id=acme.pk,
            source="webinar",
            first_touch_campaign_id=spring.pk,
            at=JAN,
        ),
        "bob": make_lead(
            email="bob@globex.test",
            first_name="Bob",
            company_id=globex.pk,
            source="ads",
            stage=Stage.MQL,
            owner=personas.sales_rep,
            at=JAN,
        ),
        "cid": make_lead(
            email="cid@example.test",
            last_name="Acmeson",
            source="ads",
            last_touch_campaign_id=spring.pk,
            at=JAN,
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (lambda c: {"stage": "mql"}, {"bob"}),
        (lambda c: {"source": "ads"}, {"bob", "cid"}),
        (lambda c: {"owner_id": c["bob"].owner_id}, {"bob"}),
        (lambda c: {"company_id": c["acme"].pk}, {"ann"}),
        (lambda c: {"campaign_id": c["spring"].pk}, {"ann", "cid"}),
        (lambda c: {"segment": "smb"}, {"bob"}),
        (lambda c: {"search": "acme"}, {"ann", "cid"}),
        (lambda c: {"search": "acme", "source": "ads"}, {"cid"}),
        (lambda c: {"search": "nobody"}, set()),
    ],
    ids=["stage", "source", "owner", "company", "campaign", "segment", "search", "both", "none"],
)
def test_filters_narrow_the_list(
    api_as: ApiAs,
    catalogue: dict[str, Any],
    params: Callable[[dict[str, Any]], dict[str, object]],
    expected: set[str],
) -> None:
    response = api_as("marketer").get("/api/v1/leads", **params(catalogue))

    assert response.status_code == 200
    assert response.json()["count"] == len(expected)
    assert ids(response) == {catalogue[name].pk for name in expected}


def test_pages_split_the_list_in_order_without_overlap(api_as: ApiAs, personas: Personas) -> None:
    made = [
        make_lead(email=f"lead{day}@example.test", at=JAN + dt.timedelta(days=day))
        for day in range(5)
    ]
    client = api_as("marketer")

    pages = [client.get("/api/v1/leads", limit=2, offset=offset).json() for offset in (0, 2, 4)]

    assert [page["count"] for page in pages] == [5, 5, 5]
    assert [[item["id"] for item in page["items"]] for page in pages] == [
        [made[4].pk, made[3].pk],
        [made[2].pk, made[1].pk],
        [made[0].pk],
    ]


def test_a_page_holds_the_default_number_of_leads(api_as: ApiAs, personas: Personas) -> None:
    for number in range(django_settings.API_PAGE_SIZE_DEFAULT + 1):
        make_lead(email=f"lead{number}@example.test", at=JAN)

    body = api_as("marketer").get("/api/v1/leads").json()

    assert (body["count"], len(body["items"])) == (
        django_settings.API_PAGE_SIZE_DEFAULT + 1,
        django_settings.API_PAGE_SIZE_DEFAULT,
    )


def test_a_page_larger_than_the_maximum_is_refused(api_as: ApiAs, personas: Personas) -> None:
    limit = django_settings.API_PAGE_SIZE_MAX + 1

    response = api_as("marketer").get("/api/v1/leads", limit=limit)

    assert response.status_code == 422
    message = f"limit must be at most {django_settings.API_PAGE_SIZE_MAX}."
    assert response.json() == {
        "error": {"code": "invalid", "message": message, "fields": {"limit": message}}
    }


@pytest.mark.parametrize("persona", ["marketer", "manager", "sales_rep"])
def test_listing_takes_the_same_queries_for_5_and_20_leads(
    api_as: ApiAs,
    personas: Personas,
    django_assert_num_queries: Any,
    persona: str,
) -> None:
    acme = lead_services.create_company(by=None, name="Acme")
    client = api_as(persona)
    client.get("/api/v1/leads")  # the token's first use records when it was used

    def add_leads(count: int) -> None:
        for _ in range(count):
            number = Lead.objects.count()
            make_lead(email=f"l{number}@acme.test", company_id=acme.pk, owner=personas.sales_rep)

    # The token with its person and membership, the count, and the page with companies and owners.
    add_leads(5)
    with django_assert_num_queries(3):
        five = client.get("/api/v1/leads")
    add_leads(15)
    with django_assert_num_queries(3):
        twenty = client.get("/api/v1/leads")

    assert (five.json()["count"], twenty.json()["count"]) == (5, 20)


# Creating ---------------------------------------------------------------------------------


def test_a_new_lead_enters_the_funnel_at_the_stage_sent(api_as: ApiAs, personas: Personas) -> None:
    body = {"email": "Ann@Example.test", "first_name": "Ann", "stage": "mql", "source": "webinar"}

    response = api_as("marketer").post("/api/v1/leads", body)

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert response.json()["id"] == lead.pk
    assert (lead.email, lead.first_name, lead.stage, lead.source) == (
        "ann@example.test",
        "Ann",
        Stage.MQL,
        "webinar",
    )
    change = StageChange.objects.get(lead=lead)
    assert (change.from_stage, change.to_stage, change.actor) == ("", Stage.MQL, personas.marketer)


def test_a_new_lead_starts_as_a_lead_by_default(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("marketer").post("/api/v1/leads", {"first_name": "Ann"})

    assert response.status_code == 201
    assert response.json()["stage"] == "lead"
    assert response.json()["allowed_moves"] == [
        "mql",
        "sal",
        "sql",
        "opportunity",
        "customer",
        "recycled",
        "disqualified",
    ]


def test_a_rep_owns_the_lead_they_create(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("sales_rep").post("/api/v1/leads", {"first_name": "Ann"})

    assert response.status_code == 201
    assert response.json()["owner"]["id"] == personas.sales_rep.pk
    assert Lead.objects.get().owner == personas.sales_rep


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("marketer", 201),
        ("marketing_lead", 201),
        ("sales_rep", 201),
        ("manager", 201),
        ("admin", 201),
        ("executive", 403),
        ("outsider", 403),
    ],
)
def test_creating_a_lead_needs_a_role_that_edits_leads(
    api_as: ApiAs, personas: Personas, persona: str, status: int
) -> None:
    before = ledger_state()

    response = api_as(persona).post("/api/v1/leads", {"first_name": "Ann"})

    assert response.status_code == status
    if status == 403:
        assert response.json()["error"]["code"] == "forbidden"
        assert ledger_state() == before
    else:
        assert Lead.objects.count() == before[0] + 1


def test_an_executive_is_told_their_role_only_reads(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("executive").post("/api/v1/leads", {"first_name": "Ann"})

    assert response.json() == {
        "error": {
            "code": "forbidden",
            "message": READ_ONLY_ROLE.format(role="Executive", things="leads"),
            "fields": {},
        }
    }


def test_a_lead_cannot_enter_the_funnel_at_a_side_stage(api_as: ApiAs, personas: Personas) -> None:
    before = ledger_state()

    response = api_as("marketer").post("/api/v1/leads", {"first_name": "Ann", "stage": "recycled"})

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": FORBIDDEN_ENTRY.format(stage="Recycled"),
            "fields": {"stage": "not allowed"},
        }
    }
    assert ledger_state() == before


def test_a_taken_email_creates_nothing(api_as: ApiAs, leads: dict[str, Lead]) -> None:
    before = ledger_state()

    response = api_as("marketer").post("/api/v1/leads", {"email": "SAM@acme.test"})

    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "taken",
            "message": EMAIL_TAKEN.format(email="sam@acme.test"),
            "fields": {"email": "taken"},
        }
    }
    assert ledger_state() == before


def test_a_manager_cannot_give_a_new_lead_to_the_rival_team(
    api_as: ApiAs, personas: Personas
) -> None:
    before = ledger_state()

    response = api_as("manager").post(
        "/api/v1/leads", {"first_name": "Ann", "owner_id": personas.rival_rep.pk}
    )

    assert response.status_code == 403
    assert response.json()["error"]["message"] == MANAGER_ASSIGNS_OWN_TEAM
    assert ledger_state() == before


# Changing ---------------------------------------------------------------------------------


def test_a_patch_changes_only_the_fields_sent(api_as: ApiAs, personas: Personas) -> None:
    lead = make_lead(
        owner=personas.sales_rep, first_name="Sam", last_name="Stone", job_title="CTO", at=JAN
    )

    response = api_as("sales_rep").patch(f"/api/v1/leads/{lead.pk}", {"job_title": "CEO"})

    assert response.status_code == 200
    lead.refresh_from_db()
    assert (lead.first_name, lead.last_name, lead.job_title) == ("Sam", "Stone", "CEO")
    assert response.json()["job_title"] == "CEO"


def test_a_patch_with_null_clears_a_nullable_field(api_as: ApiAs, personas: Personas) -> None:
    company = lead_services.create_company(by=None, name="Acme")
    lead = make_lead(company_id=company.pk, first_name="Sam", at=JAN)

    response = api_as("marketer").patch(f"/api/v1/leads/{lead.pk}", {"company_id": None})

    assert response.status_code == 200
    assert response.json()["company"] is None
    lead.refresh_from_db()
    assert (lead.company_id, lead.first_name) == (None, "Sam")


def test_a_patch_cannot_null_a_text_field(api_as: ApiAs, personas: Personas) -> None:
    lead = make_lead(first_name="Sam", at=JAN)

    response = api_as("marketer").patch(f"/api/v1/leads/{lead.pk}", {"first_name": None})

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"first_name": "first_name must be text."}
    lead.refresh_from_db()
    assert lead.first_name == "Sam"


def test_a_patch_cannot_change_the_stage(api_as: ApiAs, personas: Personas) -> None:
    lead = make_lead(stage=Stage.MQL, at=JAN)
    before = ledger_state()

    response = api_as("marketer").patch(f"/api/v1/leads/{lead.pk}", {"stage": "sal"})

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"stage": "stage is not a field here."}
    assert ledger_state() == before


@pytest.mark.parametrize(
    ("persona", "lead_name", "status"),
    [
        ("marketer", "rival_rep", 200),
        ("marketing_lead", "unassigned", 200),
        ("admin", "rival_rep", 200),
        ("sales_rep", "sales_rep", 200),
        ("sales_rep", "other_rep", 404),
        ("manager", "other_rep", 200),
        ("manager", "unassigned", 200),
        ("manager", "rival_rep", 404),
        ("rival_manager", "sales_rep", 404),
        ("executive", "sales_rep", 403),
        ("outsider", "sales_rep", 403),
    ],
)
def test_changing_a_lead_needs_to_see_it_and_a_role_that_edits_leads(
    api_as: ApiAs, leads: dict[str, Lead], persona: str, lead_name: str, status: int
) -> None:
    lead = leads[lead_name]
    client = api_as(persona)

    response = client.patch(f"/api/v1/leads/{lead.pk}", {"job_title": "Head of Data"})

    assert response.status_code == status
    changed = Lead.objects.get(pk=lead.pk)
    if status == 200:
        assert changed.job_title == "Head of Data"
    else:
        assert (changed.job_title, changed.updated_at) == (lead.job_title, lead.updated_at)


def test_a_rejected_patch_changes_nothing(api_as: ApiAs, leads: dict[str, Lead]) -> None:
    lead = leads["other_rep"]

    response = api_as("marketer").patch(
        f"/api/v1/leads/{lead.pk}", {"first_name": "Changed", "email": "sam@acme.test"}
    )

    assert response.status_code == 409
    changed = Lead.objects.get(pk=lead.pk)
    assert (changed.first_name, changed.email, changed.updated_at) == (
        "Olga",
        "olga@globex.test",
        lead.updated_at,
    )


def test_a_rep_cannot_hand_their_lead_to_another_rep(
    api_as: ApiAs, personas: Personas, leads: dict[str, Lead]
) -> None:
    lead = leads["sales_rep"]

    response = api_as("sales_rep").patch(
        f"/api/v1/leads/{lead.pk}", {"owner_id": personas.other_rep.pk}
    )

    assert response.status_code == 403
    assert response.json()["error"]["message"] == MAY_NOT_ASSIGN.format(role="Sales rep")
    assert Lead.objects.get(pk=lead.pk).owner == personas.sales_rep


# Stage moves and history ------------------------------------------------------------------


def test_a_move_returns_the_lead_and_the_new_ledger_row(api_as: ApiAs, personas: Personas) -> None:
    lead = make_lead(stage=Stage.MQL, owner=personas.sales_rep, at=JAN)

    response = api_as("sales_rep").post(
        f"/api/v1/leads/{lead.pk}/stage", {"stage": "sal", "reason": "Called back"}
    )

    assert response.status_code == 200
    body = response.json()
    change = StageChange.objects.filter(lead=lead).last()
    assert change is not None
    assert body["change"] == {
        "id": change.pk,
        "from_stage": "mql",
        "to_stage": "sal",
        "at": body["change"]["at"],
        "actor": "sales_rep",
        "actor_label": "",
        "reason": "Called back",
        "agreement_version": None,
    }
    assert (body["lead"]["id"], body["lead"]["stage"]) == (lead.pk, "sal")
    assert body["lead"]["allowed_moves"] == [
        "sql",
        "opportunity",
        "customer",
        "recycled",
        "disqualified",
    ]
    lead.refresh_from_db()
    assert (lead.stage, lead.stage_changed_at) == (Stage.SAL, change.at)


def test_a_forbidden_move_answers_409_naming_both_stages(api_as: ApiAs, personas: Personas) -> None:
    lead = make_lead(stage=Stage.CUSTOMER, at=JAN)
    before = ledger_state()

    response = api_as("marketer").post(f"/api/v1/leads/{lead.pk}/stage", {"stage": "mql"})

    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "forbidden_transition",
            "message": FORBIDDEN_MOVE.format(from_stage="Customer", to_stage="MQL"),
            "fields": {"stage": "cannot move from customer to mql"},
        }
    }
    assert ledger_state() == before
    lead.refresh_from_db()
    assert (lead.stage, lead.stage_changed_at) == (Stage.CUSTOMER, JAN)


@pytest.mark.parametrize(
    ("persona", "lead_name", "status"),
    [
        ("marketer", "rival_rep", 200),
        ("sales_rep", "sales_rep", 200),
        ("manager", "unassigned", 200),
        ("sales_rep", "other_rep", 404),
        ("manager", "rival_rep", 404),
        ("executive", "sales_rep", 403),
        ("outsider", "sales_rep", 403),
    ],
)
def test_moving_a_lead_needs_to_see_it_and_a_role_that_edits_leads(
    api_as: ApiAs, leads: dict[str, Lead], persona: str, lead_name: str, status: int
) -> None:
    lead = leads[lead_name]
    before = ledger_state()

    response = api_as(persona).post(f"/api/v1/leads/{lead.pk}/stage", {"stage": "mql"})

    assert response.status_code == status
    stage = Lead.objects.get(pk=lead.pk).stage
    if status == 200:
        assert stage == Stage.MQL
    else:
        assert (stage, ledger_state()) == (Stage.LEAD, before)


def test_the_history_lists_the_ledger_oldest_first(api_as: ApiAs, personas: Personas) -> None:
    lead = make_lead(stage=Stage.LEAD, owner=personas.sales_rep, at=JAN)
    lifecycle.change_stage(
        lead=lead, to_stage=Stage.MQL, by=personas.marketer, reason="Scored 80", at=FEB
    )

    response = api_as("sales_rep").get(f"/api/v1/leads/{lead.pk}/history")

    assert response.status_code == 200
    rows = StageChange.objects.filter(lead=lead).order_by("at")
    assert response.json() == [
        {
            "id": rows[0].pk,
            "from_stage": None,
            "to_stage": "lead",
            "at": "2024-01-05T09:00:00Z",
            "actor": None,
            "actor_label": "system",
            "reason": "",
            "agreement_version": None,
        },
        {
            "id": rows[1].pk,
            "from_stage": "lead",
            "to_stage": "mql",
            "at": "2024-02-10T09:00:00Z",
            "actor": "marketer",
            "actor_label": "",
            "reason": "Scored 80",
            "agreement_version": None,
        },
    ]


def test_the_history_of_a_hidden_lead_is_not_found(api_as: ApiAs, leads: dict[str, Lead]) -> None:
    response = api_as("sales_rep").get(f"/api/v1/leads/{leads['rival_rep'].pk}/history")

    assert response.status_code == 404
