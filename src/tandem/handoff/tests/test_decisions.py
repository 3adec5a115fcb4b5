"""A rep answers each lead handed over: accepts it, rejects it with an agreed reason and a note,
logs touches, qualifies it with a deal. Each step is in the stage ledger."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from tandem.agreement.models import AgreementVersion
from tandem.campaigns.models import Campaign
from tandem.core.errors import Conflict, DomainError, PermissionDenied
from tandem.core.testing import Personas, activate_starter_agreement, make_lead
from tandem.core.time import now
from tandem.handoff import services
from tandem.handoff.models import Assignment, Decision, Rejection, RoutingRule
from tandem.leads import lifecycle
from tandem.leads.models import Lead, Stage, StageChange
from tandem.notifications.models import Notification, NotificationKind
from tandem.people.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(personas: Personas) -> AgreementVersion:
    return activate_starter_agreement(personas)


@pytest.fixture
def lead(personas: Personas, agreement: AgreementVersion) -> Lead:
    """An MQL assigned to the sales rep, brought by a campaign the marketer owns."""
    RoutingRule.objects.create(name="Rep", position=1, rep=personas.sales_rep)
    campaign = Campaign.objects.create(
        name="Spring webinar", utm_key="spring", channel="webinar", owner=personas.marketer
    )
    return make_lead(stage=Stage.MQL, email="ann@example.com", last_touch_campaign_id=campaign.pk)


def _last_change(lead: Lead) -> StageChange:
    return StageChange.objects.filter(lead=lead).order_by("-at", "-id")[0]


def test_a_new_mql_is_assigned_and_its_rep_told(personas: Personas, lead: Lead) -> None:
    told = Notification.objects.get(recipient=personas.sales_rep)
    assert told.kind == NotificationKind.LEAD_ASSIGNED
    assert told.url == f"/leads/{lead.pk}/"


def test_accepting_moves_the_lead_to_sal_and_decides_the_assignment(
    personas: Personas, lead: Lead
) -> None:
    services.accept(lead=lead, by=personas.sales_rep)

    assert Lead.objects.get(pk=lead.pk).stage == Stage.SAL
    assert _last_change(lead).actor == personas.sales_rep
    assignment = Assignment.objects.get(lead=lead)
    assert (assignment.decision, assignment.ended_at) == (Decision.ACCEPTED, None)
    assert assignment.decided_at is not None


def test_another_rep_may_not_accept_a_lead_that_is_not_theirs(
    personas: Personas, lead: Lead
) -> None:
    with pytest.raises(PermissionDenied, match="assigned to Sales Rep"):
        services.accept(lead=lead, by=personas.other_rep)


def test_the_reps_manager_may_accept_for_them(personas: Personas, lead: Lead) -> None:
    services.accept(lead=lead, by=personas.manager)

    assert Lead.objects.get(pk=lead.pk).stage == Stage.SAL


def test_marketing_may_not_accept(personas: Personas, lead: Lead) -> None:
    with pytest.raises(PermissionDenied, match="may not accept"):
        services.accept(lead=lead, by=personas.marketer)


def test_a_lead_is_accepted_once(personas: Personas, lead: Lead) -> None:
    services.accept(lead=lead, by=personas.sales_rep)

    with pytest.raises(Conflict, match="Only an MQL"):
        services.accept(lead=lead, by=personas.sales_rep)


def test_rejecting_with_a_recycling_reason_recycles_the_lead_under_the_agreement(
    personas: Personas, lead: Lead, agreement: AgreementVersion
) -> None:
    services.reject(lead=lead, by=personas.sales_rep, reason="timing", note="Budget in Q3.")

    change = _last_change(lead)
    assert (change.to_stage, change.agreement_version) == (Stage.RECYCLED, agreement)
    assert "Timing: revisit next quarter" in change.reason
    rejection = Rejection.objects.get(lead=lead)
    assert (rejection.reason_code, rejection.outcome, rejection.note) == (
        "timing",
        "recycle",
        "Budget in Q3.",
    )


def test_rejecting_with_a_disqualifying_reason_disqualifies_the_lead(
    personas: Personas, lead: Lead
) -> None:
    services.reject(lead=lead, by=personas.sales_rep, reason="not-target", note="A student.")

    assert Lead.objects.get(pk=lead.pk).stage == Stage.DISQUALIFIED


def test_a_rejection_ends_the_assignment(personas: Personas, lead: Lead) -> None:
    services.reject(lead=lead, by=personas.sales_rep, reason="timing", note="Later.")

    assignment = Assignment.objects.get(lead=lead)
    assert assignment.decision == Decision.REJECTED
    assert assignment.ended_at is not None


def test_the_campaigns_marketer_is_told_of_a_rejection_with_its_reason(
    personas: Personas, lead: Lead, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.reject(lead=lead, by=personas.sales_rep, reason="timing", note="Budget in Q3.")

    told = Notification.objects.get(recipient=personas.marketer)
    assert told.kind == NotificationKind.LEAD_REJECTED
    assert "Timing: revisit next quarter" in told.title
    assert "Budget in Q3." in told.body
    assert [message.to for message in mail.outbox] == [["marketer@example.com"]]


def test_with_no_campaign_owner_the_marketing_leads_are_told(
    personas: Personas, agreement: AgreementVersion
) -> None:
    RoutingRule.objects.create(name="Rep", position=1, rep=personas.sales_rep)
    lead = make_lead(stage=Stage.MQL, email="bob@example.com")

    services.reject(lead=lead, by=personas.sales_rep, reason="timing", note="Later.")

    assert Notification.objects.filter(
        recipient=personas.marketing_lead, kind=NotificationKind.LEAD_REJECTED
    ).exists()


def test_a_reason_the_agreement_does_not_list_is_refused(personas: Personas, lead: Lead) -> None:
    with pytest.raises(DomainError, match="not one of the agreement's rejection reasons"):
        services.reject(lead=lead, by=personas.sales_rep, reason="dislike", note="Meh.")

    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL


def test_a_rejection_needs_a_note(personas: Personas, lead: Lead) -> None:
    with pytest.raises(DomainError, match="note"):
        services.reject(lead=lead, by=personas.sales_rep, reason="timing", note="  ")


def test_the_first_touch_sets_the_assignments_speed_to_lead(personas: Personas, lead: Lead) -> None:
    first = now() - dt.timedelta(minutes=30)
    services.log_touch(lead=lead, by=personas.sales_rep, kind="call", at=first)
    services.log_touch(lead=lead, by=personas.sales_rep, kind="email")

    assert Assignment.objects.get(lead=lead).first_touch_at == first


def test_a_touch_cannot_be_dated_in_the_future(personas: Personas, lead: Lead) -> None:
    with pytest.raises(DomainError, match="future"):
        services.log_touch(
            lead=lead, by=personas.sales_rep, kind="call", at=now() + dt.timedelta(hours=1)
        )


def test_qualifying_an_mql_accepts_it_then_makes_it_an_sql_with_a_deal(
    personas: Personas, lead: Lead
) -> None:
    deal = services.qualify(
        lead=lead,
        by=personas.sales_rep,
        deal_name="Ann's rollout",
        amount=Decimal("12000"),
        currency="eur",
    )

    stages = list(StageChange.objects.filter(lead=lead).values_list("to_stage", flat=True))
    assert stages[-2:] == [Stage.SAL, Stage.SQL]
    assert (deal.amount, deal.currency, deal.owner) == (
        Decimal("12000"),
        "EUR",
        personas.sales_rep,
    )
    assert Assignment.objects.get(lead=lead).decision == Decision.ACCEPTED


def test_a_rep_of_another_team_cannot_touch_the_lead(personas: Personas, lead: Lead) -> None:
    with pytest.raises(PermissionDenied):
        services.log_touch(lead=lead, by=personas.rival_rep, kind="call")


def test_a_reassigned_rep_is_told(personas: Personas, lead: Lead) -> None:
    services.reassign(lead=lead, to=personas.other_rep, by=personas.manager, reason="Holiday")

    assert Notification.objects.filter(
        recipient=personas.other_rep, kind=NotificationKind.LEAD_ASSIGNED
    ).exists()


def test_many_leads_routed_at_once_make_one_notification_per_rep(
    personas: Personas, agreement: AgreementVersion
) -> None:
    RoutingRule.objects.create(name="Team", position=1, team=Team.objects.get(name="Sales"))
    leads = [make_lead(stage=Stage.LEAD, email=f"l{n}@example.com") for n in range(6)]
    lifecycle.change_stages_in_bulk(
        reasons={lead.pk: "score" for lead in leads}, to_stage=Stage.MQL, at=now(), actor_label="t"
    )

    assert Notification.objects.filter(kind=NotificationKind.LEAD_ASSIGNED).count() == 2


def test_an_assignment_carries_the_deadlines_of_the_agreement_in_force(
    lead: Lead, agreement: AgreementVersion
) -> None:
    assignment = Assignment.objects.get(lead=lead)

    assert assignment.agreement_version == agreement
    assert assignment.assigned_at < assignment.accept_by <= assignment.first_touch_by


def test_a_lead_moved_on_by_the_stage_form_counts_as_accepted(
    personas: Personas, lead: Lead
) -> None:
    lifecycle.change_stage(lead=lead, to_stage=Stage.SQL, by=personas.sales_rep)

    assert Assignment.objects.get(lead=lead).decision == Decision.ACCEPTED


def test_a_lead_leaving_the_funnel_by_other_means_ends_its_assignment(
    personas: Personas, lead: Lead
) -> None:
    lifecycle.change_stage(lead=lead, to_stage=Stage.DISQUALIFIED, by=personas.manager)

    assignment = Assignment.objects.get(lead=lead)
    assert (assignment.decision, assignment.ended_at is not None) == ("", True)
