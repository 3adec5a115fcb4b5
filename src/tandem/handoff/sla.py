"""Service-level timers: each assignment's accept-by and first-touch-by deadlines, counted in the
business hours of the agreement it was made under, and the worker's sweep that reminds reps
before a deadline and tells managers when one is missed.

The sweep (`check_service_levels`) runs every minute, possibly in several workers at once. Each
reminder and breach is claimed with a conditional UPDATE of its `*_at` column before anybody is
told, so it is told once; a failure while telling rolls the claim back and the next run tries
again.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet

from tandem.agreement.models import AgreementVersion
from tandem.agreement.rules import ServiceLevels, UndecidedLead, parse_terms
from tandem.core.business_hours import add_business_hours
from tandem.core.roles import Role
from tandem.core.time import now
from tandem.handoff.models import Assignment, Decision
from tandem.leads import lifecycle
from tandem.leads.models import Lead, Stage
from tandem.notifications.models import NotificationKind
from tandem.notifications.services import notify_people
from tandem.people.models import Membership

# When a reminder goes out: once the time left before a deadline is down to one business hour or
# a quarter of the whole window, whichever is less. An 8-hour window reminds with an hour left,
# a 2-hour window with half an hour left; the reminder never comes in the first three quarters.
REMINDER_HOURS = 1.0
REMINDER_SHARE = 0.25
# Assignments loaded and told per batch, when many are due at once.
BATCH = 500
# Who the stage ledger names for a lead accepted by default.
ACTOR_LABEL = "service levels"
# The first-touch timer stops for a lead sales has handed back or that left the funnel.
CLOSED_STAGES = (Stage.RECYCLED, Stage.DISQUALIFIED)

ACCEPTED_BY_DEFAULT_REASON = (
    "Accepted by default: not decided within {hours} business hours (agreement v{number})"
)
ACCEPT_SOON_TITLE = "Accept or reject {lead} by {deadline}"
ACCEPT_SOON_BODY = (
    "{lead} is assigned to you and waits for your decision. The lead agreement gives "
    "{hours} business hours to accept or reject it: until {deadline}."
)
TOUCH_SOON_TITLE = "Contact {lead} by {deadline}"
TOUCH_SOON_BODY = (
    "You have not logged a first contact with {lead} yet. The lead agreement gives "
    "{hours} business hours for it: until {deadline}."
)
ESCALATED_TITLE = "{lead} was not decided in time"
ESCALATED_BODY = (
    "{rep} has neither accepted nor rejected {lead} within the {hours} business hours the lead "
    "agreement gives; the deadline was {deadline}."
)
ACCEPTED_BY_DEFAULT_TITLE = "{lead} was accepted by default"
ACCEPTED_BY_DEFAULT_BODY = (
    "{lead} was not accepted or rejected within {hours} business hours, so it was accepted on "
    "your behalf, as agreement v{number} says, and is now a SAL. Make the first contact next."
)
TOUCH_MISSED_TITLE = "{lead} was not contacted in time"
TOUCH_MISSED_BODY = (
    "{rep} has not logged a first contact with {lead} within the {hours} business hours the lead "
    "agreement gives; the deadline was {deadline}."
)


@dataclass(frozen=True)
class ServiceLevelRun:
    """What one sweep did."""

    accept_reminders: int = 0
    touch_reminders: int = 0
    escalations: int = 0
    accepted_by_default: int = 0
    touch_breaches: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, field.name) for field in fields(self))


@dataclass(frozen=True)
class _Agreement:
    """An agreement version's number and service levels, as the sweep needs them."""

    number: int
    levels: ServiceLevels


def deadlines(
    *, assigned_at: dt.datetime, levels: ServiceLevels
) -> tuple[dt.datetime, dt.datetime]:
    """The accept-by and first-touch-by deadlines of an assignment made at `assigned_at`, both
    counted from the assignment in the agreement's business hours."""
    hours = levels.business_hours
    return (
        add_business_hours(assigned_at, levels.accept_within_hours, hours),
        add_business_hours(assigned_at, levels.first_contact_within_hours, hours),
    )


def reminder_lead(window_hours: float) -> float:
    """How many business hours before a deadline of a `window_hours` window the rep is
    reminded."""
    return min(REMINDER_HOURS, window_hours * REMINDER_SHARE)


def check_service_levels(*, at: dt.datetime | None = None) -> ServiceLevelRun:
    """Send the reminders and handle the breaches due at `at` (now by default); the worker's
    periodic job.

    Cheap when nothing is due: one read of the agreement versions, then four look-ups on the
    assignments' partial indexes. Every assignment it tells about is claimed first, so two
    workers running it together tell nobody twice.
    """
    moment = at or now()
    agreements = _agreements()
    if not agreements:
        return ServiceLevelRun()
    accept_reminders = _remind(moment, agreements, accept=True)
    touch_reminders = _remind(moment, agreements, accept=False)
    escalations, accepted_by_default = _handle_accept_breaches(moment, agreements)
    return ServiceLevelRun(
        accept_reminders=accept_reminders,
        touch_reminders=touch_reminders,
        escalations=escalations,
        accepted_by_default=accepted_by_default,
        touch_breaches=_handle_touch_breaches(moment, agreements),
    )


def _agreements() -> dict[int, _Agreement]:
    """Every version that has been in force, by id: assignments are timed by the version they
    were made under, which may have been superseded since. A handful of rows."""
    return {
        version.pk: _Agreement(
            number=version.number, levels=parse_terms(version.content).service_levels
        )
        for version in AgreementVersion.objects.filter(activated_at__isnull=False).only(
            "pk", "number", "content"
        )
    }


def _undecided() -> QuerySet[Assignment]:
    """Current assignments waiting for sales' decision on a lead still at MQL (the accept-by
    timer); matches the `assignment_undecided` index."""
    return Assignment.objects.filter(
        ended_at__isnull=True, decided_at__isnull=True, lead__stage=Stage.MQL
    )


def _untouched() -> QuerySet[Assignment]:
    """Current assignments with no first contact yet whose lead is still sales' (the
    first-touch-by timer); matches the `assignment_untouched` index."""
    return (
        Assignment.objects.filter(ended_at__isnull=True, first_touch_at__isnull=True)
        .exclude(decision=Decision.REJECTED)
        .exclude(lead__stage__in=CLOSED_STAGES)
    )


def _remind(moment: dt.datetime, agreements: dict[int, _Agreement], *, accept: bool) -> int:
    """Remind each rep whose deadline is near; returns how many were reminded."""
    deadline_field = "accept_by" if accept else "first_touch_by"
    reminded_field = "accept_reminded_at" if accept else "touch_reminded_at"
    # Per version, the latest deadline that is near: one whose remaining business hours are at
    # most the reminder lead. Deadlines lie within business hours, so "at most that many hours
    # left" is the same as "no later than that many business hours from now".
    latest_near = {}
    for version_id, agreement in agreements.items():
        levels = agreement.levels
        window = levels.accept_within_hours if accept else levels.first_contact_within_hours
        latest_near[version_id] = add_business_hours(
            moment, reminder_lead(window), levels.business_hours
        )
    candidates = (_undecided() if accept else _untouched()).filter(
        **{
            f"{deadline_field}__gt": moment,
            f"{deadline_field}__lte": max(latest_near.values()),
            f"{reminded_field}__isnull": True,
            "agreement_version_id__in": list(agreements),
        }
    )
    due = [
        pk
        for pk, version_id, deadline in candidates.values_list(
            "pk", "agreement_version_id", deadline_field
        )
        if deadline <= latest_near[version_id]
    ]
    told = 0
    for batch in _batches(due):
        for assignment in batch:
            agreement = _agreement_of(assignment, agreements)
            with transaction.atomic():
                if not _claim(
                    assignment, reminded_field, moment, undecided=accept, untouched=not accept
                ):
                    continue
                _tell_reminder(assignment, agreement, accept=accept)
            told += 1
    return told


def _handle_accept_breaches(
    moment: dt.datetime, agreements: dict[int, _Agreement]
) -> tuple[int, int]:
    """Escalate, or accept by default, each undecided lead whose accept-by deadline passed;
    returns how many were escalated and how many accepted."""
    due = list(
        _undecided()
        .filter(
            accept_by__lte=moment,
            accept_breached_at__isnull=True,
            agreement_version_id__in=list(agreements),
        )
        .order_by("accept_by", "pk")
        .values_list("pk", flat=True)
    )
    escalations = accepted = 0
    for batch in _batches(due):
        managers = _managers_of(batch)
        for assignment in batch:
            agreement = _agreement_of(assignment, agreements)
            if agreement.levels.when_undecided == UndecidedLead.ACCEPT:
                accepted += _accept_by_default(assignment, agreement, moment)
            else:
                escalations += _escalate(assignment, agreement, managers, moment)
    return escalations, accepted


def _handle_touch_breaches(moment: dt.datetime, agreements: dict[int, _Agreement]) -> int:
    """Tell the rep and their managers of each first-touch deadline passed without a contact."""
    due = list(
        _untouched()
        .filter(
            first_touch_by__lte=moment,
            touch_breached_at__isnull=True,
            agreement_version_id__in=list(agreements),
        )
        .order_by("first_touch_by", "pk")
        .values_list("pk", flat=True)
    )
    told = 0
    for batch in _batches(due):
        managers = _managers_of(batch)
        for assignment in batch:
            agreement = _agreement_of(assignment, agreements)
            with transaction.atomic():
                if not _claim(assignment, "touch_breached_at", moment, untouched=True):
                    continue
                _tell_breach(
                    assignment,
                    agreement,
                    managers,
                    title=TOUCH_MISSED_TITLE,
                    body=TOUCH_MISSED_BODY,
                    hours=agreement.levels.first_contact_within_hours,
                    deadline=assignment.first_touch_by,
                )
            told += 1
    return told


def _escalate(
    assignment: Assignment,
    agreement: _Agreement,
    managers: dict[int, list[User]],
    moment: dt.datetime,
) -> int:
    with transaction.atomic():
        if not _claim(assignment, "accept_breached_at", moment, undecided=True):
            return 0
        _tell_breach(
            assignment,
            agreement,
            managers,
            title=ESCALATED_TITLE,
            body=ESCALATED_BODY,
            hours=agreement.levels.accept_within_hours,
            deadline=assignment.accept_by,
        )
    return 1


def _accept_by_default(assignment: Assignment, agreement: _Agreement, moment: dt.datetime) -> int:
    """Move the lead to SAL for the rep, naming the agreement in the ledger; a lead someone
    moved off MQL in the meantime is left where it is."""
    hours = _hours_text(agreement.levels.accept_within_hours)
    with transaction.atomic():
        # Locked before the claim, so that no stage change slips in between the check and the move.
        stage = (
            Lead.objects.select_for_update()
            .values_list("stage", flat=True)
            .get(pk=assignment.lead_id)
        )
        if stage != Stage.MQL:
            return 0
        if not _claim(
            assignment,
            "accept_breached_at",
            moment,
            undecided=True,
            decision=Decision.ACCEPTED_BY_DEFAULT,
            decided_at=moment,
        ):
            return 0
        lifecycle.change_stage(
            lead=assignment.lead,
            to_stage=Stage.SAL,
            by=None,
            reason=ACCEPTED_BY_DEFAULT_REASON.format(hours=hours, number=agreement.number),
            at=moment,
            actor_label=ACTOR_LABEL,
            agreement_version_id=assignment.agreement_version_id,
        )
        lead = assignment.lead.display_name
        notify_people(
            recipients=[assignment.rep],
            kind=NotificationKind.DEADLINE_MISSED,
            title=ACCEPTED_BY_DEFAULT_TITLE.format(lead=lead),
            body=ACCEPTED_BY_DEFAULT_BODY.format(lead=lead, hours=hours, number=agreement.number),
            url=_lead_url(assignment),
        )
    return 1


def _agreement_of(assignment: Assignment, agreements: dict[int, _Agreement]) -> _Agreement:
    """The agreement the assignment was made under; the look-ups only find assignments that
    name one of `agreements`."""
    assert assignment.agreement_version_id is not None  # noqa: S101
    return agreements[assignment.agreement_version_id]


def _claim(
    assignment: Assignment,
    field: str,
    moment: dt.datetime,
    *,
    undecided: bool = False,
    untouched: bool = False,
    **also: object,
) -> bool:
    """Set `field` to `moment` if it is still empty and the assignment still current (and
    undecided, or without a first contact, as asked); whether this call did, so that only one
    worker tells, and nobody is told of what the rep did a moment ago."""
    unclaimed = Q(pk=assignment.pk, ended_at__isnull=True, **{f"{field}__isnull": True})
    if undecided:
        unclaimed &= Q(decided_at__isnull=True)
    if untouched:
        unclaimed &= Q(first_touch_at__isnull=True)
    return Assignment.objects.filter(unclaimed).update(**{field: moment}, **also) == 1


def _batches(ids: Sequence[int]) -> Iterable[list[Assignment]]:
    """The assignments with `ids`, in that order, BATCH at a time, with what telling needs."""
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        loaded = Assignment.objects.select_related("lead", "rep", "rep__membership").in_bulk(chunk)
        yield [loaded[pk] for pk in chunk if pk in loaded]


def _managers_of(assignments: Iterable[Assignment]) -> dict[int, list[User]]:
    """The active sales managers of each team the assignments' reps are on, by team id."""
    teams = {team for assignment in assignments if (team := _team_of(assignment.rep)) is not None}
    managers: dict[int, list[User]] = {team: [] for team in teams}
    for membership in Membership.objects.filter(
        team_id__in=teams, role=Role.SALES_MANAGER, user__is_active=True
    ).select_related("user"):
        managers[membership.team_id].append(membership.user)
    return managers


def _team_of(rep: User) -> int | None:
    membership: Membership | None = getattr(rep, "membership", None)
    return membership.team_id if membership is not None else None


def _tell_reminder(assignment: Assignment, agreement: _Agreement, *, accept: bool) -> None:
    levels = agreement.levels
    deadline = assignment.accept_by if accept else assignment.first_touch_by
    assert deadline is not None  # noqa: S101 -- the look-up only finds assignments with one
    words = {
        "lead": assignment.lead.display_name,
        "deadline": _local_text(deadline, levels),
        "hours": _hours_text(
            levels.accept_within_hours if accept else levels.first_contact_within_hours
        ),
    }
    notify_people(
        recipients=[assignment.rep],
        kind=NotificationKind.DEADLINE_NEAR,
        title=(ACCEPT_SOON_TITLE if accept else TOUCH_SOON_TITLE).format(**words),
        body=(ACCEPT_SOON_BODY if accept else TOUCH_SOON_BODY).format(**words),
        url=_lead_url(assignment),
    )


def _tell_breach(
    assignment: Assignment,
    agreement: _Agreement,
    managers: dict[int, list[User]],
    *,
    title: str,
    body: str,
    hours: float,
    deadline: dt.datetime | None,
) -> None:
    """Tell the sales managers of the rep's team, and the rep."""
    assert deadline is not None  # noqa: S101 -- the look-up only finds assignments with one
    team = _team_of(assignment.rep)
    words = {
        "lead": assignment.lead.display_name,
        "rep": assignment.rep.get_full_name() or assignment.rep.username,
        "hours": _hours_text(hours),
        "deadline": _local_text(deadline, agreement.levels),
    }
    notify_people(
        recipients=[*managers.get(team, []), assignment.rep] if team else [assignment.rep],
        kind=NotificationKind.DEADLINE_MISSED,
        title=title.format(**words),
        body=body.format(**words),
        url=_lead_url(assignment),
    )


def _lead_url(assignment: Assignment) -> str:
    return f"/leads/{assignment.lead_id}/"


def _hours_text(hours: float) -> str:
    """8.0 as "8", 1.5 as "1.5"."""
    return f"{hours:g}"


def _local_text(moment: dt.datetime, levels: ServiceLevels) -> str:
    """A deadline as the team reads it: "Mon 30 Nov 16:00 (Europe/Berlin)"."""
    zone = levels.business_hours.time_zone
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %H:%M} ({zone})"
