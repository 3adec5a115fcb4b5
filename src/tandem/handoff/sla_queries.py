"""Reads for the service-levels report: how sales kept its deadlines in a month, per rep and per
team, and how marketing kept its promise of MQLs, overall and per segment.

Both sides are counted by the organisation's month (`core.time`), like the funnel:
- sales' figures count the assignments made in the month, and of those the ones whose accept-by
  or first-touch-by deadline was missed (whenever that happened). A deadline still running
  counts as kept until it is missed, so the month's figures can only go down as it ends;
- marketing's figures count the leads that first became MQLs in the month (the funnel's
  `StageReach`), against the MQLs per month of the agreement in force at the end of the month
  (or now, for the month under way).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, Q

from tandem.agreement.models import AgreementVersion
from tandem.core.errors import DomainError
from tandem.core.roles import Role
from tandem.core.time import add_months, month_of, now, start_of_day
from tandem.handoff.models import Assignment
from tandem.leads.models import FunnelMonth, Stage, StageReach
from tandem.leads.queries import require_role
from tandem.people.models import Team

NO_SEGMENT = ""
MONTH_FORMAT = "%Y-%m"
# Far enough either way for any real report, and clear of the calendar's ends.
FIRST_YEAR, LAST_YEAR = 1970, 2999
NOT_A_MONTH = "Enter a month as YYYY-MM."
MONTH_OUT_OF_RANGE = f"Choose a month between {FIRST_YEAR} and {LAST_YEAR}."


@dataclass(frozen=True)
class Compliance:
    """Assignments made in the month, and how many of them missed each deadline."""

    assignments: int = 0
    accept_breaches: int = 0
    touch_breaches: int = 0

    @property
    def accept_compliance(self) -> float | None:
        """The share of assignments decided in time (or not yet late); None without any."""
        return _kept(self.assignments, self.accept_breaches)

    @property
    def touch_compliance(self) -> float | None:
        """The share of assignments contacted in time (or not yet late); None without any."""
        return _kept(self.assignments, self.touch_breaches)

    def __add__(self, other: "Compliance") -> "Compliance":
        return Compliance(
            assignments=self.assignments + other.assignments,
            accept_breaches=self.accept_breaches + other.accept_breaches,
            touch_breaches=self.touch_breaches + other.touch_breaches,
        )


@dataclass(frozen=True)
class RepCompliance:
    rep: User
    figures: Compliance


@dataclass(frozen=True)
class TeamCompliance:
    """A team's figures and its reps'; `team` is None for reps on no team."""

    team: Team | None
    figures: Compliance
    reps: list[RepCompliance]


@dataclass(frozen=True)
class SegmentDelivery:
    """MQLs of one segment in the month, against the number agreed for it (None when the
    agreement names no number for the segment). `segment` is "" for leads without one."""

    segment: str
    delivered: int
    committed: int | None

    @property
    def share(self) -> float | None:
        return _share(self.delivered, self.committed)


@dataclass(frozen=True)
class MqlDelivery:
    """Marketing's side: MQLs delivered in the month against the agreement's number."""

    delivered: int
    committed: int | None
    # The agreement version the commitment is read from; None when none was in force.
    agreement_number: int | None
    segments: list[SegmentDelivery]

    @property
    def share(self) -> float | None:
        return _share(self.delivered, self.committed)


@dataclass(frozen=True)
class ServiceLevelReport:
    month: dt.date
    teams: list[TeamCompliance]
    figures: Compliance
    marketing: MqlDelivery


def _kept(total: int, breaches: int) -> float | None:
    return (total - breaches) / total if total else None


def _share(delivered: int, committed: int | None) -> float | None:
    return delivered / committed if committed else None


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of `month` and of the next, in the organisation's time zone."""
    first = month.replace(day=1)
    return start_of_day(first), start_of_day(add_months(first, 1))


def current_month() -> dt.date:
    return month_of(now())


def parse_month(text: str) -> dt.date:
    """The month `text` names as YYYY-MM, as its first day; raises DomainError otherwise."""
    try:
        month = dt.datetime.strptime(text, MONTH_FORMAT).date()  # noqa: DTZ007 -- a date
    except ValueError:
        raise DomainError(NOT_A_MONTH, fields={"month": "not a month"}) from None
    return validate_month(month)


def validate_month(month: dt.date) -> dt.date:
    """`month`'s first day, if a report may cover it."""
    if not FIRST_YEAR <= month.year <= LAST_YEAR:
        raise DomainError(MONTH_OUT_OF_RANGE, fields={"month": "out of range"})
    return month.replace(day=1)


def compliance_by_rep(*, month: dt.date) -> list[RepCompliance]:
    """Every active sales rep, and anyone else given leads in the month, with their figures;
    by name."""
    start, end = month_bounds(month)
    rows = (
        Assignment.objects.filter(
            assigned_at__gte=start, assigned_at__lt=end, accept_by__isnull=False
        )
        .values("rep_id")
        .annotate(
            assignments=Count("id"),
            accept_breaches=Count("id", filter=Q(accept_breached_at__isnull=False)),
            touch_breaches=Count("id", filter=Q(touch_breached_at__isnull=False)),
        )
        .order_by()
    )
    figures = {
        row["rep_id"]: Compliance(
            assignments=row["assignments"],
            accept_breaches=row["accept_breaches"],
            touch_breaches=row["touch_breaches"],
        )
        for row in rows
    }
    reps = (
        User.objects.filter(
            Q(pk__in=list(figures)) | Q(is_active=True, membership__role=Role.SALES_REP)
        )
        .select_related("membership__team")
        .order_by("first_name", "last_name", "username")
    )
    return [RepCompliance(rep=rep, figures=figures.get(rep.pk, Compliance())) for rep in reps]


def compliance_by_team(*, month: dt.date) -> list[TeamCompliance]:
    """The reps' figures grouped by their team (as it is now), teams by name, reps on no team
    last."""
    grouped: dict[int, list[RepCompliance]] = defaultdict(list)
    teams: dict[int, Team] = {}
    teamless: list[RepCompliance] = []
    for row in compliance_by_rep(month=month):
        membership = getattr(row.rep, "membership", None)
        if membership is None:
            teamless.append(row)
            continue
        teams[membership.team_id] = membership.team
        grouped[membership.team_id].append(row)
    groups: list[tuple[Team | None, list[RepCompliance]]] = [
        (teams[pk], grouped[pk]) for pk in sorted(teams, key=lambda pk: teams[pk].name)
    ]
    if teamless:
        groups.append((None, teamless))
    return [
        TeamCompliance(
            team=team, figures=sum((row.figures for row in reps), Compliance()), reps=reps
        )
        for team, reps in groups
    ]


def agreement_in_force(moment: dt.datetime) -> AgreementVersion | None:
    """The version that was active at `moment`."""
    return (
        AgreementVersion.objects.filter(activated_at__lte=moment)
        .filter(Q(superseded_at__isnull=True) | Q(superseded_at__gt=moment))
        .order_by("-activated_at")
        .first()
    )


def mql_delivery(*, month: dt.date) -> MqlDelivery:
    """MQLs that first reached MQL in `month`, overall and per company segment, against the
    numbers the agreement in force at the month's end (or now) commits marketing to.

    Segments are matched to the agreement's names ignoring case, and read from each lead's
    company as it is now. Segments the agreement names come first, by name; then any other
    segment MQLs came from, by name; then leads without a segment.
    """
    _, end = month_bounds(month)
    version = agreement_in_force(min(end, now()))
    levels = version.terms.service_levels if version is not None else None
    delivered = (
        FunnelMonth.objects.filter(stage=Stage.MQL, month=month.replace(day=1))
        .values_list("reached", flat=True)
        .first()
    ) or 0
    counts: dict[str, int] = defaultdict(int)
    for segment, count in (
        StageReach.objects.filter(stage=Stage.MQL, month=month.replace(day=1))
        .values_list("lead__company__segment")
        .annotate(count=Count("id"))
        .order_by()
    ):
        counts[(segment or NO_SEGMENT).strip()] += count
    committed = levels.mqls_per_month_by_segment if levels is not None else {}
    by_key = {name.casefold(): name for name in committed}
    segments = [
        SegmentDelivery(
            segment=name,
            delivered=sum(n for seg, n in counts.items() if seg.casefold() == name.casefold()),
            committed=number,
        )
        # By name: PostgreSQL keeps JSON objects' keys in an order of its own.
        for name, number in sorted(committed.items(), key=lambda item: item[0].casefold())
    ]
    others = sorted(
        (seg for seg in counts if seg and seg.casefold() not in by_key), key=str.casefold
    )
    segments += [
        SegmentDelivery(segment=seg, delivered=counts[seg], committed=None) for seg in others
    ]
    if counts.get(NO_SEGMENT):
        segments.append(
            SegmentDelivery(segment=NO_SEGMENT, delivered=counts[NO_SEGMENT], committed=None)
        )
    return MqlDelivery(
        delivered=delivered,
        committed=levels.mqls_per_month if levels is not None else None,
        agreement_number=version.number if version is not None else None,
        segments=segments,
    )


def service_level_report(actor: User, *, month: dt.date) -> ServiceLevelReport:
    """Everything the service-levels page and API show for `month`; anyone on a team may read
    it."""
    require_role(actor)
    month = validate_month(month)
    teams = compliance_by_team(month=month)
    return ServiceLevelReport(
        month=month.replace(day=1),
        teams=teams,
        figures=sum((team.figures for team in teams), Compliance()),
        marketing=mql_delivery(month=month),
    )
