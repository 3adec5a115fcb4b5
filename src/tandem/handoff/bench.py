"""Timing the lead card against a generated data set (`tandem bench card`).

The generated data set has leads, their history and their events, but nobody has handled a
lead yet. So, for a fixed sample of leads only, the benchmark first gives them what a card shows
once sales has them: an agreement in force and their scores, a routing rule and assignments,
touches, an acceptance, a rejection and a lead back from nurture, and the briefs of their
campaigns, all through the handoff services. Then it requests each sampled lead's page, `GET
/leads/<id>/`, as a sales manager (the whole view: queries and templates) and times
`lead_card()` on its own.

Everything runs in one transaction that is rolled back, so the data set is the same for every run
and for the other benchmarks (which activate an agreement of their own), and the other leads are
never touched.
"""

import datetime as dt
import math
import random
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count, Max
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.queries import active_version
from tandem.agreement.starter import STARTER_TERMS
from tandem.campaigns.models import Campaign
from tandem.core.errors import DomainError
from tandem.core.roles import Role
from tandem.core.time import now
from tandem.handoff import queries, services
from tandem.handoff.card import EVENTS_READ, lead_card
from tandem.handoff.models import Assignment, Decision, Rejection, RoutingRule, Touch, TouchKind
from tandem.leads import lifecycle
from tandem.leads.models import Event, Lead, Stage
from tandem.leads.queries import access_lead
from tandem.people.queries import membership_of
from tandem.scoring import services as scoring_services

TARGET_MS = 300.0
SAMPLE_SIZE = 200
# The leads with the most events join the sample: the card's worst case.
LARGEST = 5
HANDED_OVER = (Stage.MQL, Stage.SAL, Stage.SQL)
# Leads asked at once whether they have events, within SQLite's limit on parameters.
CHUNK = 500

NO_SALES_MANAGER = "The data set has no sales manager on a team to open the cards as."
CARD_NOT_OK = "The page of lead {lead} answered {status} instead of 200."
RULE_NAME = "Benchmark: every lead to the sales team"
REJECTION_REASON = "not-ready"
REJECTION_NOTE = "Budget is frozen until next year; worth another look in the spring."
BACK_FROM_NURTURE = "Came back from nurture: read the pricing page twice."
BRIEF = {
    "product": "Tandem Cloud",
    "message": "Sales and marketing on one funnel, with one agreed definition of a good lead.",
    "hook": "Stop arguing about lead quality",
    "offer": "A free funnel audit",
    "audience": "Heads of sales and marketing at 50-500 person software companies",
}


class _Rollback(Exception):
    pass


@dataclass(frozen=True)
class Spread:
    median_ms: float
    p95_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> "Spread":
        """The median, the 95th percentile (nearest rank) and the maximum, in milliseconds."""
        ordered = sorted(seconds)
        rank = max(1, math.ceil(0.95 * len(ordered)))
        return cls(
            median_ms=round(statistics.median(ordered) * 1000, 3),
            p95_ms=round(ordered[rank - 1] * 1000, 3),
            max_ms=round(ordered[-1] * 1000, 3),
        )


@dataclass(frozen=True)
class CardTimings:
    actor: str
    # Leads timed: handed over to sales (MQL, SAL, SQL) when chosen, others where too few
    # were, and the leads with the most events not among them already.
    sampled: int
    handed_over: int
    largest_added: int
    # The whole page, GET /leads/<id>/, and lead_card() alone; one request each after a warm-up.
    page: Spread
    card: Spread
    # Every statement one page request sends, the session's and the user's included.
    queries_median: int
    queries_max: int
    largest_lead: int
    largest_events: int
    largest_page_ms: float
    # The handoff context the sample was given.
    context: "Context"
    analyze_seconds: float
    sample_seconds: float
    prepare_seconds: float

    @property
    def within_target(self) -> bool:
        return self.page.p95_ms < TARGET_MS

    @property
    def largest_events_read(self) -> int:
        return min(self.largest_events, EVENTS_READ)

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "largest_events_read": self.largest_events_read,
            "target_ms": TARGET_MS,
            "within_target": self.within_target,
        }


@dataclass(frozen=True)
class Context:
    assignments: int
    touches: int
    accepted: int
    rejections: int
    briefs: int


@dataclass(frozen=True)
class Sample:
    lead_ids: list[int]
    handed_over: int
    largest_added: int
    # Lead id → events, for the leads with the most events.
    largest: dict[int, int]


def choose_sample(*, size: int = SAMPLE_SIZE, largest: int = LARGEST, seed: int = 1) -> Sample:
    """`size` leads picked by `seed`, handed-over leads with events first, then the `largest`
    leads with the most events. The same data set and seed give the same sample."""
    rng = random.Random(seed)  # noqa: S311 -- a reproducible sample, not a secret
    handed_over = list(
        Lead.objects.filter(stage__in=HANDED_OVER).order_by("pk").values_list("pk", flat=True)
    )
    rng.shuffle(handed_over)
    with_events: list[int] = []
    without: list[int] = []
    for start in range(0, len(handed_over), CHUNK):
        chunk = handed_over[start : start + CHUNK]
        active = set(
            Event.objects.filter(lead_id__in=chunk)
            .order_by()
            .values_list("lead_id", flat=True)
            .distinct()
        )
        with_events += [pk for pk in chunk if pk in active]
        without += [pk for pk in chunk if pk not in active]
        if len(with_events) >= size:
            break
    chosen = (with_events + without)[:size]
    if len(chosen) < size:
        # A small data set: the other leads, picked the same way, make up the rest.
        others = list(
            Lead.objects.exclude(stage__in=HANDED_OVER).order_by("pk").values_list("pk", flat=True)
        )
        chosen += rng.sample(others, min(size - len(chosen), len(others)))
    top = dict(
        Event.objects.filter(lead__isnull=False)
        .values("lead_id")
        .annotate(events=Count("id"))
        .order_by("-events", "lead_id")
        .values_list("lead_id", "events")[:largest]
    )
    added = [pk for pk in top if pk not in chosen]
    return Sample(
        lead_ids=chosen + added,
        handed_over=min(len(handed_over), size),
        largest_added=len(added),
        largest=top,
    )


def sales_manager() -> User:
    """The first sales manager on a team: the cards are opened as them."""
    manager = (
        User.objects.filter(is_active=True, membership__role=Role.SALES_MANAGER)
        .order_by("pk")
        .first()
    )
    if manager is None:
        raise DomainError(NO_SALES_MANAGER)
    return manager


def _agreement() -> AgreementVersion:
    """The version in force; the starter terms as a new one when none is (rolled back after)."""
    version = active_version()
    if version is not None:
        return version
    number = (AgreementVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    return AgreementVersion.objects.create(
        number=number, status=VersionStatus.ACTIVE, title="Benchmark", content=STARTER_TERMS
    )


def _route(lead_ids: list[int], *, manager: User, at: dt.datetime) -> None:
    """A rule that sends every lead to the manager's team, whose reps have room for all of
    them, then the sampled leads routed by it."""
    membership = membership_of(manager)
    if membership is None:
        raise DomainError(NO_SALES_MANAGER)
    position = (RoutingRule.objects.aggregate(top=Max("position"))["top"] or 0) + 1
    rule = services.create_rule(by=None, name=RULE_NAME, position=position, team=membership.team)
    # The only active rule for the run, so no other rule takes the sample elsewhere.
    RoutingRule.objects.exclude(pk=rule.pk).update(is_active=False)
    for rep in queries.reps_of(rule):
        services.set_capacity(by=None, rep=rep, open_leads=len(lead_ids) + 1_000_000)
    services.route_leads(lead_ids=lead_ids, at=at)


def _handle(lead: Lead, position: int, *, moment: dt.datetime) -> None:
    """What sales did with one lead: handed-over leads are touched; of the MQLs, a third are
    rejected and come back from nurture to a new rep, a third are accepted, and a third still
    wait for an answer."""
    current = queries.current_assignment(lead)
    if current is None:
        return
    rep = current.rep
    hours = dt.timedelta(hours=1)
    if lead.stage in (Stage.SAL, Stage.SQL):
        services.log_touch(
            lead=lead, by=rep, kind=TouchKind.CALL, note="Intro call", at=moment - 2 * hours
        )
        services.log_touch(
            lead=lead, by=rep, kind=TouchKind.EMAIL, note="Sent the deck", at=moment - hours
        )
        return
    # A stage change may not be dated before the lead's last one.
    if lead.stage != Stage.MQL or lead.stage_changed_at > moment - 2 * hours:
        return
    if position % 3 == 0:
        services.log_touch(lead=lead, by=rep, kind=TouchKind.CALL, at=moment - 2 * hours)
        services.reject(
            lead=lead, by=rep, reason=REJECTION_REASON, note=REJECTION_NOTE, at=moment - hours
        )
        lifecycle.change_stage(
            lead=lead, to_stage=Stage.MQL, by=None, reason=BACK_FROM_NURTURE, at=moment - hours / 2
        )
        services.route_leads(lead_ids=[lead.pk], at=moment - hours / 2)
        again = queries.current_assignment(lead)
        if again is not None:
            services.log_touch(lead=lead, by=again.rep, kind=TouchKind.MEETING, at=moment)
    elif position % 3 == 1:
        services.log_touch(lead=lead, by=rep, kind=TouchKind.CALL, at=moment - 2 * hours)
        services.accept(lead=lead, by=rep, at=moment - hours)
        services.log_touch(lead=lead, by=rep, kind=TouchKind.EMAIL, at=moment - hours / 2)


def _fill_briefs(lead_ids: list[int]) -> int:
    """The brief of every campaign that touched a sampled lead, where it is empty; returns
    how many campaigns have one."""
    ids = set(
        Event.objects.filter(lead_id__in=lead_ids, campaign__isnull=False)
        .order_by()
        .values_list("campaign_id", flat=True)
        .distinct()
    )
    for first, last in Lead.objects.filter(pk__in=lead_ids).values_list(
        "first_touch_campaign_id", "last_touch_campaign_id"
    ):
        ids |= {first, last} - {None}
    Campaign.objects.filter(pk__in=ids, product="").update(**BRIEF)
    return Campaign.objects.filter(pk__in=ids).exclude(product="").count()


def give_context(lead_ids: list[int], *, manager: User) -> Context:
    """Handoff context for the sampled leads, through the services; no other lead changes.
    Returns what they were given (the generated leads have no handoff rows of their own, but
    for the history `tandem bench dashboard` may have given them)."""
    moment = now() - dt.timedelta(minutes=5)
    _agreement()
    scoring_services.score_leads(lead_ids=lead_ids)
    _route(lead_ids, manager=manager, at=moment - dt.timedelta(hours=3))
    for position, lead in enumerate(Lead.objects.filter(pk__in=lead_ids).order_by("pk")):
        _handle(lead, position, moment=moment)
    return Context(
        assignments=Assignment.objects.filter(lead_id__in=lead_ids).count(),
        touches=Touch.objects.filter(lead_id__in=lead_ids).count(),
        accepted=Assignment.objects.filter(
            lead_id__in=lead_ids, decision=Decision.ACCEPTED
        ).count(),
        rejections=Rejection.objects.filter(lead_id__in=lead_ids).count(),
        briefs=_fill_briefs(lead_ids),
    )


def _counting(run: Callable[[], object]) -> int:
    """How many statements `run` sends to the database."""
    sent = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal sent
        sent += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        run()
    return sent


def time_pages(lead_ids: Iterable[int], *, actor: User) -> tuple[dict[int, float], list[int]]:
    """Seconds to serve each lead's page to `actor` (after one warm-up), and the statements each
    request sent."""
    ids = list(lead_ids)
    seconds: dict[int, float] = {}
    statements: list[int] = []
    # The test client's host name must be allowed, as it is in tests.
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        client = Client()
        client.force_login(actor)

        def request(pk: int) -> None:
            response = client.get(reverse("leads:detail", args=[pk]))
            if response.status_code != 200:
                raise RuntimeError(CARD_NOT_OK.format(lead=pk, status=response.status_code))

        request(ids[0])  # warm up templates, caches and the connection
        for pk in ids:
            started = time.perf_counter()
            statements.append(_counting(partial(request, pk)))
            seconds[pk] = time.perf_counter() - started
    return seconds, statements


def time_cards(lead_ids: Iterable[int], *, actor: User) -> list[float]:
    """Seconds for `lead_card()` alone, for each lead (fetched beforehand, as the view does)."""
    seconds = []
    for pk in lead_ids:
        lead = access_lead(actor, pk)
        started = time.perf_counter()
        lead_card(actor, lead)
        seconds.append(time.perf_counter() - started)
    return seconds


def analyze() -> float:
    """Planner statistics for a PostgreSQL database, as autovacuum keeps them on a live one;
    returns the seconds spent (none on SQLite, whose planner the card does without them).

    A data set fresh from the bulk writer has none, and autovacuum may be off. Without them the
    planner guesses that a lead has some 1,800 stage changes instead of three and reads its
    history with a parallel scan: 50 ms a card at a million leads instead of one.
    """
    if connection.vendor != "postgresql":
        return 0.0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def measure_card(
    *,
    size: int = SAMPLE_SIZE,
    largest: int = LARGEST,
    seed: int = 1,
    say: Callable[[str], None] = lambda message: None,
) -> CardTimings:
    """Give a sample of leads their handoff context, then time their pages and cards; all of it
    is rolled back."""
    if connection.vendor == "postgresql":
        say("Updating the planner's statistics (ANALYZE)...")
    analyze_seconds = analyze()
    try:
        with transaction.atomic():
            say(f"Choosing {size} leads and the {largest} with the most events...")
            started = time.perf_counter()
            sample = choose_sample(size=size, largest=largest, seed=seed)
            sample_seconds = time.perf_counter() - started
            manager = sales_manager()
            say(f"Giving {len(sample.lead_ids)} leads their handoff context...")
            started = time.perf_counter()
            context = give_context(sample.lead_ids, manager=manager)
            prepare_seconds = time.perf_counter() - started
            say(f"Timing GET /leads/<id>/ for {len(sample.lead_ids)} leads...")
            pages, statements = time_pages(sample.lead_ids, actor=manager)
            cards = time_cards(sample.lead_ids, actor=manager)
            raise _Rollback
    except _Rollback:
        pass
    biggest, events = max(sample.largest.items(), key=lambda item: item[1], default=(0, 0))
    return CardTimings(
        actor=manager.username,
        sampled=len(sample.lead_ids),
        handed_over=sample.handed_over,
        largest_added=sample.largest_added,
        page=Spread.of(list(pages.values())),
        card=Spread.of(cards),
        queries_median=round(statistics.median(statements)),
        queries_max=max(statements),
        largest_lead=biggest,
        largest_events=events,
        largest_page_ms=round(pages.get(biggest, 0.0) * 1000, 3),
        context=context,
        analyze_seconds=round(analyze_seconds, 1),
        sample_seconds=round(sample_seconds, 1),
        prepare_seconds=round(prepare_seconds, 1),
    )
