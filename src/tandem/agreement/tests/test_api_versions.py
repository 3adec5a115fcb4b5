"""The agreement API: reading versions, drafting, sign-off, comparing and the what-if."""

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tandem.agreement import services
from tandem.agreement.api import NONE_ACTIVE, NOTHING_TO_COMPARE_WITH
from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.queries import NOT_A_DRAFTER, VERSION_NOT_FOUND
from tandem.agreement.rules import parse_terms
from tandem.agreement.services import ALREADY_SIGNED, NOT_A_DRAFT
from tandem.agreement.starter import STARTER_TERMS
from tandem.agreement.tests.conftest import (
    DRAFTERS,
    NOT_DRAFTERS,
    NOT_SIGNERS,
    SIGNERS,
    TEAM,
    starter,
    version_state,
)
from tandem.core.api_errors import FALLBACK_TEMPLATE
from tandem.core.testing import Personas
from tandem.leads.queries import NOT_ON_A_TEAM

ApiAs = Callable[[str], Any]
pytestmark = pytest.mark.django_db

VERSIONS = "/api/v1/agreement/versions"


def error(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


@pytest.mark.parametrize("persona", TEAM)
def test_everyone_on_a_team_reads_the_versions(
    api_as: ApiAs, proposal: AgreementVersion, persona: str
) -> None:
    client = api_as(persona)

    listed = client.get(VERSIONS)
    one = client.get(f"{VERSIONS}/1")

    assert listed.status_code == one.status_code == 200
    assert listed.json()["count"] == 1
    item = listed.json()["items"][0]
    assert (item["number"], item["status"], item["title"]) == (1, "proposed", "Our first agreement")
    assert item["signers_still_needed"] == ["marketing_lead", "sales_manager"]
    assert one.json()["content"] == parse_terms(STARTER_TERMS).model_dump(mode="json")
    assert one.json()["proposed_by"]["username"] == "marketing_lead"


@pytest.mark.parametrize(
    "path", [VERSIONS, f"{VERSIONS}/1", f"{VERSIONS}/active", f"{VERSIONS}/1/compare"]
)
def test_someone_on_no_team_reads_nothing(
    api_as: ApiAs, active: AgreementVersion, path: str
) -> None:
    response = api_as("outsider").get(path)

    assert response.status_code == 403
    assert response.json() == error("forbidden", NOT_ON_A_TEAM)


def test_a_missing_version_is_not_found(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("marketer").get(f"{VERSIONS}/9")

    assert response.status_code == 404
    assert response.json() == error("not_found", VERSION_NOT_FOUND.format(number=9))


def test_the_active_version_is_at_its_own_address(
    api_as: ApiAs, personas: Personas, draft: AgreementVersion
) -> None:
    client = api_as("sales_rep")

    assert client.get(f"{VERSIONS}/active").json() == error("not_found", NONE_ACTIVE)

    for signer in (personas.marketing_lead, personas.manager):
        if signer == personas.marketing_lead:
            services.propose_version(version=draft, by=signer)
        services.sign_version(version=draft, by=signer)
    response = client.get(f"{VERSIONS}/active")

    assert response.status_code == 200
    body = response.json()
    assert (body["number"], body["status"]) == (1, "active")
    assert [s["signer"]["username"] for s in body["signatures"]] == ["marketing_lead", "manager"]
    assert body["signers_still_needed"] == []
    assert body["activation_summary"]["leads_scored"] == 0


def test_the_list_takes_the_same_queries_for_2_and_8_versions(
    api_as: ApiAs, personas: Personas, django_assert_num_queries: Any
) -> None:
    client = api_as("executive")
    client.get(VERSIONS)  # the token's first use records when it was used

    def add_versions(count: int) -> None:
        for _ in range(count):
            version = services.create_draft(by=personas.admin, title="V")
            services.propose_version(version=version, by=personas.admin)
            services.sign_version(version=version, by=personas.manager)

    # The token with its person and membership, the count, the page, and its signatures.
    add_versions(2)
    with django_assert_num_queries(4):
        two = client.get(VERSIONS)
    add_versions(6)
    with django_assert_num_queries(4):
        eight = client.get(VERSIONS)

    assert (two.json()["count"], eight.json()["count"]) == (2, 8)


# Drafting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", DRAFTERS)
def test_the_owners_of_each_side_start_drafts(
    api_as: ApiAs, personas: Personas, persona: str
) -> None:
    response = api_as(persona).post(VERSIONS, {"title": "First", "summary": "Where we start."})

    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["status"], body["based_on"]) == (1, "draft", None)
    assert body["created_by"]["username"] == persona
    assert body["content"] == parse_terms(STARTER_TERMS).model_dump(mode="json")


@pytest.mark.parametrize("persona", NOT_DRAFTERS)
def test_no_one_else_starts_a_draft(api_as: ApiAs, personas: Personas, persona: str) -> None:
    response = api_as(persona).post(VERSIONS, {"title": "First"})

    assert response.status_code == 403
    assert not AgreementVersion.objects.exists()


def test_a_draft_may_bring_its_own_terms(api_as: ApiAs, active: AgreementVersion) -> None:
    content = starter(recycle={"idle_days": 60})

    response = api_as("manager").post(VERSIONS, {"title": "Longer nurture", "content": content})

    assert response.status_code == 201
    assert (response.json()["based_on"], response.json()["content"]["recycle"]) == (
        1,
        {"idle_days": 60},
    )


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"title": ""}, {"title": "title must be at least 1 characters long."}),
        ({"title": "x" * 201}, {"title": "title must be at most 200 characters long."}),
        ({"title": "T", "status": "active"}, {"status": "status is not a field here."}),
        ({"title": "T", "content": [1]}, {"content": "content must be an object."}),
        ({}, {"title": "title is required."}),
    ],
)
def test_a_malformed_draft_is_refused_field_by_field(
    api_as: ApiAs, personas: Personas, body: dict[str, Any], fields: dict[str, str]
) -> None:
    response = api_as("marketing_lead").post(VERSIONS, body)

    assert response.status_code == 422
    assert response.json() == error("invalid", " ".join(fields.values()), fields)
    assert not AgreementVersion.objects.exists()


def test_wrong_terms_are_refused_by_path(api_as: ApiAs, draft: AgreementVersion) -> None:
    content = copy.deepcopy(STARTER_TERMS)
    content["fit"]["rules"][0]["points"] = 5000
    content["rejection_reasons"][1]["outcome"] = "ignore"
    before = version_state(draft)

    response = api_as("manager").patch(f"{VERSIONS}/1", {"content": content})

    assert response.status_code == 400
    fields = {
        "content.fit.rules.0.points": "content.fit.rules.0.points must be at most 1000.",
        "content.rejection_reasons.1.outcome": "content.rejection_reasons.1.outcome must be "
        "one of: 'recycle' or 'disqualify'.",
    }
    assert response.json() == error("invalid", " ".join(fields.values()), fields)
    assert version_state(draft) == before


def test_a_draft_changes_the_fields_sent(api_as: ApiAs, draft: AgreementVersion) -> None:
    response = api_as("admin").patch(f"{VERSIONS}/1", {"summary": "Start here."})

    assert response.status_code == 200
    assert (response.json()["title"], response.json()["summary"]) == (
        "Our first agreement",
        "Start here.",
    )


def test_a_proposal_no_longer_changes(api_as: ApiAs, proposal: AgreementVersion) -> None:
    before = version_state(proposal)

    response = api_as("manager").patch(f"{VERSIONS}/1", {"title": "Changed"})

    assert response.status_code == 409
    assert response.json() == error(
        "conflict", NOT_A_DRAFT.format(number=1, status="proposed", done="changed")
    )
    assert version_state(proposal) == before


@pytest.mark.parametrize(
    ("persona", "role"),
    [("marketer", "Marketer"), ("sales_rep", "Sales rep"), ("executive", "Executive")],
)
def test_no_one_else_edits_a_draft(
    api_as: ApiAs, draft: AgreementVersion, persona: str, role: str
) -> None:
    before = version_state(draft)

    response = api_as(persona).patch(f"{VERSIONS}/1", {"title": "Changed"})

    assert response.status_code == 403
    assert response.json() == error("forbidden", NOT_A_DRAFTER.format(role=role))
    assert version_state(draft) == before


# Sign-off ---------------------------------------------------------------------------------


def test_a_proposal_signed_by_both_sides_comes_into_force(
    api_as: ApiAs, draft: AgreementVersion
) -> None:
    proposed = api_as("marketing_lead").post(f"{VERSIONS}/1/propose", {})
    first = api_as("marketing_lead").post(f"{VERSIONS}/1/sign", {})
    last = api_as("manager").post(f"{VERSIONS}/1/sign", {})

    assert [proposed.status_code, first.status_code, last.status_code] == [200, 200, 200]
    assert proposed.json()["status"] == first.json()["status"] == "proposed"
    assert first.json()["signers_still_needed"] == ["sales_manager"]
    assert last.json()["status"] == "active"
    assert last.json()["activated_at"] is not None


@pytest.mark.parametrize("persona", NOT_DRAFTERS)
@pytest.mark.parametrize("action", ["propose", "withdraw"])
def test_no_one_else_proposes_or_withdraws(
    api_as: ApiAs, personas: Personas, draft: AgreementVersion, persona: str, action: str
) -> None:
    if action == "withdraw":
        services.propose_version(version=draft, by=personas.manager)
    before = version_state(draft)

    response = api_as(persona).post(f"{VERSIONS}/1/{action}", {})

    assert response.status_code == 403
    assert version_state(draft) == before


def test_a_withdrawal_takes_the_signatures_away(
    api_as: ApiAs, personas: Personas, proposal: AgreementVersion
) -> None:
    services.sign_version(version=proposal, by=personas.manager)

    response = api_as("rival_manager").post(f"{VERSIONS}/1/withdraw", {})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["signatures"]) == ("draft", [])


@pytest.mark.parametrize("persona", SIGNERS)
def test_the_required_roles_sign(api_as: ApiAs, proposal: AgreementVersion, persona: str) -> None:
    response = api_as(persona).post(f"{VERSIONS}/1/sign", {})

    assert response.status_code == 200
    assert [s["signer"]["username"] for s in response.json()["signatures"]] == [persona]


@pytest.mark.parametrize("persona", [*NOT_SIGNERS, "outsider"])
def test_no_other_role_signs(api_as: ApiAs, proposal: AgreementVersion, persona: str) -> None:
    before = version_state(proposal)

    response = api_as(persona).post(f"{VERSIONS}/1/sign", {})

    assert response.status_code == 403
    assert version_state(proposal) == before


def test_signing_twice_or_a_draft_is_a_conflict(
    api_as: ApiAs, personas: Personas, draft: AgreementVersion
) -> None:
    client = api_as("manager")
    assert client.post(f"{VERSIONS}/1/sign", {}).status_code == 409

    services.propose_version(version=draft, by=personas.marketing_lead)
    assert client.post(f"{VERSIONS}/1/sign", {}).status_code == 200
    before = version_state(draft)
    response = client.post(f"{VERSIONS}/1/sign", {})

    assert response.status_code == 409
    assert response.json() == error(
        "conflict", ALREADY_SIGNED.format(number=1, role="sales manager")
    )
    assert version_state(draft) == before


def test_a_body_is_not_needed_to_sign(api_as: ApiAs, proposal: AgreementVersion) -> None:
    response = api_as("manager").client.post(f"{VERSIONS}/1/sign")

    assert response.status_code == 200


# Comparing and the what-if ----------------------------------------------------------------


def test_a_version_compares_with_the_active_one_by_default(
    api_as: ApiAs, personas: Personas, active: AgreementVersion
) -> None:
    services.create_draft(
        by=personas.manager, title="Faster", content=starter(recycle={"idle_days": 30})
    )

    response = api_as("sales_rep").get(f"{VERSIONS}/2/compare")

    assert response.status_code == 200
    body = response.json()
    assert (body["old"], body["new"]) == (1, 2)
    changed = {s["key"]: s["changes"] for s in body["sections"] if s["changes"]}
    assert changed == {
        "recycle": [
            {
                "subject": "Idle leads",
                "change": "changed",
                "before": "An accepted lead with no SQL and no engagement for 45 days goes back "
                "to nurture.",
                "after": "An accepted lead with no SQL and no engagement for 30 days goes back "
                "to nurture.",
            }
        ]
    }
    assert [s["key"] for s in body["sections"]][:3] == ["fit_rules", "fit_grades", "engagement"]


def test_a_version_compares_with_any_other(
    api_as: ApiAs, make_version: Callable[..., AgreementVersion]
) -> None:
    make_version()
    make_version()

    response = api_as("marketer").get(f"{VERSIONS}/2/compare", **{"with": 1})

    assert (response.json()["old"], response.json()["new"]) == (1, 2)


def test_without_an_active_version_the_comparison_needs_one_named(
    api_as: ApiAs, draft: AgreementVersion
) -> None:
    missing = api_as("marketer").get(f"{VERSIONS}/1/compare")
    bad = api_as("marketer").get(f"{VERSIONS}/1/compare", **{"with": 0})

    assert missing.status_code == 404
    assert missing.json() == error("not_found", NOTHING_TO_COMPARE_WITH.format(number=1))
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"] == {"with": "with must be at least 1."}


def test_the_what_if_replays_a_proposal(api_as: ApiAs, proposal: AgreementVersion) -> None:
    try:
        response = api_as("sales_rep").get(f"{VERSIONS}/1/whatif", months=6)
    except NotImplementedError:
        pytest.skip("agreement.whatif.what_if is not implemented yet")

    assert response.status_code == 200
    body = response.json()
    assert (body["version_number"], body["active_number"], body["months"]) == (1, None, 6)
    assert len(body["by_month"]) == 6
    assert body["total"]["proposal"]["mqls"] == 0
    assert body["total"]["active"] is None


@pytest.mark.parametrize("months", [0, 37, "year"])
def test_the_what_if_replays_1_to_36_months(
    api_as: ApiAs, proposal: AgreementVersion, months: Any
) -> None:
    response = api_as("sales_rep").get(f"{VERSIONS}/1/whatif", months=months)

    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["months"]
    assert fields["months"] != FALLBACK_TEMPLATE.format(field="months")


def test_a_proposal_is_never_in_force_before_it_is_signed(
    api_as: ApiAs, proposal: AgreementVersion
) -> None:
    assert AgreementVersion.objects.get().status == VersionStatus.PROPOSED
    assert api_as("marketer").get(f"{VERSIONS}/active").status_code == 404
