"""`tandem bench dashboard --leads N`: time every query of the dashboard page, with its default
filters and filtered to the busiest segment, against a generated data set.

The data set lives in a database of its own: by default the SQLite file
var/bench/funnel-<N>.sqlite3, or the database `--database-url` names (created when missing, for
PostgreSQL). Settings are read once per process, so the command runs itself again with
DATABASE_URL pointing there. The first run generates the data with the bulk writer; later runs
with the same size and seed reuse it.

`tandem bench card` times the lead card, `GET /leads/<id>/`, for a sample of leads given their
handoff context first (`handoff.bench`); like rescore and whatif, it rolls back what it writes.

`tandem bench ingest` times the tracking API over HTTP instead (`tracking.bench`). Its servers
run in other processes, so nothing can be rolled back: its database (by default
`<name>_bench_ingest` beside a PostgreSQL database, or var/bench/ingest.sqlite3) is made afresh
on every run.
"""

import json
import os
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

import dj_database_url
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tandem.core.bench import (
    DashboardTimings,
    Dataset,
    ensure_dataset,
    ensure_handoff_history,
    measure_dashboard_views,
)
from tandem.core.demo.plan import DEFAULT_SEED
from tandem.core.demo.records import MARKETERS
from tandem.core.errors import DomainError
from tandem.core.progress import Progress
from tandem.core.sql import analyze
from tandem.core.time import now
from tandem.handoff import bench as handoff_bench
from tandem.handoff.models import Assignment
from tandem.reports import rollups
from tandem.scoring import bench as scoring_bench
from tandem.tracking import bench as tracking_bench
from tandem.tracking.bench_load import LoadResult

# The dashboard's views the `dashboard` benchmark times.
VIEW_TITLES = {"default": "Default filters", "segment": "Filtered to the busiest segment"}
# `funnel` is the dashboard benchmark's earlier name.
BENCHMARKS = ("dashboard", "funnel", "rescore", "whatif", "card", "ingest")
MAX_LEADS = 1_000_000
SQL_SHOWN = 96


def default_database_url(leads: int, seed: int) -> str:
    name = f"funnel-{leads}" if seed == DEFAULT_SEED else f"funnel-{leads}-seed-{seed}"
    return f"sqlite:///{settings.VAR_DIR / 'bench' / name}.sqlite3"


def create_postgres_database(url: str) -> None:
    """Create the PostgreSQL database `url` names, if it does not exist yet."""
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    with psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    ) as admin:
        name = str(config["NAME"])
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if found is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


class Command(BaseCommand):
    help = (
        "Time Tandem against a generated data set: `dashboard` (every query of the dashboard "
        "and the whole page, with default filters and with a segment filter; `funnel` is its "
        "earlier name), `rescore` (every lead rescored on activation, and live scoring after "
        "one event), `whatif` (one what-if replay), `card` (the lead card's server time for a "
        "sample of leads) or `ingest` (tracked events a second over HTTP, and the pipeline's "
        "delay), e.g. `tandem bench rescore --leads 1000000`."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("benchmark", choices=BENCHMARKS, help="What to measure.")
        parser.add_argument(
            "--leads",
            type=int,
            help=(
                f"Size of the data set, in leads (default {MAX_LEADS:,}; for ingest, the leads "
                f"already known, default {tracking_bench.DEFAULT_LEADS:,})."
            ),
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Generator seed.")
        parser.add_argument(
            "--database-url",
            help="Database for the data set (default: a SQLite file under var/bench/).",
        )
        parser.add_argument(
            "--repeat", type=int, default=5, help="Runs of each query and of the page."
        )
        parser.add_argument(
            "--json", action="store_true", help="Print the figures as one line of JSON."
        )
        parser.add_argument(
            "--seconds",
            type=float,
            default=tracking_bench.DEFAULT_SECONDS,
            help="ingest: seconds of load on each endpoint (default 20).",
        )
        parser.add_argument(
            "--events", type=int, help="ingest: send this many events instead of a timed load."
        )
        parser.add_argument(
            "--connections",
            type=int,
            default=tracking_bench.DEFAULT_CONNECTIONS,
            help="ingest: connections the load generator sends on at once (default 4).",
        )
        parser.add_argument(
            "--rate",
            type=float,
            help=(
                "ingest: offer the real endpoint this many events a second, as steady traffic, "
                "instead of as many as it takes (the time to score is then measured below "
                "saturation)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        benchmark = options["benchmark"]
        if options["leads"] is None:
            options["leads"] = tracking_bench.DEFAULT_LEADS if benchmark == "ingest" else MAX_LEADS
        leads, seed, repeat = options["leads"], options["seed"], options["repeat"]
        if not 1 <= leads <= MAX_LEADS:
            raise CommandError(f"--leads must be between 1 and {MAX_LEADS:,}.")
        if repeat < 1:
            raise CommandError("--repeat must be at least 1.")
        if benchmark == "ingest":
            self._bench_ingest(options)
            return
        url = options["database_url"] or default_database_url(leads, seed)
        if url != settings.DATABASE_URL:
            self._run_against(url, options)
            return
        self._say(f"Preparing the data set ({leads:,} leads, seed {seed})...")
        call_command("migrate", interactive=False, verbosity=0)
        progress = self._progress()
        try:
            dataset = ensure_dataset(leads=leads, seed=seed, today=now().date(), progress=progress)
        except DomainError as error:
            raise CommandError(error.message) from None
        if not dataset.reused:
            self._say(f"Data set saved: {dataset.built_seconds:,.1f} s in all.")
        if options["benchmark"] == "card":
            self._bench_card(dataset, as_json=options["json"])
            return
        if options["benchmark"] not in ("dashboard", "funnel"):
            self._bench_scoring(options["benchmark"], dataset, progress, as_json=options["json"])
            return
        started = time.perf_counter()
        handed = ensure_handoff_history(seed=seed)
        if handed:
            self._say(
                f"Handoff history written: {handed:,} handoffs, "
                f"{time.perf_counter() - started:,.1f} s."
            )
        started = time.perf_counter()
        queued = rollups.recount_queued()
        if queued:
            analyze()
            self._say(
                f"Dashboard rollups brought up to date ({queued:,} changes queued) and the "
                f"tables analyzed: {time.perf_counter() - started:,.1f} s."
            )
        actor = User.objects.get(username=MARKETERS[0])
        self._say(
            f"Timing the dashboard, with default filters and a segment filter ({repeat} runs)..."
        )
        views = measure_dashboard_views(actor, repeat=repeat)
        if options["json"]:
            figures = {name: self._figures(dataset, timings) for name, timings in views.items()}
            self.stdout.write(
                json.dumps(
                    {
                        **figures["default"],
                        "benchmark": "dashboard",
                        "within_target": all(t.within_target for t in views.values()),
                        "views": {name: timings.as_dict() for name, timings in views.items()},
                    }
                )
            )
            return
        for name, timings in views.items():
            self.stdout.write(f"— {VIEW_TITLES.get(name, name)} —")
            self._print_table(dataset, timings, actor)
            self.stdout.write("")

    def _bench_scoring(
        self, benchmark: str, dataset: Dataset, progress: Any, *, as_json: bool
    ) -> None:
        preparation = scoring_bench.ensure_activity(progress=progress)
        if preparation.activity_rebuilt:
            self._say(f"Lead activity built from the events: {preparation.seconds:,.1f} s.")
        common = {
            "benchmark": benchmark,
            "database": connection.vendor,
            "database_name": str(settings.DATABASES["default"]["NAME"]),
            "leads": dataset.leads,
            "events": dataset.events,
        }
        if benchmark == "rescore":
            self._say("Activating the starter agreement: every lead rescored...")
            rescore = scoring_bench.measure_rescore()
            if as_json:
                self.stdout.write(json.dumps({**common, **rescore.as_dict()}))
                return
            self._print_rescore(dataset, rescore)
            return
        self._say("Replaying a stricter proposal over the last 12 months...")
        whatif = scoring_bench.measure_whatif()
        if as_json:
            self.stdout.write(json.dumps({**common, **whatif.as_dict()}, default=str))
            return
        self._print_whatif(dataset, whatif)

    def _bench_card(self, dataset: Dataset, *, as_json: bool) -> None:
        try:
            timings = handoff_bench.measure_card(seed=dataset.seed, say=self._say)
        except DomainError as error:
            raise CommandError(error.message) from None
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "benchmark": "card",
                        "database": connection.vendor,
                        "database_name": str(settings.DATABASES["default"]["NAME"]),
                        "leads": dataset.leads,
                        "seed": dataset.seed,
                        "events": dataset.events,
                        **timings.as_dict(),
                    }
                )
            )
            return
        self._print_card(dataset, timings)

    def _print_card(self, dataset: Dataset, timings: handoff_bench.CardTimings) -> None:
        write = self.stdout.write
        write(
            f"Lead card benchmark on {connection.vendor}: {settings.DATABASES['default']['NAME']}"
        )
        write(f"Data: {dataset.leads:,} leads, {dataset.events:,} events (seed {dataset.seed})")
        write(
            f"Sample: {timings.sampled} leads ({timings.handed_over} handed over to sales, "
            f"{timings.sampled - timings.handed_over - timings.largest_added} others, "
            f"{timings.largest_added} more with the most events), chosen in "
            f"{timings.sample_seconds:.1f} s; handoff context given in "
            f"{timings.prepare_seconds:.1f} s"
        )
        if connection.vendor == "postgresql":
            write(f"  Planner statistics updated first (ANALYZE): {timings.analyze_seconds:.1f} s")
        context = timings.context
        write(
            f"  Handoff context: {context.assignments} assignments, {context.touches} touches, "
            f"{context.accepted} accepted, {context.rejections} rejections, "
            f"{context.briefs} campaign briefs"
        )
        page, card = timings.page, timings.card
        verdict = "met" if timings.within_target else "NOT met"
        write(
            f"Lead page GET /leads/<id>/ as {timings.actor}, one request each: median "
            f"{page.median_ms:.1f} ms, p95 {page.p95_ms:.1f} ms, max {page.max_ms:.1f} ms "
            f"(server time, whole page; target: p95 under {handoff_bench.TARGET_MS:.0f} ms, "
            f"{verdict})"
        )
        write(f"  Queries per page: median {timings.queries_median}, max {timings.queries_max}")
        write(
            f"  Largest lead #{timings.largest_lead}: {timings.largest_events:,} events "
            f"({timings.largest_events_read:,} read for the card), page "
            f"{timings.largest_page_ms:.1f} ms"
        )
        write(
            f"lead_card() alone: median {card.median_ms:.1f} ms, p95 {card.p95_ms:.1f} ms, "
            f"max {card.max_ms:.1f} ms"
        )

    def _print_rescore(self, dataset: Dataset, timings: scoring_bench.RescoreTimings) -> None:
        write = self.stdout.write
        write(f"Rescore benchmark on {connection.vendor}: {settings.DATABASES['default']['NAME']}")
        write(f"Data: {dataset.leads:,} leads, {dataset.events:,} events")
        verdict = "met" if timings.seconds < scoring_bench.TARGET_SECONDS else "NOT met"
        write(
            f"Activation rescoring: {timings.seconds:.2f} s for {timings.leads_scored:,} leads "
            f"(target: under {scoring_bench.TARGET_SECONDS:.0f} s, {verdict})"
        )
        write(
            f"  {timings.meets_mql:,} meet the MQL rule; {timings.moved_to_mql:,} moved to MQL; "
            f"{timings.no_longer_qualifying:,} at MQL no longer qualify"
        )
        live_verdict = "met" if timings.live.p95_ms < scoring_bench.LIVE_TARGET_MS else "NOT met"
        write(
            f"Live scoring of one lead after one event, {timings.live_samples} leads: "
            f"median {timings.live.median_ms:.2f} ms, p95 {timings.live.p95_ms:.2f} ms "
            f"(target: under {scoring_bench.LIVE_TARGET_MS:.0f} ms, {live_verdict})"
        )

    def _print_whatif(self, dataset: Dataset, timings: scoring_bench.WhatIfTimings) -> None:
        write = self.stdout.write
        result = timings.result
        write(f"What-if benchmark on {connection.vendor}: {settings.DATABASES['default']['NAME']}")
        write(
            f"Replayed {result.leads_replayed:,} leads and {result.events_replayed:,} events "
            f"over {result.months} months ({result.starts_on} to {result.ends_on})"
        )
        verdict = "met" if timings.seconds < scoring_bench.TARGET_SECONDS else "NOT met"
        write(
            f"One what-if: {timings.seconds:.2f} s "
            f"(target: under {scoring_bench.TARGET_SECONDS:.0f} s, {verdict})"
        )
        for label, outcomes in (
            ("proposal", result.total.proposal),
            ("active", result.total.active),
        ):
            if outcomes is not None:
                write(
                    f"  {label}: {outcomes.mqls:,} MQLs, {outcomes.accepted:,} accepted, "
                    f"{outcomes.sql:,} SQL, {outcomes.won:,} won, revenue {outcomes.revenue:,}"
                )

    def _progress(self) -> Progress:
        started = time.monotonic()
        shown: dict[str, float] = {}

        def progress(phase: str, done: int, total: int) -> None:
            # At most one line every five seconds per phase, and always the last one.
            moment = time.monotonic()
            if done < total and moment - shown.get(phase, 0.0) < 5.0:
                return
            shown[phase] = moment
            self._say(f"  {phase}: {done:,} of {total:,} ({moment - started:.0f} s)")

        return progress

    def _bench_ingest(self, options: dict[str, Any]) -> None:
        if options["seconds"] <= 0:
            raise CommandError("--seconds must be more than 0.")
        if options["events"] is not None and options["events"] < 1:
            raise CommandError("--events must be at least 1.")
        if options["connections"] < 1:
            raise CommandError("--connections must be at least 1.")
        if options["rate"] is not None and options["rate"] <= 0:
            raise CommandError("--rate must be more than 0.")
        url = options["database_url"] or tracking_bench.default_database_url(
            settings.DATABASE_URL, settings.VAR_DIR
        )
        try:
            tracking_bench.check_database(url)
            if url != settings.DATABASE_URL:
                self._run_against(url, options)
                return
            tracking_bench.recreate_database(url)
            self._say(f"Preparing the data set ({options['leads']:,} known leads)...")
            audience = tracking_bench.prepare(
                leads=options["leads"], seed=options["seed"], progress=self._progress()
            )
            figures = tracking_bench.measure_ingest(
                audience,
                database_url=url,
                seconds=options["seconds"],
                events=options["events"],
                concurrency=options["connections"],
                seed=options["seed"],
                say=self._say,
                rate=options["rate"],
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(figures.as_dict()))
            return
        self._print_ingest(figures, options)

    def _print_ingest(self, figures: tracking_bench.IngestFigures, options: dict[str, Any]) -> None:
        write = self.stdout.write
        real, bare, pipeline = figures.real, figures.bare, figures.pipeline
        length = (
            f"{options['events']:,} events"
            if options["events"] is not None
            else f"{options['seconds']:g} s"
        )
        write(f"Ingest benchmark on {figures.database}: {figures.database_name}")
        write(
            f"Data: {figures.leads:,} known leads; batches of {figures.batch_events} events, "
            f"{figures.concurrency} connections, {length} of load on each endpoint"
        )
        write(f"Mix: {figures.mix}")
        pace = (
            f", offered {options['rate']:,.0f} events/s (the rate target needs an unpaced run)"
            if options["rate"]
            else ""
        )
        write(
            f"Real endpoint POST {tracking_bench.REAL_PATH} (tandem serve --workers 2, "
            f"worker){pace}:"
        )
        self._print_load(real, "at least 10,000 events/s", figures.meets_rate)
        once = "each once" if figures.stored_once else "NOT each once"
        write(
            f"  {real.stored:,} events stored, {real.duplicates:,} answered as duplicates "
            f"({real.replays:,} batches resent); the database holds {figures.events_in_database:,}"
            f" ({once})"
        )
        if pipeline.drained:
            write(
                f"  Pipeline: every batch processed and scored {pipeline.seconds:.1f} s after the "
                f"load started: {pipeline.events_per_second:,.0f} events/s end to end"
            )
        else:
            write(
                f"  Pipeline: NOT caught up {tracking_bench.DRAIN_SECONDS:.0f} s after the load; "
                f"{pipeline.batches:,} batches processed"
            )
        latency = pipeline.latency
        verdict = "met" if figures.meets_latency else "NOT met"
        write(
            f"  Accepted to scored, {pipeline.batches:,} batches: median {latency.median_ms:,.0f} "
            f"ms, p95 {latency.p95_ms:,.0f} ms, max {latency.max_ms:,.0f} ms "
            f"(target: p95 under 1 s, {verdict})"
        )
        write(
            f"Bare endpoint POST {tracking_bench.BARE_PATH} (parse and one INSERT; tandem serve "
            "--workers 2 --no-worker):"
        )
        self._print_load(bare, "", None)
        verdict = "met" if figures.meets_ratio else "NOT met"
        write(f"Real/bare: {figures.ratio:.2f} (target: at least 0.5, {verdict})")
        if figures.profile_folder:
            write(f"Profiles written to {figures.profile_folder}")

    def _print_load(self, load: LoadResult, target: str, met: bool | None) -> None:
        verdict = f" (target: {target}, {'met' if met else 'NOT met'})" if target else ""
        ran_out = "; every prepared body sent" if load.ran_out else ""
        self.stdout.write(
            f"  {load.events:,} events acknowledged in {load.seconds:.1f} s: "
            f"{load.events_per_second:,.0f} events/s{verdict}"
        )
        times = load.request_times
        self.stdout.write(
            f"  {load.acknowledged:,} requests answered 200, {load.failed:,} not{ran_out}; "
            f"request time median {times.median_ms:,.1f} ms, p95 {times.p95_ms:,.1f} ms"
        )

    def _say(self, message: str) -> None:
        self.stderr.style_func = None
        self.stderr.write(message)
        self.stderr.flush()

    def _run_against(self, url: str, options: dict[str, Any]) -> None:
        """Run this command again in a process whose DATABASE_URL is `url`."""
        # A SQLite file's folder is made by the settings; a PostgreSQL database must exist.
        if url.startswith(("postgres://", "postgresql://")):
            create_postgres_database(url)
        arguments = [
            *("bench", options["benchmark"], "--database-url", url),
            *("--leads", str(options["leads"]), "--seed", str(options["seed"])),
            *("--repeat", str(options["repeat"])),
            *("--seconds", str(options["seconds"]), "--connections", str(options["connections"])),
            *(("--events", str(options["events"])) if options["events"] is not None else ()),
            *(("--rate", str(options["rate"])) if options["rate"] is not None else ()),
            *(["--json"] if options["json"] else []),
        ]
        with subprocess.Popen(  # noqa: S603 -- our own command, with arguments we parsed
            [sys.executable, "-m", "tandem.cli", *arguments],
            env={**os.environ, "DATABASE_URL": url},
            stdout=subprocess.PIPE,
            text=True,
        ) as child:
            for line in child.stdout or ():
                self.stdout.write(line, ending="")
        if child.returncode != 0:
            raise CommandError(f"The benchmark failed (exit status {child.returncode}).")

    def _figures(self, dataset: Dataset, timings: DashboardTimings) -> dict[str, Any]:
        return {
            "benchmark": "funnel",
            "database": connection.vendor,
            "database_name": str(settings.DATABASES["default"]["NAME"]),
            "leads": dataset.leads,
            "seed": dataset.seed,
            "events": dataset.events,
            "stage_changes": dataset.stage_changes,
            "handoffs": Assignment.objects.count(),
            "dataset_reused": dataset.reused,
            "dataset_built_seconds": dataset.built_seconds,
            **timings.as_dict(),
        }

    def _print_table(self, dataset: Dataset, timings: DashboardTimings, actor: User) -> None:
        write = self.stdout.write
        built = "reused; built" if dataset.reused else "built"
        name = settings.DATABASES["default"]["NAME"]
        write(f"Dashboard benchmark on {connection.vendor}: {name}")
        write(
            f"Data: {dataset.leads:,} leads, {dataset.stage_changes:,} stage changes, "
            f"{dataset.events:,} events, {Assignment.objects.count():,} handoffs "
            f"(seed {dataset.seed}; {built} in {dataset.built_seconds:,.1f} s)"
        )
        write(
            f"Dashboard page GET {timings.path} as {actor.username}, {timings.repeat} runs: "
            f"median {timings.page.median_ms:.1f} ms, p95 {timings.page.p95_ms:.1f} ms "
            "(server time, whole page)"
        )
        write("")
        write(f"{'#':>3}  {'median ms':>9}  {'p95 ms':>9}  {'rows':>6}  query")
        for number, query in enumerate(timings.queries, start=1):
            sql = query.sql if len(query.sql) <= SQL_SHOWN else query.sql[: SQL_SHOWN - 3] + "..."
            write(
                f"{number:>3}  {query.median_ms:>9.3f}  {query.p95_ms:>9.3f}  "
                f"{query.rows:>6}  {sql}"
            )
        verdict = "met" if timings.within_target else "NOT met"
        write(
            f"{'all':>3}  {timings.total.median_ms:>9.3f}  {timings.total.p95_ms:>9.3f}  "
            f"{'':>6}  {len(timings.queries)} queries (target: under 300 ms, {verdict})"
        )
        session = timings.session_queries
        if session:
            spent = sum(query.median_ms for query in session)
            write(
                f"Session and user queries, not counted above: {len(session)}, "
                f"{spent:.3f} ms (medians added)"
            )
