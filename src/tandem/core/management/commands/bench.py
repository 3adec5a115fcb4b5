"""`tandem bench funnel --leads N`: time the dashboard against a generated data set.

The data set lives in a database of its own: by default the SQLite file
var/bench/funnel-<N>.sqlite3, or the database `--database-url` names (created when missing, for
PostgreSQL). Settings are read once per process, so the command runs itself again with
DATABASE_URL pointing there. The first run generates the data with the bulk writer; later runs
with the same size and seed reuse it.
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

from tandem.core.bench import DashboardTimings, Dataset, ensure_dataset, measure_dashboard
from tandem.core.demo.plan import DEFAULT_SEED
from tandem.core.demo.records import MARKETERS
from tandem.core.errors import DomainError
from tandem.core.time import now
from tandem.scoring import bench as scoring_bench

BENCHMARKS = ("funnel", "rescore", "whatif")
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
        "Time Tandem against a generated data set: `funnel` (every query of the dashboard and "
        "the whole page), `rescore` (every lead rescored on activation, and live scoring after "
        "one event) or `whatif` (one what-if replay), e.g. `tandem bench rescore --leads 1000000`."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("benchmark", choices=BENCHMARKS, help="What to measure.")
        parser.add_argument(
            "--leads", type=int, default=MAX_LEADS, help="Size of the data set, in leads."
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

    def handle(self, *args: Any, **options: Any) -> None:
        leads, seed, repeat = options["leads"], options["seed"], options["repeat"]
        if not 1 <= leads <= MAX_LEADS:
            raise CommandError(f"--leads must be between 1 and {MAX_LEADS:,}.")
        if repeat < 1:
            raise CommandError("--repeat must be at least 1.")
        url = options["database_url"] or default_database_url(leads, seed)
        if url != settings.DATABASE_URL:
            self._run_against(url, options)
            return
        self._say(f"Preparing the data set ({leads:,} leads, seed {seed})...")
        call_command("migrate", interactive=False, verbosity=0)
        started = time.monotonic()

        shown: dict[str, float] = {}

        def progress(phase: str, done: int, total: int) -> None:
            # At most one line every five seconds per phase, and always the last one.
            moment = time.monotonic()
            if done < total and moment - shown.get(phase, 0.0) < 5.0:
                return
            shown[phase] = moment
            self._say(f"  {phase}: {done:,} of {total:,} ({moment - started:.0f} s)")

        try:
            dataset = ensure_dataset(leads=leads, seed=seed, today=now().date(), progress=progress)
        except DomainError as error:
            raise CommandError(error.message) from None
        if not dataset.reused:
            self._say(f"Data set saved: {dataset.built_seconds:,.1f} s in all.")
        if options["benchmark"] != "funnel":
            self._bench_scoring(options["benchmark"], dataset, progress, as_json=options["json"])
            return
        actor = User.objects.get(username=MARKETERS[0])
        self._say(f"Timing the dashboard ({repeat} runs)...")
        timings = measure_dashboard(actor, repeat=repeat)
        if options["json"]:
            self.stdout.write(json.dumps(self._figures(dataset, timings)))
        else:
            self._print_table(dataset, timings, actor)

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
            "dataset_reused": dataset.reused,
            "dataset_built_seconds": dataset.built_seconds,
            **timings.as_dict(),
        }

    def _print_table(self, dataset: Dataset, timings: DashboardTimings, actor: User) -> None:
        write = self.stdout.write
        built = "reused; built" if dataset.reused else "built"
        write(f"Funnel benchmark on {connection.vendor}: {settings.DATABASES['default']['NAME']}")
        write(
            f"Data: {dataset.leads:,} leads, {dataset.stage_changes:,} stage changes, "
            f"{dataset.events:,} events (seed {dataset.seed}; {built} in "
            f"{dataset.built_seconds:,.1f} s)"
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
