import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tandem.scoring import activity, services
from tandem.scoring.queries import active_version

NO_ACTIVE_VERSION = (
    "No lead agreement is active, so there is nothing to score against. "
    "Sign a proposal on the agreement page first."
)


class Command(BaseCommand):
    help = (
        "Score every lead again under the active lead agreement (engagement points fade with "
        "time, so a nightly run keeps scores current), moving those that meet the MQL rule to "
        "MQL. --rebuild-activity first rebuilds each lead's activity from the events table, "
        "after events were loaded without the services."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--rebuild-activity",
            action="store_true",
            help="Rebuild lead activity from the events table before scoring.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        version = active_version()
        if version is None:
            raise CommandError(NO_ACTIVE_VERSION)
        if options["rebuild_activity"]:
            self.stderr.write("Rebuilding lead activity from the events...")
            started = time.monotonic()

            def progress(phase: str, done: int, total: int) -> None:
                self.stderr.write(f"  {phase}: {done:,} of {total:,}")

            events = activity.rebuild_activity(progress=progress)
            self.stderr.write(f"  {events:,} events in {time.monotonic() - started:.1f} s")
        self.stderr.write(f"Scoring every lead under agreement v{version.number}...")
        summary = services.rescore_all(version=version)
        self.stdout.write(
            f"Leads scored: {summary.leads_scored:,} in {summary.seconds:.1f} s. "
            f"Meeting the MQL rule: {summary.meets_mql:,}. Moved to MQL: {summary.moved_to_mql:,}. "
            f"At MQL but no longer meeting it: {summary.no_longer_qualifying:,}."
        )
