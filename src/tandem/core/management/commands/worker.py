"""`tandem worker [--once]`: Tandem's background work.

Runs the tracking pipeline (received events are attached to leads and scored as they arrive)
and the periodic jobs of `tandem.core.jobs` (service-level timers, nurture emails).
`tandem serve` starts one worker beside the web server; run more on other machines against the
same PostgreSQL database (they take turns on each run).
"""

import signal
import threading
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tandem.core.jobs import Schedule
from tandem.tracking.pipeline import pending_count, process_pending, run_forever

DEFAULT_POLL_SECONDS = 0.05


class Command(BaseCommand):
    help = (
        "Run Tandem's background work (the tracking pipeline, service-level timers, nurture "
        "emails) until stopped."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Run every periodic job once and process every event waiting, then stop (for a "
            "scheduler, or after a bulk load).",
        )
        parser.add_argument(
            "--poll",
            type=float,
            default=DEFAULT_POLL_SECONDS,
            help="Seconds to wait between looks when there is nothing to do (default 0.05).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["poll"] <= 0:
            raise CommandError("--poll must be more than 0 seconds.")
        if options["once"]:
            self._drain()
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(
            "Tandem worker: processing tracked events and periodic jobs (Ctrl-C stops)."
        )
        self.stdout.flush()
        run_forever(poll_seconds=options["poll"], stop=stop)
        self.stdout.write("Tandem worker stopped.")

    def _drain(self) -> None:
        started = time.monotonic()
        Schedule().run_due()
        waiting = pending_count()
        events = 0
        while run := process_pending():
            if not run.events:
                break
            events += run.events
            self.stdout.write(f"  {events:,} of {waiting:,} events processed")
        self.stdout.write(f"Processed {events:,} events in {time.monotonic() - started:.1f} s.")
