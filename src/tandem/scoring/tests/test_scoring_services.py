"""Scoring through the services: live after edits and events, in bulk on activation, and the
explanation the lead page and the API show."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.starter import STARTER_TERMS
from tandem.core.testing import PASSWORD, Personas, make_lead
from tandem.leads import lifecycle
from tandem.leads import services as lead_services
from tandem.leads.models import Lead, Stage, StageChange
from tandem.scoring import services
from tandem.scoring.models import LeadActivity, LeadScore
from tandem.scoring.queries import score_explanation

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 4, 10, tzinfo=dt.UTC)
# Grade A or B and score at least 40 (see STARTER_TERMS); a demo request is worth 40 + 15.
DEMO_REQUEST = {"type": "form", "name": "Demo", "properties": {"form": "demo-request"}}


@pytest.fixture(autouse=True)
def frozen_clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _version(
    number: int = 1, status: str = VersionStatus.ACTIVE, **changes: Any
) -> AgreementVersion:
    return AgreementVersion.objects.create(
        number=number, status=status, title=f"v{number}", content={**STARTER_TERMS, **changes}
    )


def _decision_maker(stage: str = Stage.LEAD, **fields: Any) -> Lead:
    company = lead_services.create_company(
        by=None, name="Acme", segment="Enterprise", industry="Software", employee_count=900
    )
    defaults = {"email": "vp@acme.example", "job_title": "VP Marketing", "company_id": company.pk}
    return make_lead(stage=stage, at=NOW - dt.timedelta(days=30), **{**defaults, **fields})


def _mql_rows(lead: Lead) -> list[StageChange]:
    return list(StageChange.objects.filter(lead=lead, to_stage=Stage.MQL))


def test_without_an_active_agreement_events_are_kept_as_activity_but_nobody_is_scored() -> None:
    lead = _decision_maker()
    lead_services.record_event(lead=lead, occurred_at=NOW, **DEMO_REQUEST)
    assert LeadActivity.objects.get(lead=lead).event_count == 1
    assert not LeadScore.objects.exists()
    assert Lead.objects.get(pk=lead.pk).stage == Stage.LEAD


def test_a_new_lead_is_graded_at_once() -> None:
    version = _version()
    lead = _decision_maker()
    score = LeadScore.objects.get(lead=lead)
    assert (score.version, score.grade, score.fit_points, score.score) == (version, "A", 85, 0)
    assert not score.meets_mql


def test_an_event_that_meets_the_mql_rule_moves_the_lead_to_mql_naming_the_version() -> None:
    version = _version()
    lead = _decision_maker()
    lead_services.record_event(lead=lead, occurred_at=NOW, **DEMO_REQUEST)
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL
    [row] = _mql_rows(lead)
    assert row.agreement_version == version
    assert row.actor is None
    assert row.actor_label == "scoring"
    assert row.reason == "Meets the MQL rule of agreement v1: grade A, score 55."


def test_an_edit_that_lifts_the_grade_can_make_an_mql() -> None:
    _version()
    lead = _decision_maker(job_title="Intern")
    lead_services.record_event(lead=lead, occurred_at=NOW, **DEMO_REQUEST)
    assert Lead.objects.get(pk=lead.pk).stage == Stage.LEAD
    lead_services.update_lead(lead=lead, by=None, changes={"job_title": "Head of Growth"})
    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL


def test_a_lead_past_mql_keeps_its_stage_when_it_meets_the_rule() -> None:
    _version()
    lead = _decision_maker(stage=Stage.SQL)
    lead_services.record_event(lead=lead, occurred_at=NOW, **DEMO_REQUEST)
    assert Lead.objects.get(pk=lead.pk).stage == Stage.SQL
    assert LeadScore.objects.get(lead=lead).meets_mql


def test_activation_rescores_everyone_and_moves_those_meeting_the_rule() -> None:
    lead = _decision_maker()
    lead_services.record_event(lead=lead, occurred_at=NOW, **DEMO_REQUEST)
    student = make_lead(email="student@example.com", job_title="Student")
    version = _version()

    summary = services.rescore_all(version=version)

    assert (summary.leads_scored, summary.meets_mql, summary.moved_to_mql) == (2, 1, 1)
    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL
    assert _mql_rows(lead)[0].agreement_version == version
    assert LeadScore.objects.get(lead=student).grade == "D"


def test_a_new_version_does_not_move_a_lead_that_no_longer_qualifies_backwards() -> None:
    first = _version()
    lead = _decision_maker()
    lead_services.record_event(lead=lead, occurred_at=NOW, **DEMO_REQUEST)
    first.status = VersionStatus.SUPERSEDED
    first.save(update_fields=["status"])
    stricter = _version(2, mql={"any_of": [{"grades": ["A"], "min_score": 90}]})

    summary = services.rescore_all(version=stricter)

    assert summary.no_longer_qualifying == 1
    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL
    score = LeadScore.objects.get(lead=lead)
    assert (score.version, score.meets_mql) == (stricter, False)


def test_the_explanation_lists_each_rule_and_what_the_lead_lacks() -> None:
    _version()
    lead = _decision_maker(job_title="Marketing Manager")
    lead_services.record_event(
        lead=lead, occurred_at=NOW, type="page", name="Pricing", properties={"path": "/pricing"}
    )

    explanation = score_explanation(lead)

    assert explanation is not None
    assert (explanation.grade, explanation.fit_points, explanation.score) == ("A", 70, 12)
    fit = {line.name: line.points for line in explanation.fit if line.applies}
    assert fit == {
        "Mid-market or enterprise": 30,
        "50 to 5,000 employees": 10,
        "Practitioner": 15,
        "Target industry": 15,
    }
    engagement = {line.name: line.points for line in explanation.engagement if line.applies}
    assert engagement == {"Pricing page": 10, "Pages read": 2}
    assert explanation.verdict == "Does not meet the MQL rule of v1 yet."
    assert explanation.missing == ["Needs score 40 (has 12, 28 points short)."]


def test_the_explanation_of_an_mql_names_the_clause_it_meets() -> None:
    _version()
    lead = _decision_maker()
    lead_services.record_event(lead=lead, occurred_at=NOW, **DEMO_REQUEST)
    explanation = score_explanation(lead)
    assert explanation is not None
    assert explanation.verdict == (
        "Meets the MQL rule of v1: grade A and score 55 satisfy "
        "“grade A or B and score at least 40”."
    )


def test_the_explanation_of_a_low_grade_says_how_many_fit_points_are_missing() -> None:
    _version()
    lead = make_lead(email="x@example.com", job_title="Operations Manager")
    explanation = score_explanation(lead)
    assert explanation is not None
    assert explanation.missing == [
        "Needs grade A or B (has D, 25 fit points short) and score 40 (has 0, 40 points short)."
    ]


def test_the_api_explains_a_score(personas: Personas, api_as: Any) -> None:
    _version()
    lead = _decision_maker(owner=personas.sales_rep)
    response = api_as("sales_rep").get(f"/api/v1/leads/{lead.pk}/score")
    assert response.status_code == 200
    body = response.json()
    assert (body["grade"], body["score"], body["meets_mql"]) == ("A", 0, False)
    assert body["missing"] == ["Needs score 40 (has 0, 40 points short)."]
    assert body["mql_rule"] == "grade A or B and score at least 40"


def test_the_api_hides_the_score_of_a_lead_the_caller_may_not_see(
    personas: Personas, api_as: Any
) -> None:
    _version()
    lead = _decision_maker(owner=personas.sales_rep)
    response = api_as("other_rep").get(f"/api/v1/leads/{lead.pk}/score")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_api_says_when_a_lead_has_not_been_scored(api_as: Any) -> None:
    lead = _decision_maker()
    response = api_as("marketer").get(f"/api/v1/leads/{lead.pk}/score")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_scored"


def test_the_lead_page_explains_grade_and_score_rule_by_rule(personas: Personas) -> None:
    _version()
    lead = _decision_maker()
    lead_services.record_event(lead=lead, occurred_at=NOW, **DEMO_REQUEST)
    client = Client()
    client.login(username=personas.marketer.username, password=PASSWORD)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Grade and score" in page
    assert "Meets the MQL rule of v1" in page
    assert "Demo or contact request" in page
    assert "Decision maker" in page


def test_the_lead_page_flags_an_mql_that_no_longer_meets_the_rule(personas: Personas) -> None:
    lead = _decision_maker()
    lifecycle.change_stage(lead=lead, to_stage=Stage.MQL, by=None)
    _version(mql={"any_of": [{"grades": ["A"], "min_score": 90}]})
    services.rescore_all(version=AgreementVersion.objects.get())
    client = Client()
    client.login(username=personas.marketer.username, password=PASSWORD)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "does not meet the active rule" in page


def test_the_history_api_names_the_version_behind_a_move(personas: Personas, api_as: Any) -> None:
    _version()
    lead = _decision_maker(owner=personas.sales_rep)
    lead_services.record_event(lead=lead, occurred_at=NOW, **DEMO_REQUEST)
    history = api_as("sales_rep").get(f"/api/v1/leads/{lead.pk}/history").json()
    assert [(row["to_stage"], row["agreement_version"]) for row in history] == [
        ("lead", None),
        ("mql", 1),
    ]
