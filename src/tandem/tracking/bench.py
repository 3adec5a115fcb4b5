"""Timing the tracking API end to end over HTTP (`tandem bench ingest`).

The production server (`tandem serve --workers 2`, with its pipeline worker beside it) runs
against a database of the benchmark's own, made afresh for each run. A load generator in another
process (`tracking.bench_load`) builds every request body before the clock starts — batches of
100 events of a website's mix, some requests resending an earlier batch — and sends them over a
few keep-alive connections.
It counts the events acknowledged; then the pipeline is given time to attach and score them all,
and each batch's `processed_at - received_at` is the time from an event accepted to its lead's
score updated. The same load then goes to a bare endpoint served the same way
(`tracking.bench_bare`: parse, one INSERT, nothing else), the floor the real endpoint is compared
with.

Setting TANDEM_BENCH_PROFILE to a folder profiles the real run: the server's tracking views
(`tracking.bench_bare`) and the pipeline, run in a process of the benchmark's instead of
`tandem worker`, write cProfile files there.
"""

import cProfile
import datetime as dt
import functools
import http.client
import math
import multiprocessing
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import Max
from psycopg import sql

from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.starter import STARTER_TERMS
from tandem.campaigns.models import Campaign
from tandem.core.demo.plan import make_plan
from tandem.core.demo.write_bulk import write_bulk
from tandem.core.errors import DomainError
from tandem.core.progress import Progress, no_progress
from tandem.core.time import now
from tandem.leads.models import Event, Identity, IdentityKind, Lead
from tandem.people.services import create_source
from tandem.scoring import activity
from tandem.scoring import services as scoring_services
from tandem.tracking.bench_load import (
    BATCH_EVENTS,
    MIX,
    Audience,
    KnownPerson,
    LoadResult,
    Spread,
    hex_id,
    make_load,
    send_load,
)
from tandem.tracking.models import ReceivedBatch
from tandem.tracking.pipeline import run_forever

TARGET_EVENTS_PER_SECOND = 10_000
TARGET_RATIO = 0.5
TARGET_P95_MS = 1_000.0
DEFAULT_SECONDS = 20.0
DEFAULT_CONNECTIONS = 4
DEFAULT_LEADS = 10_000
# Bodies built ahead for a timed run: more than the server could take at this rate.
MOST_EVENTS_PER_SECOND = 25_000
# A run whose pipeline has not caught up this long after the load stops is reported unfinished.
DRAIN_SECONDS = 300.0
SERVER_START_SECONDS = 60.0
PROFILE_VARIABLE = "TANDEM_BENCH_PROFILE"
URLCONF_VARIABLE = "TANDEM_URLCONF"
BARE_URLCONF = "tandem.tracking.bench_bare"
REAL_PATH = "/v1/batch"
BARE_PATH = "/bench/bare/batch"
SOURCE_NAME = "Benchmark website"
# Created in the benchmark's database, so a later run knows it may empty that database.
MARKER_TABLE = "tandem_bench_ingest"

NOT_A_BENCH_DATABASE = (
    "The database {name} holds tables that tandem bench ingest did not make; the benchmark "
    "empties its database on every run. Name a database of its own with --database-url."
)
SERVER_DID_NOT_START = "The benchmark's server did not start; its log is {log}."
LOAD_FAILED = "The load generator stopped without a result (exit status {status})."

# The benchmark's database.


def default_database_url(configured_url: str, var_dir: Path) -> str:
    """The benchmark's own database beside the configured one: `<name>_bench_ingest` on the same
    PostgreSQL server, or the SQLite file bench/ingest.sqlite3 under the var folder."""
    if dj_database_url.parse(configured_url)["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{var_dir / 'bench' / 'ingest.sqlite3'}"
    parts = urlsplit(configured_url)
    return parts._replace(path=f"{parts.path.rstrip('/')}_bench_ingest").geturl()


def _postgres(config: Any, database: str) -> psycopg.Connection[Any]:
    return psycopg.connect(
        dbname=database,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )


def _tables(url: str) -> set[str] | None:
    """The tables of the database `url` names, or None when there is no such database."""
    config = dj_database_url.parse(url)
    name = str(config["NAME"])
    if config["ENGINE"].endswith("sqlite3"):
        if not Path(name).exists():
            return None
        with closing(sqlite3.connect(name)) as existing:
            listed = existing.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            return {table for (table,) in listed}
    with _postgres(config, "postgres") as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if found is None:
        return None
    with _postgres(config, name) as existing:
        rows = existing.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    return {table for (table,) in rows}


def check_database(url: str) -> None:
    """Raise DomainError when the database `url` names holds tables that no run of this
    benchmark made: it would be emptied."""
    tables = _tables(url)
    if tables and MARKER_TABLE not in tables:
        raise DomainError(NOT_A_BENCH_DATABASE.format(name=dj_database_url.parse(url)["NAME"]))


def recreate_database(url: str) -> None:
    """Make the database `url` names empty: deleted and created again, marked as this
    benchmark's.

    Raises DomainError, touching nothing, when it holds tables that no run of this benchmark
    made.
    """
    check_database(url)
    config = dj_database_url.parse(url)
    name = str(config["NAME"])
    connections.close_all()
    if config["ENGINE"].endswith("sqlite3"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
        Path(name).parent.mkdir(parents=True, exist_ok=True)
    else:
        with _postgres(config, "postgres") as admin:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            admin.execute(drop.format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER_TABLE} (created_at varchar(40) NOT NULL)")
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (%s)",  # noqa: S608
            [now().isoformat()],
        )


# The data the load is sent against.


def prepare(*, leads: int, seed: int, progress: Progress = no_progress) -> Audience:
    """Migrate, write `leads` leads with their history, activate the starter terms (scoring
    everyone), and give every lead a user id and an anonymous id the load will send."""
    call_command("migrate", interactive=False, verbosity=0)
    write_bulk(make_plan(leads=leads, today=now().date(), seed=seed), progress=progress)
    activity.rebuild_activity(progress=progress)
    with transaction.atomic():
        version = AgreementVersion.objects.create(
            number=1, status=VersionStatus.ACTIVE, title="Benchmark v1", content=STARTER_TERMS
        )
        scoring_services.rescore_all(version=version)
    issued = create_source(by=None, name=SOURCE_NAME)
    known = _identify_leads(random.Random(seed))  # noqa: S311 -- test data, not a secret
    keys = Campaign.objects.exclude(utm_key="").order_by("pk").values_list("utm_key", flat=True)
    return Audience(
        write_key=issued.secret,
        source_id=issued.source.pk,
        known=tuple(known),
        campaign_keys=tuple(keys),
    )


def _identify_leads(rng: random.Random) -> list[KnownPerson]:
    moment = now()
    known: list[KnownPerson] = []
    identities: list[Identity] = []
    for pk, email in Lead.objects.order_by("pk").values_list("pk", "email"):
        person = KnownPerson(user_id=f"user-{pk}", anonymous_id=hex_id(rng), email=email)
        known.append(person)
        identities += (
            Identity(kind=IdentityKind.USER, value=person.user_id, lead_id=pk, created_at=moment),
            Identity(
                kind=IdentityKind.ANONYMOUS,
                value=person.anonymous_id,
                lead_id=pk,
                created_at=moment,
            ),
        )
    Identity.objects.bulk_create(identities, batch_size=2_000)
    return known


def _generate_and_send(
    results: Connection, audience: Audience, requests: int, seed: int, options: dict[str, Any]
) -> None:
    """The load generator's process: build the bodies, then send them."""
    load = make_load(audience, requests=requests, seed=seed)
    results.send(send_load(load, **options))


def run_load(
    audience: Audience,
    *,
    port: int,
    path: str,
    seconds: float | None,
    events: int | None,
    concurrency: int,
    seed: int,
    rate: float | None = None,
) -> LoadResult:
    """Generate and send a load from a process of its own, so the generator's work is not the
    server's; returns what it achieved. `rate` paces it (events a second)."""
    if events is not None:
        requests = math.ceil(events / BATCH_EVENTS)
    else:
        assert seconds is not None  # noqa: S101 (one of the two is given)
        requests = math.ceil(seconds * MOST_EVENTS_PER_SECOND / BATCH_EVENTS)
    # The child is forked: it must not share this process's database connections.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    options = {
        "port": port,
        "path": path,
        "write_key": audience.write_key,
        "seconds": seconds if events is None else None,
        "concurrency": concurrency,
        "rate": rate,
    }
    generator = context.Process(
        target=_generate_and_send, args=(sending, audience, requests, seed, options)
    )
    generator.start()
    sending.close()
    try:
        result: LoadResult = receiving.recv()
    except EOFError:
        generator.join()
        raise DomainError(LOAD_FAILED.format(status=generator.exitcode)) from None
    generator.join()
    return result


# Serving.


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(
    *, database_url: str, role: str, with_worker: bool, urlconf: str | None = None
) -> Iterator[int]:
    """`tandem serve --workers 2` in a process group of its own, against `database_url`; yields
    its port once it answers, and stops the whole group (server, workers, pipeline) after."""
    port = free_port()
    log_path = settings.VAR_DIR / "bench" / f"ingest-{role}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "DATABASE_URL": database_url}
    environment.pop(URLCONF_VARIABLE, None)
    if urlconf is not None:
        environment[URLCONF_VARIABLE] = urlconf
    command = [
        *(sys.executable, "-m", "tandem.cli", "serve", "--port", str(port), "--workers", "2"),
        *(() if with_worker else ("--no-worker",)),
    ]
    with log_path.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603 -- our own command
            command,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_answering(server, port, log_path)
            yield port
        finally:
            _stop(server)


def _wait_until_answering(server: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    answered = 0
    # Both web workers should have booted: a few answers in a row, not just the first.
    while answered < 4:
        if server.poll() is not None or time.monotonic() > deadline:
            raise DomainError(SERVER_DID_NOT_START.format(log=log_path))
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            client.request("GET", REAL_PATH)
            client.getresponse().read()
            answered += 1
        except OSError:
            answered = 0
            time.sleep(0.1)
        finally:
            client.close()


def _stop(server: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _profiled_pipeline(path: Path) -> None:
    """`tandem worker`'s loop under cProfile, until SIGTERM; the profile is written then."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        run_forever(stop=stop)
    finally:
        profiler.disable()
        profiler.dump_stats(path)


@contextmanager
def _real_server(database_url: str, profile_folder: str) -> Iterator[int]:
    """The production server with its worker; when profiling, its tracking views profiled and
    the pipeline run in a profiled process of this benchmark's instead."""
    if not profile_folder:
        with running_server(database_url=database_url, role="real", with_worker=True) as port:
            yield port
        return
    Path(profile_folder).mkdir(parents=True, exist_ok=True)
    connections.close_all()
    pipeline = multiprocessing.get_context("fork").Process(
        target=_profiled_pipeline, args=(Path(profile_folder) / "pipeline.prof",)
    )
    pipeline.start()
    try:
        with running_server(
            database_url=database_url, role="real", with_worker=False, urlconf=BARE_URLCONF
        ) as port:
            yield port
    finally:
        pipeline.terminate()
        pipeline.join(timeout=60)


# Measuring.


def wait_for_pipeline(*, timeout: float) -> bool:
    """Wait until no received batch is pending; False when `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    pending = ReceivedBatch.objects.filter(processed_at__isnull=True)
    while pending.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@dataclass(frozen=True)
class PipelineFigures:
    """How the pipeline kept up with a load: every batch processed (`drained`) how long after
    the load started, and each batch's time from accepted to scored."""

    drained: bool
    batches: int
    events: int
    seconds: float
    events_per_second: float
    latency: Spread


def pipeline_figures(load: LoadResult, *, after_batch: int, drained: bool) -> PipelineFigures:
    """The pipeline's figures for the batches received after `after_batch`."""
    rows = [
        (received, processed, count)
        for received, processed, count in ReceivedBatch.objects.filter(
            pk__gt=after_batch
        ).values_list("received_at", "processed_at", "event_count")
        if processed is not None
    ]
    if not rows:
        return PipelineFigures(drained, 0, 0, 0.0, 0.0, Spread.of([]))
    started = dt.datetime.fromtimestamp(load.started_at, tz=dt.UTC)
    last = max(processed for _, processed, _ in rows)
    seconds = (last - started).total_seconds()
    return PipelineFigures(
        drained=drained,
        batches=len(rows),
        events=sum(count for _, _, count in rows),
        seconds=round(seconds, 3),
        events_per_second=round(load.events / seconds, 1) if seconds > 0 else 0.0,
        latency=Spread.of(
            [(processed - received).total_seconds() for received, processed, _ in rows]
        ),
    )


@dataclass(frozen=True)
class IngestFigures:
    database: str
    database_name: str
    leads: int
    batch_events: int
    concurrency: int
    mix: str
    real: LoadResult
    # Events of the benchmark's source in the database after the real run: each acknowledged
    # new event once.
    events_in_database: int
    pipeline: PipelineFigures
    bare: LoadResult
    profile_folder: str

    @property
    def ratio(self) -> float:
        bare = self.bare.events_per_second
        return self.real.events_per_second / bare if bare else 0.0

    @property
    def meets_rate(self) -> bool:
        return self.real.events_per_second >= TARGET_EVENTS_PER_SECOND

    @property
    def meets_ratio(self) -> bool:
        return self.ratio >= TARGET_RATIO

    @property
    def meets_latency(self) -> bool:
        return self.pipeline.drained and self.pipeline.latency.p95_ms < TARGET_P95_MS

    @property
    def stored_once(self) -> bool:
        return self.events_in_database == self.real.stored

    def as_dict(self) -> dict[str, Any]:
        figures = asdict(self)
        for run in ("real", "bare"):
            figures[run]["events_per_second"] = round(getattr(self, run).events_per_second, 1)
        return {
            "benchmark": "ingest",
            **figures,
            "ratio": round(self.ratio, 3),
            "stored_once": self.stored_once,
            "targets": {
                "events_per_second": TARGET_EVENTS_PER_SECOND,
                "ratio": TARGET_RATIO,
                "p95_ms": TARGET_P95_MS,
            },
            "met": {
                "events_per_second": self.meets_rate,
                "ratio": self.meets_ratio,
                "p95_ms": self.meets_latency,
            },
        }


def measure_ingest(
    audience: Audience,
    *,
    database_url: str,
    seconds: float | None,
    events: int | None,
    concurrency: int,
    seed: int,
    say: Callable[[str], None],
    rate: float | None = None,
) -> IngestFigures:
    """Load the real endpoint and wait for the pipeline, then load the bare endpoint."""
    profile_folder = os.environ.get(PROFILE_VARIABLE, "")
    load = functools.partial(
        run_load, audience, seconds=seconds, events=events, concurrency=concurrency
    )
    after_batch = ReceivedBatch.objects.aggregate(highest=Max("pk"))["highest"] or 0
    say("Loading the real endpoint (tandem serve --workers 2, with its worker)...")
    with _real_server(database_url, profile_folder) as port:
        real = load(port=port, path=REAL_PATH, seed=seed + 1, rate=rate)
        say(
            f"  {real.events:,} events acknowledged in {real.seconds:.1f} s; waiting for the "
            "pipeline to process them..."
        )
        drained = wait_for_pipeline(timeout=DRAIN_SECONDS)
    pipeline = pipeline_figures(real, after_batch=after_batch, drained=drained)
    in_database = Event.objects.filter(source_id=audience.source_id).count()
    say("Loading the bare endpoint (tandem serve --workers 2 --no-worker)...")
    with running_server(
        database_url=database_url, role="bare", with_worker=False, urlconf=BARE_URLCONF
    ) as port:
        path = f"{BARE_PATH}?source={audience.source_id}"
        bare = load(port=port, path=path, seed=seed + 2)
    return IngestFigures(
        database=connection.vendor,
        database_name=str(settings.DATABASES["default"]["NAME"]),
        leads=len(audience.known),
        batch_events=BATCH_EVENTS,
        concurrency=concurrency,
        mix=MIX,
        real=real,
        events_in_database=in_database,
        pipeline=pipeline,
        bare=bare,
        profile_folder=profile_folder,
    )
