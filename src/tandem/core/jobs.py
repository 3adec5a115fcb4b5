"""Work the worker does on a schedule, beside the tracking pipeline: service-level timers,
nurture emails, housekeeping.

Each job is a plain function taking no arguments, safe to run from several workers at once
(it claims its rows with conditional updates), and returning how many things it did.
"""

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    # Imported when first run, so that this list names apps without importing them.
    function: str


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        "count changed leads into the dashboard's rollups",
        5.0,
        "tandem.reports.rollups.recount_queued",
    ),
    PeriodicJob("check service levels", 60.0, "tandem.handoff.sla.check_service_levels"),
    PeriodicJob("send due nurture emails", 60.0, "tandem.nurture.services.send_due_emails"),
    PeriodicJob(
        "take scheduled report snapshots",
        3_600.0,
        "tandem.reports.snapshot_services.take_scheduled_snapshots",
    ),
    PeriodicJob(
        "refresh the query planner's statistics", 3_600.0, "tandem.core.sql.refresh_statistics"
    ),
    PeriodicJob(
        "prune processed tracking batches",
        3_600.0,
        "tandem.tracking.pipeline.prune_processed_batches",
    ),
)


@dataclass
class Schedule:
    """When each job last ran in this process; `run_due` runs those whose time has come."""

    jobs: Sequence[PeriodicJob] = PERIODIC_JOBS
    clock: Callable[[], float] = time.monotonic
    last_run: dict[str, float] = field(default_factory=dict)

    def run_due(self) -> int:
        """Run every job due; a job that fails is logged and tried again at its next time, and
        does not keep the others from running. Returns how many jobs ran."""
        ran = 0
        for job in self.jobs:
            started = self.clock()
            if job.name in self.last_run and started - self.last_run[job.name] < job.every_seconds:
                continue
            self.last_run[job.name] = started
            ran += 1
            try:
                import_string(job.function)()
            except Exception:
                logger.exception("The periodic job %r failed; it runs again later.", job.name)
        return ran
