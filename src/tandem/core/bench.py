"""Timing the dashboard against a generated data set (`tandem bench funnel`).

The dashboard page is requested once as a marketer while every SQL statement it sends is
recorded; then each recorded SELECT is run again on its own, `repeat` times, and the page is
requested `repeat` more times, so both the queries and the whole page's server time are
measured. Queries that only serve the session and the signed-in user are reported apart from
the dashboard's own.
"""

import datetime as dt
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from tandem.agreement import services as agreement_services
from tandem.agreement.models import AgreementVersion
from tandem.agreement.starter import STARTER_TERMS
from tandem.core.demo.agreement import MARKETING_LEAD
from tandem.core.demo.handoff import write_handoff_history
from tandem.core.demo.plan import make_plan
from tandem.core.demo.write_bulk import write_bulk
from tandem.core.errors import DomainError
from tandem.core.progress import Progress, no_progress
from tandem.core.sql import analyze
from tandem.handoff.models import Assignment
from tandem.leads.models import Lead

# Tables read to identify the request's user rather than to build the dashboard.
SESSION_TABLES = ('"django_session"', '"auth_user"', '"people_membership"', '"people_team"')
TARGET_MS = 300.0
DASHBOARD_NOT_OK = "The dashboard answered {status} instead of 200."


@dataclass(frozen=True)
class CapturedQuery:
    sql: str
    params: Any


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> "Timing":
        """The median and the 95th percentile (nearest rank) of `seconds`, in milliseconds."""
        ordered = sorted(seconds)
        rank = max(1, math.ceil(0.95 * len(ordered)))
        return cls(
            median_ms=round(statistics.median(ordered) * 1000, 3),
            p95_ms=round(ordered[rank - 1] * 1000, 3),
        )


@dataclass(frozen=True)
class QueryTiming:
    sql: str
    median_ms: float
    p95_ms: float
    rows: int


@dataclass(frozen=True)
class DashboardTimings:
    path: str
    repeat: int
    page: Timing
    queries: list[QueryTiming]
    total: Timing
    session_queries: list[QueryTiming] = field(default_factory=list)

    @property
    def within_target(self) -> bool:
        return self.total.median_ms < TARGET_MS

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "target_ms": TARGET_MS, "within_target": self.within_target}


def capture(run: Callable[[], object]) -> list[CapturedQuery]:
    """Every statement `run` sends to the database, with its parameters."""
    captured: list[CapturedQuery] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.append(CapturedQuery(sql=sql, params=params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run()
    return captured


def _is_select(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("SELECT", "WITH"))


def _is_session(sql: str) -> bool:
    return any(table in sql for table in SESSION_TABLES)


def time_queries(queries: Sequence[CapturedQuery], *, repeat: int) -> list[list[float]]:
    """Run each query `repeat` times (after one unmeasured run); seconds per run, per query."""
    runs: list[list[float]] = [[] for _ in queries]
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute(query.sql, query.params)
            cursor.fetchall()
        for _ in range(repeat):
            for index, query in enumerate(queries):
                started = time.perf_counter()
                cursor.execute(query.sql, query.params)
                cursor.fetchall()
                runs[index].append(time.perf_counter() - started)
    return runs


def _row_count(query: CapturedQuery) -> int:
    with connection.cursor() as cursor:
        cursor.execute(query.sql, query.params)
        return len(cursor.fetchall())


def _timings(queries: Sequence[CapturedQuery], runs: list[list[float]]) -> list[QueryTiming]:
    return [
        QueryTiming(
            sql=" ".join(query.sql.split()),
            rows=_row_count(query),
            **asdict(Timing.of(seconds)),
        )
        for query, seconds in zip(queries, runs, strict=True)
    ]


def measure_dashboard(
    actor: User, *, repeat: int, params: dict[str, str] | None = None
) -> DashboardTimings:
    """Time the dashboard as `actor` sees it with the query `params` (none: the default
    period and no filter): every query it runs, and the whole page."""
    path = reverse("reports:dashboard")
    if params:
        path = f"{path}?{urlencode(params)}"
    # The test client's host name must be allowed, as it is in tests.
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        client = Client()
        client.force_login(actor)

        def request() -> None:
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(DASHBOARD_NOT_OK.format(status=response.status_code))

        return _measure(actor, path=path, run=request, repeat=repeat)


def busiest_segment() -> str | None:
    """The company segment with the most leads: the filter `measure_dashboard_views` tries."""
    found = (
        Lead.objects.exclude(company__segment="")
        .filter(company__isnull=False)
        .values("company__segment")
        .annotate(count=Count("id"))
        .order_by("-count")
        .values_list("company__segment", flat=True)
        .first()
    )
    return found


def measure_dashboard_views(actor: User, *, repeat: int) -> dict[str, DashboardTimings]:
    """`measure_dashboard` with the default filters, and filtered to the busiest segment."""
    timings = {"default": measure_dashboard(actor, repeat=repeat)}
    segment = busiest_segment()
    if segment is not None:
        timings["segment"] = measure_dashboard(actor, repeat=repeat, params={"segment": segment})
    return timings


def _measure(actor: User, *, path: str, run: Callable[[], object], repeat: int) -> DashboardTimings:
    run()  # warm up caches, templates and connections
    captured = [query for query in capture(run) if _is_select(query.sql)]
    own = [query for query in captured if not _is_session(query.sql)]
    session = [query for query in captured if _is_session(query.sql)]
    runs = time_queries(own, repeat=repeat)
    totals = [sum(per_query[i] for per_query in runs) for i in range(repeat)] if runs else [0.0]
    page_seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        page_seconds.append(time.perf_counter() - started)
    return DashboardTimings(
        path=path,
        repeat=repeat,
        page=Timing.of(page_seconds),
        queries=_timings(own, runs),
        total=Timing.of(totals),
        session_queries=_timings(session, time_queries(session, repeat=repeat)),
    )


# The data set a bench database holds, recorded next to it so a later run can reuse it.
DATASET_TABLE = "tandem_bench_dataset"
NOT_A_BENCH_DATABASE = (
    "The database holds {leads:,} leads that tandem bench did not generate. "
    "Give it an empty database of its own (e.g. .../bench)."
)


@dataclass(frozen=True)
class Dataset:
    leads: int
    seed: int
    events: int
    stage_changes: int
    built_seconds: float
    reused: bool


def ensure_handoff_history(*, seed: int) -> int:
    """Give the data set the handoffs a live system would have kept, once: an assignment, a
    decision, a first touch and a rejection reason for every time its ledger shows an MQL
    answered by sales (`core.demo.handoff`), under the starter terms as an unsigned draft (a
    signed agreement would rescore every lead). Returns how many handoffs were written."""
    if Assignment.objects.exists():
        return 0
    version = AgreementVersion.objects.order_by("number").first()
    if version is None:
        drafter = User.objects.get(username=MARKETING_LEAD)
        version = agreement_services.create_draft(
            by=drafter, title="Starter terms (bench data)", content=STARTER_TERMS
        )
    with transaction.atomic():
        return write_handoff_history(seed=seed, version=version)


def recorded_dataset() -> Dataset | None:
    """The data set recorded in this database by an earlier build, if any."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {DATASET_TABLE} (leads bigint NOT NULL, "
            "seed bigint NOT NULL, events bigint NOT NULL, stage_changes bigint NOT NULL, "
            "built_seconds double precision NOT NULL)"
        )
        cursor.execute(
            f"SELECT leads, seed, events, stage_changes, built_seconds FROM {DATASET_TABLE}"  # noqa: S608
        )
        row = cursor.fetchone()
    if row is None:
        return None
    leads, seed, events, stage_changes, seconds = row
    return Dataset(
        leads=leads,
        seed=seed,
        events=events,
        stage_changes=stage_changes,
        built_seconds=seconds,
        reused=True,
    )


def ensure_dataset(
    *, leads: int, seed: int, today: dt.date, progress: Progress = no_progress
) -> Dataset:
    """The generated data set of `leads` leads for `seed`: reused when this database already
    holds it, otherwise generated with the bulk writer (after emptying a database that holds
    another bench data set).

    Raises DomainError for a database holding data that no bench run made.
    """
    recorded = recorded_dataset()
    if recorded is not None and (recorded.leads, recorded.seed) == (leads, seed):
        return recorded
    if recorded is not None:
        call_command("flush", interactive=False, verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {DATASET_TABLE}")  # noqa: S608
    else:
        existing = Lead.objects.count()
        if existing:
            raise DomainError(NOT_A_BENCH_DATABASE.format(leads=existing))
    started = time.perf_counter()
    with transaction.atomic():
        written = write_bulk(make_plan(leads=leads, today=today, seed=seed), progress=progress)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {DATASET_TABLE} VALUES (%s, %s, %s, %s, 0)",  # noqa: S608
                [leads, seed, written.events, written.stage_changes],
            )
    # Timed past the commit: PostgreSQL checks the deferred foreign keys of every row then.
    seconds = round(time.perf_counter() - started, 1)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {DATASET_TABLE} SET built_seconds = %s", [seconds])  # noqa: S608
    # Fresh statistics, or the planner guesses row counts for tables it never measured and
    # times the wrong plans.
    analyze()
    return Dataset(
        leads=leads,
        seed=seed,
        events=written.events,
        stage_changes=written.stage_changes,
        built_seconds=seconds,
        reused=False,
    )
