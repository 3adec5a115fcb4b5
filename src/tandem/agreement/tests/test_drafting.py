"""Starting and editing drafts: where a draft's terms come from, and how wrong terms are named."""

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tandem.agreement import services
from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.rules import parse_terms
from tandem.agreement.services import (
    NOT_A_DRAFT,
    SUMMARY_TOO_LONG,
    TITLE_REQUIRED,
    VALUE_KIND,
    validate_terms,
)
from tandem.agreement.starter import STARTER_TERMS
from tandem.agreement.tests.conftest import activate, starter, version_state
from tandem.core.errors import UNKNOWN_FIELDS, Conflict, DomainError
from tandem.core.testing import Personas

pytestmark = pytest.mark.django_db

STARTER_NORMALISED = parse_terms(STARTER_TERMS).model_dump(mode="json")


def test_the_first_draft_starts_from_the_starter_terms(personas: Personas) -> None:
    version = services.create_draft(by=personas.manager, title="Our first agreement")

    assert (version.number, version.status, version.based_on) == (1, VersionStatus.DRAFT, None)
    assert version.content == STARTER_NORMALISED
    assert version.created_by == personas.manager


def test_a_draft_starts_from_the_active_version_and_names_it(
    personas: Personas, active: AgreementVersion
) -> None:
    version = services.create_draft(by=personas.admin, title="Shorter service levels")

    assert (version.number, version.based_on) == (2, active)
    assert version.content == active.content


def test_a_draft_may_start_from_terms_of_its_own(personas: Personas) -> None:
    content = starter(recycle={"idle_days": 30})

    version = services.create_draft(
        by=personas.marketing_lead,
        title="Recycle sooner",
        summary="Idle for 30 days.",
        content=content,
    )

    assert version.terms.recycle.idle_days == 30
    assert version.summary == "Idle for 30 days."


def test_drafts_are_numbered_one_after_another(
    make_version: Callable[..., AgreementVersion],
) -> None:
    numbers = [make_version(title=f"Draft {n}").number for n in range(3)]

    assert numbers == [1, 2, 3]


def test_a_draft_needs_a_title(personas: Personas) -> None:
    with pytest.raises(DomainError) as refused:
        services.create_draft(by=personas.marketing_lead, title="   ")

    assert (refused.value.message, refused.value.fields) == (
        TITLE_REQUIRED,
        {"title": TITLE_REQUIRED},
    )
    assert not AgreementVersion.objects.exists()


def test_a_draft_changes_title_summary_and_terms(
    personas: Personas, draft: AgreementVersion
) -> None:
    content = starter(mql={"any_of": [{"grades": ["A"], "min_score": 50}]})

    services.update_draft(
        version=draft,
        by=personas.manager,
        changes={
            "title": "Only A grades",
            "summary": "Sales asks for fewer, better MQLs.",
            "content": content,
        },
    )

    draft.refresh_from_db()
    assert (draft.title, draft.summary) == ("Only A grades", "Sales asks for fewer, better MQLs.")
    assert draft.content["mql"] == {"any_of": [{"grades": ["A"], "min_score": 50}]}


def test_a_change_names_only_title_summary_or_content(
    personas: Personas, draft: AgreementVersion
) -> None:
    before = version_state(draft)

    with pytest.raises(DomainError) as refused:
        services.update_draft(version=draft, by=personas.manager, changes={"status": "active"})

    assert refused.value.message == UNKNOWN_FIELDS.format(names="status")
    assert version_state(draft) == before


def test_a_summary_is_bounded(personas: Personas, draft: AgreementVersion) -> None:
    before = version_state(draft)

    with pytest.raises(DomainError, match=SUMMARY_TOO_LONG):
        services.update_draft(version=draft, by=personas.manager, changes={"summary": "x" * 5001})

    assert version_state(draft) == before


@pytest.mark.parametrize("status", ["proposed", "active"])
def test_only_a_draft_changes(personas: Personas, draft: AgreementVersion, status: str) -> None:
    if status == "proposed":
        services.propose_version(version=draft, by=personas.marketing_lead)
    else:
        activate(draft, personas.marketing_lead, personas.manager)
    before = version_state(draft)

    with pytest.raises(Conflict) as refused:
        services.update_draft(version=draft, by=personas.manager, changes={"title": "Sneaky"})

    assert refused.value.message == NOT_A_DRAFT.format(number=1, status=status, done="changed")
    assert version_state(draft) == before


# Terms that do not hold ----------------------------------------------------------------


def broken(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    content = copy.deepcopy(STARTER_TERMS)
    change(content)
    return content


@pytest.mark.parametrize(
    ("content", "fields"),
    [
        (
            broken(lambda c: c["fit"]["rules"][0].update(points=5000)),
            {"content.fit.rules.0.points": "content.fit.rules.0.points must be at most 1000."},
        ),
        (
            broken(lambda c: c["fit"]["rules"][2]["when"][0].update(field="salary")),
            {
                "content.fit.rules.2.when.0.field": "content.fit.rules.2.when.0.field: salary is "
                "not a field a fit rule can read: use one of job_title, country, source, "
                "utm_source, utm_medium, utm_campaign, company.segment, company.industry, "
                "company.employee_count, company.country, company.domain, attributes.<name> or "
                "company.attributes.<name>"
            },
        ),
        (
            broken(lambda c: c["fit"]["rules"][1]["when"][0].update(value={"from": 50})),
            {
                "content.fit.rules.1.when.0.value": VALUE_KIND.format(
                    field="content.fit.rules.1.when.0.value"
                )
            },
        ),
        (
            broken(lambda c: c["engagement"]["rules"][0]["when"][0].update(value="/" * 201)),
            {
                "content.engagement.rules.0.when.0.value": "content.engagement.rules.0.when.0"
                ".value must be at most 200 characters long."
            },
        ),
        (
            broken(lambda c: c["service_levels"]["business_hours"].update(starts_at="nine")),
            {
                "content.service_levels.business_hours.starts_at": "content.service_levels."
                "business_hours.starts_at must be a time of day (HH:MM)."
            },
        ),
        (
            broken(lambda c: c.update(required_signers=["admin"])),
            {
                "content.required_signers.0": "content.required_signers.0 must be one of: "
                "'marketer', 'marketing_lead', 'sales_rep', 'sales_manager' or 'executive'."
            },
        ),
        (
            broken(lambda c: c["fit"].update(grades={"A": 10, "B": 20, "C": 0})),
            {
                "content.fit.grades": "content.fit.grades: grade boundaries must go down from A "
                "to C (A ≥ B ≥ C)"
            },
        ),
        (
            broken(lambda c: c.pop("recycle")),
            {"content.recycle": "content.recycle is required."},
        ),
        (
            broken(lambda c: c.update(nickname="x")),
            {"content.nickname": "content.nickname is not a field here."},
        ),
        ([1, 2], {"content": "content must be an object."}),
    ],
    ids=[
        "points",
        "fit field",
        "value kind",
        "value length",
        "time",
        "signer role",
        "grade order",
        "missing",
        "unknown",
        "not an object",
    ],
)
def test_wrong_terms_are_named_by_path_in_a_sentence(
    personas: Personas, draft: AgreementVersion, content: Any, fields: dict[str, str]
) -> None:
    before = version_state(draft)

    with pytest.raises(DomainError) as refused:
        services.update_draft(version=draft, by=personas.manager, changes={"content": content})

    assert refused.value.fields == fields
    assert refused.value.message == " ".join(fields.values())
    assert version_state(draft) == before


def test_every_mistake_is_named_at_once() -> None:
    def several(content: dict[str, Any]) -> None:
        content["fit"]["rules"][0]["points"] = "many"
        content["recycle"]["idle_days"] = 0

    with pytest.raises(DomainError) as refused:
        validate_terms(broken(several))

    assert set(refused.value.fields) == {"content.fit.rules.0.points", "content.recycle.idle_days"}


def test_terms_are_stored_as_the_rules_read_them(personas: Personas) -> None:
    content = starter(recycle={"idle_days": "30"})

    version = services.create_draft(by=personas.marketing_lead, title="T", content=content)

    assert version.content["recycle"] == {"idle_days": 30}
    assert version.content["engagement"]["rules"][0]["event_name"] == ""
