"""Service-level timers: deadlines in business hours, reminders before them, and what happens
when one passes (escalation, or acceptance by default), each told once. The clock is frozen and
moved by hand; the starter terms give 8 business hours to accept and 24 to make first contact,
Monday to Friday, 09:00 to 17:00 in Europe/Berlin."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from time_machine import TimeMachineFixture

from tandem.agreement.models import AgreementVersion
from tandem.agreement.rules import ServiceLevels
from tandem.agreement.starter import STARTER_TERMS
from tandem.core.testing import Personas
from tandem.handoff import services, sla
from tandem.handoff.models import Assignment, Decision, TouchKind
from tandem.handoff.tests.sla_support import activate_agreement, assigned_mql
from tandem.leads import lifecycle
from tandem.leads.models import Lead, Stage, StageChange
from tandem.notifications.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
STARTER_LEVELS = ServiceLevels.model_validate(STARTER_TERMS["service_levels"])
# Monday 23 November 2026, 09:00 in Berlin (UTC+1).
MONDAY_9 = dt.datetime(2026, 11, 23, 9, tzinfo=BERLIN)


def berlin(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=BERLIN)


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def told(kind: NotificationKind) -> list[tuple[str, str]]:
    """(recipient, title) of every notification of `kind`, in a stable order."""
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", "title")
    )


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(MONDAY_9, tick=False)
    return time_machine


@pytest.fixture
def agreement(personas: Personas, clock: TimeMachineFixture) -> AgreementVersion:
    return activate_agreement(personas)


# Deadlines


def test_deadlines_over_a_friday_evening_fall_in_the_next_week() -> None:
    accept_by, first_touch_by = sla.deadlines(
        assigned_at=berlin(2026, 11, 27, 16), levels=STARTER_LEVELS
    )

    # 1 hour on Friday, 7 on Monday; for first contact 1 + 8 + 8 + 7.
    assert accept_by == berlin(2026, 11, 30, 16)
    assert first_touch_by == berlin(2026, 12, 2, 16)
    assert accept_by.tzinfo is dt.UTC


@pytest.mark.parametrize(
    ("assigned_at", "accept_by"),
    [
        # Friday 16:00 CET (15:00 UTC); Monday 16:00 is CEST after the spring change on the 29th.
        pytest.param(utc(2026, 3, 27, 15), utc(2026, 3, 30, 14), id="spring"),
        # Friday 16:00 CEST (14:00 UTC); Monday 16:00 is CET after the autumn change on the 25th.
        pytest.param(utc(2026, 10, 23, 14), utc(2026, 10, 26, 15), id="autumn"),
    ],
)
def test_deadlines_over_a_weekend_with_a_clock_change_keep_local_office_hours(
    assigned_at: dt.datetime, accept_by: dt.datetime
) -> None:
    deadline, _ = sla.deadlines(assigned_at=assigned_at, levels=STARTER_LEVELS)

    assert deadline == accept_by
    assert deadline.astimezone(BERLIN).time() == dt.time(16)


def test_deadlines_follow_the_business_hours_of_new_york() -> None:
    levels = STARTER_LEVELS.model_copy(
        update={
            "business_hours": STARTER_LEVELS.business_hours.model_copy(
                update={"time_zone": "America/New_York"}
            )
        }
    )

    # Friday 6 March 2026 16:00 EST; the clocks go forward on Sunday 8 March.
    accept_by, _ = sla.deadlines(assigned_at=utc(2026, 3, 6, 21), levels=levels)

    assert accept_by == utc(2026, 3, 9, 20)  # Monday 16:00 EDT


# Reminders


def test_the_rep_is_reminded_once_when_an_hour_is_left(
    personas: Personas, clock: TimeMachineFixture, agreement: AgreementVersion
) -> None:
    assigned_mql(1, personas.sales_rep, at=MONDAY_9, version=agreement)

    clock.move_to(berlin(2026, 11, 23, 15, 59), tick=False)
    early = sla.check_service_levels()
    clock.move_to(berlin(2026, 11, 23, 16), tick=False)
    due = sla.check_service_levels()
    clock.move_to(berlin(2026, 11, 23, 16, 30), tick=False)
    again = sla.check_service_levels()

    assert (early.total, due.accept_reminders, due.total, again.total) == (0, 1, 1, 0)
    assert told(NotificationKind.DEADLINE_NEAR) == [
        ("sales_rep", "Accept or reject Lead1 by Mon 23 Nov 17:00 (Europe/Berlin)")
    ]
    assignment = Assignment.objects.get()
    assert assignment.accept_reminded_at == berlin(2026, 11, 23, 16)
    assert assignment.touch_reminded_at is None


def test_a_short_window_reminds_with_a_quarter_of_it_left(
    personas: Personas, clock: TimeMachineFixture
) -> None:
    agreement = activate_agreement(personas, accept_within_hours=2)
    assigned_mql(1, personas.sales_rep, at=MONDAY_9, version=agreement)

    clock.move_to(berlin(2026, 11, 23, 10, 29), tick=False)
    early = sla.check_service_levels()
    clock.move_to(berlin(2026, 11, 23, 10, 30), tick=False)
    due = sla.check_service_levels()

    assert (early.accept_reminders, due.accept_reminders) == (0, 1)


def test_a_deadline_early_on_monday_is_reminded_on_friday_afternoon(
    personas: Personas, clock: TimeMachineFixture, agreement: AgreementVersion
) -> None:
    clock.move_to(berlin(2026, 11, 27, 9, 30), tick=False)
    assignment = assigned_mql(
        1, personas.sales_rep, at=berlin(2026, 11, 27, 9, 30), version=agreement
    )
    assert assignment.accept_by == berlin(2026, 11, 30, 9, 30)

    clock.move_to(berlin(2026, 11, 27, 16, 29), tick=False)
    early = sla.check_service_levels()
    clock.move_to(berlin(2026, 11, 27, 16, 30), tick=False)
    due = sla.check_service_levels()

    assert (early.accept_reminders, due.accept_reminders) == (0, 1)


def test_the_first_touch_reminder_comes_an_hour_before_its_deadline(
    personas: Personas, clock: TimeMachineFixture, agreement: AgreementVersion
) -> None:
    assigned_mql(1, personas.sales_rep, at=MONDAY_9, version=agreement)
    Assignment.objects.update(decision=Decision.ACCEPTED, decided_at=MONDAY_9)

    # 24 business hours from Monday 09:00 end on Wednesday at 17:00.
    clock.move_to(berlin(2026, 11, 25, 16), tick=False)
    due = sla.check_service_levels()

    assert (due.touch_reminders, due.total) == (1, 1)
    assert told(NotificationKind.DEADLINE_NEAR) == [
        ("sales_rep", "Contact Lead1 by Wed 25 Nov 17:00 (Europe/Berlin)")
    ]


# Breaches


def test_a_missed_accept_deadline_is_escalated_once_to_the_teams_managers_and_the_rep(
    personas: Personas, clock: TimeMachineFixture, agreement: AgreementVersion
) -> None:
    assigned_mql(1, personas.sales_rep, at=MONDAY_9, version=agreement)

    clock.move_to(berlin(2026, 11, 23, 17), tick=False)
    first = sla.check_service_levels()
    clock.move_to(berlin(2026, 11, 23, 17, 1), tick=False)
    second = sla.check_service_levels()

    assert (first.escalations, second.escalations) == (1, 0)
    assert told(NotificationKind.DEADLINE_MISSED) == [
        ("manager", "Lead1 was not decided in time"),
        ("sales_rep", "Lead1 was not decided in time"),
    ]
    assignment = Assignment.objects.get()
    assert assignment.accept_breached_at == berlin(2026, 11, 23, 17)
    assert (assignment.decision, assignment.decided_at) == ("", None)
    assert Lead.objects.get().stage == Stage.MQL


def test_an_escalation_says_who_missed_what_and_links_the_lead(
    personas: Personas, clock: TimeMachineFixture, agreement: AgreementVersion
) -> None:
    assignment = assigned_mql(1, personas.sales_rep, at=MONDAY_9, version=agreement)

    clock.move_to(berlin(2026, 11, 23, 17), tick=False)
    sla.check_service_levels()

    notice = Notification.objects.get(
        recipient=personas.manager, kind=NotificationKind.DEADLINE_MISSED
    )
    assert notice.body == (
        "Sales Rep has neither accepted nor rejected Lead1 within the 8 business hours the lead "
        "agreement gives; the deadline was Mon 23 Nov 17:00 (Europe/Berlin)."
    )
    assert notice.url == f"/leads/{assignment.lead_id}/"


def test_an_agreement_that_accepts_undecided_leads_moves_them_to_sal_naming_it_in_the_ledger(
    personas: Personas, clock: TimeMachineFixture
) -> None:
    agreement = activate_agreement(personas, when_undecided="accept")
    assignment = assigned_mql(1, personas.sales_rep, at=MONDAY_9, version=agreement)
    deadline = berlin(2026, 11, 23, 17)

    clock.move_to(deadline, tick=False)
    first = sla.check_service_levels()
    second = sla.check_service_levels()

    assert (first.accepted_by_default, first.escalations, second.total) == (1, 0, 0)
    assignment.refresh_from_db()
    assert (assignment.decision, assignment.decided_at, assignment.accept_breached_at) == (
        Decision.ACCEPTED_BY_DEFAULT,
        deadline,
        deadline,
    )
    change = StageChange.objects.filter(lead=assignment.lead).latest("at", "id")
    assert (
        change.from_stage,
        change.to_stage,
        change.actor,
        change.actor_label,
        change.reason,
        change.agreement_version_id,
    ) == (
        Stage.MQL,
        Stage.SAL,
        None,
        "service levels",
        f"Accepted by default: not decided within 8 business hours (agreement v{agreement.number})",
        agreement.pk,
    )
    assert Lead.objects.get().stage == Stage.SAL
    assert told(NotificationKind.DEADLINE_MISSED) == [
        ("sales_rep", "Lead1 was accepted by default")
    ]


def test_a_lead_already_accepted_is_left_alone(
    personas: Personas, clock: TimeMachineFixture, agreement: AgreementVersion
) -> None:
    assignment = assigned_mql(1, personas.sales_rep, at=MONDAY_9, version=agreement)
    clock.move_to(berlin(2026, 11, 23, 11), tick=False)
    services.accept(lead=assignment.lead, by=personas.sales_rep)
    services.log_touch(lead=assignment.lead, by=personas.sales_rep, kind=TouchKind.CALL)

    clock.move_to(berlin(2026, 12, 1, 12), tick=False)
    run = sla.check_service_levels()

    assert run.total == 0
    assignment.refresh_from_db()
    assert (assignment.accept_breached_at, assignment.touch_breached_at) == (None, None)
    assert not Notification.objects.filter(kind=NotificationKind.DEADLINE_MISSED).exists()


def test_a_lead_someone_moved_off_mql_is_not_accepted_by_default(
    personas: Personas, clock: TimeMachineFixture
) -> None:
    agreement = activate_agreement(personas, when_undecided="accept")
    assignment = assigned_mql(1, personas.sales_rep, at=MONDAY_9, version=agreement)
    clock.move_to(berlin(2026, 11, 23, 12), tick=False)
    lifecycle.change_stage(lead=assignment.lead, to_stage=Stage.DISQUALIFIED, by=personas.marketer)

    clock.move_to(berlin(2026, 11, 23, 17), tick=False)
    run = sla.check_service_levels()

    assert (run.accepted_by_default, run.escalations) == (0, 0)
    assignment.refresh_from_db()
    assert (assignment.decision, assignment.accept_breached_at) == ("", None)
    assert Lead.objects.get().stage == Stage.DISQUALIFIED
    assert not StageChange.objects.filter(actor_label="service levels").exists()


def test_a_missed_first_touch_is_told_once_to_the_managers_and_the_rep(
    personas: Personas, clock: TimeMachineFixture, agreement: AgreementVersion
) -> None:
    assigned_mql(1, personas.other_rep, at=MONDAY_9, version=agreement)
    Assignment.objects.update(decision=Decision.ACCEPTED, decided_at=MONDAY_9)

    clock.move_to(berlin(2026, 11, 25, 17), tick=False)
    first = sla.check_service_levels()
    second = sla.check_service_levels()

    assert (first.touch_breaches, first.total, second.total) == (1, 1, 0)
    assert told(NotificationKind.DEADLINE_MISSED) == [
        ("manager", "Lead1 was not contacted in time"),
        ("other_rep", "Lead1 was not contacted in time"),
    ]
    assert Assignment.objects.get().touch_breached_at == berlin(2026, 11, 25, 17)


def test_a_lead_contacted_in_time_has_no_first_touch_breach(
    personas: Personas, clock: TimeMachineFixture, agreement: AgreementVersion
) -> None:
    assignment = assigned_mql(1, personas.sales_rep, at=MONDAY_9, version=agreement)
    clock.move_to(berlin(2026, 11, 23, 10), tick=False)
    services.log_touch(lead=assignment.lead, by=personas.sales_rep, kind=TouchKind.EMAIL)
    services.accept(lead=assignment.lead, by=personas.sales_rep)

    clock.move_to(berlin(2026, 11, 26, 12), tick=False)

    assert sla.check_service_levels().total == 0


def test_a_rejected_lead_has_no_timers(
    personas: Personas, clock: TimeMachineFixture, agreement: AgreementVersion
) -> None:
    assignment = assigned_mql(1, personas.sales_rep, at=MONDAY_9, version=agreement)
    services.reject(
        lead=assignment.lead, by=personas.sales_rep, reason="timing", note="Budget next year"
    )

    clock.move_to(berlin(2026, 11, 26, 12), tick=False)

    assert sla.check_service_levels().total == 0


def test_an_ended_assignment_has_no_timers(
    personas: Personas, clock: TimeMachineFixture, agreement: AgreementVersion
) -> None:
    assigned_mql(1, personas.sales_rep, at=MONDAY_9, version=agreement)
    Assignment.objects.update(ended_at=berlin(2026, 11, 23, 10))

    clock.move_to(berlin(2026, 11, 26, 12), tick=False)

    assert sla.check_service_levels().total == 0


def test_managers_of_each_reps_own_team_are_told(
    personas: Personas, clock: TimeMachineFixture, agreement: AgreementVersion
) -> None:
    assigned_mql(1, personas.sales_rep, at=MONDAY_9, version=agreement)
    assigned_mql(2, personas.rival_rep, at=MONDAY_9, version=agreement)
    assigned_mql(3, personas.other_rep, at=MONDAY_9, version=agreement)

    clock.move_to(berlin(2026, 11, 23, 17), tick=False)
    run = sla.check_service_levels()

    assert run.escalations == 3
    assert told(NotificationKind.DEADLINE_MISSED) == [
        ("manager", "Lead1 was not decided in time"),
        ("manager", "Lead3 was not decided in time"),
        ("other_rep", "Lead3 was not decided in time"),
        ("rival_manager", "Lead2 was not decided in time"),
        ("rival_rep", "Lead2 was not decided in time"),
        ("sales_rep", "Lead1 was not decided in time"),
    ]


def test_an_assignment_keeps_the_terms_it_was_made_under(
    personas: Personas, clock: TimeMachineFixture, agreement: AgreementVersion
) -> None:
    assigned_mql(1, personas.sales_rep, at=MONDAY_9, version=agreement)
    clock.move_to(berlin(2026, 11, 23, 9, 30), tick=False)
    activate_agreement(personas, when_undecided="accept", accept_within_hours=1)

    clock.move_to(berlin(2026, 11, 23, 17), tick=False)
    run = sla.check_service_levels()

    assert (run.escalations, run.accepted_by_default) == (1, 0)


def test_a_quiet_minute_costs_five_indexed_look_ups(
    personas: Personas,
    clock: TimeMachineFixture,
    agreement: AgreementVersion,
    django_assert_num_queries,
) -> None:
    for n in range(3):
        assigned_mql(n, personas.sales_rep, at=MONDAY_9, version=agreement)
    clock.move_to(berlin(2026, 11, 23, 10), tick=False)

    with django_assert_num_queries(5):
        run = sla.check_service_levels()

    assert run == sla.ServiceLevelRun()


def test_without_any_agreement_the_sweep_does_nothing(db: None) -> None:
    assert sla.check_service_levels() == sla.ServiceLevelRun()
