"""Timing scoring against a generated data set (`tandem bench rescore`, `tandem bench whatif`).

Each measurement runs inside a transaction that is rolled back, so the data set is the same for
every run: rescoring activates the starter agreement and scores every lead; live scoring records
one event for each of a sample of leads under it; a what-if replays a stricter proposal against
the starter agreement as the active version.
"""

import random
import time
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction

from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.starter import STARTER_TERMS
from tandem.agreement.whatif import WhatIf, what_if
from tandem.core.bench import Timing
from tandem.core.progress import Progress, no_progress
from tandem.core.time import now
from tandem.leads.models import Event, Lead
from tandem.scoring import activity, services
from tandem.scoring.models import LeadActivity

TARGET_SECONDS = 10.0
LIVE_TARGET_MS = 5.0
# A proposal that asks more of a lead than the starter terms: a higher score for grade B.
STRICTER_MQL = {"any_of": [{"grades": ["A"], "min_score": 40}, {"grades": ["B"], "min_score": 70}]}


class _Rollback(Exception):
    pass


@dataclass(frozen=True)
class Preparation:
    activity_rebuilt: bool
    seconds: float


def ensure_activity(*, progress: Progress = no_progress) -> Preparation:
    """Lead activity for the data set; the bulk writer leaves it out, so it is built once."""
    if LeadActivity.objects.exists():
        return Preparation(activity_rebuilt=False, seconds=0.0)
    started = time.perf_counter()
    activity.rebuild_activity(progress=progress)
    return Preparation(activity_rebuilt=True, seconds=round(time.perf_counter() - started, 1))


def _version(number: int, status: str, content: dict[str, Any]) -> AgreementVersion:
    return AgreementVersion.objects.create(
        number=number, status=status, title=f"Benchmark v{number}", content=content
    )


@dataclass(frozen=True)
class RescoreTimings:
    seconds: float
    leads_scored: int
    meets_mql: int
    moved_to_mql: int
    no_longer_qualifying: int
    live: Timing
    live_samples: int

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "target_seconds": TARGET_SECONDS,
            "live_target_ms": LIVE_TARGET_MS,
        }


def measure_rescore(*, live_samples: int = 200, seed: int = 1) -> RescoreTimings:
    """Time activating a version (every lead rescored) and live scoring after one event."""
    try:
        with transaction.atomic():
            version = _version(1, VersionStatus.ACTIVE, STARTER_TERMS)
            started = time.perf_counter()
            summary = services.rescore_all(version=version)
            seconds = time.perf_counter() - started
            live = _measure_live(live_samples, seed)
            raise _Rollback
    except _Rollback:
        pass
    return RescoreTimings(
        seconds=round(seconds, 3),
        leads_scored=summary.leads_scored,
        meets_mql=summary.meets_mql,
        moved_to_mql=summary.moved_to_mql,
        no_longer_qualifying=summary.no_longer_qualifying,
        live=Timing.of(live),
        live_samples=len(live),
    )


def _measure_live(samples: int, seed: int) -> list[float]:
    """Seconds to score one lead after one new event, for a sample of leads."""
    rng = random.Random(seed)  # noqa: S311 -- a reproducible sample, not a secret
    largest = Lead.objects.order_by("-id").values_list("id", flat=True).first() or 0
    lead_ids = sorted({rng.randint(1, largest) for _ in range(samples)})
    seconds = []
    for lead in Lead.objects.filter(id__in=lead_ids):
        event = Event.objects.create(
            lead=lead,
            type="page",
            name="Pricing",
            properties={"path": "/pricing"},
            occurred_at=now(),
            received_at=now(),
        )
        started = time.perf_counter()
        services.score_lead_events(lead=lead, events=[event])
        seconds.append(time.perf_counter() - started)
    return seconds


@dataclass(frozen=True)
class WhatIfTimings:
    seconds: float
    result: WhatIf

    def as_dict(self) -> dict[str, Any]:
        total = self.result.total
        return {
            "seconds": self.seconds,
            "target_seconds": TARGET_SECONDS,
            "months": self.result.months,
            "leads_replayed": self.result.leads_replayed,
            "events_replayed": self.result.events_replayed,
            "proposal": asdict(total.proposal),
            "active": asdict(total.active) if total.active is not None else None,
        }


def measure_whatif(*, months: int = 12) -> WhatIfTimings:
    """Time one what-if of a stricter proposal against the starter terms as the active version."""
    try:
        with transaction.atomic():
            _version(1, VersionStatus.ACTIVE, STARTER_TERMS)
            proposal = _version(2, VersionStatus.PROPOSED, {**STARTER_TERMS, "mql": STRICTER_MQL})
            started = time.perf_counter()
            result = what_if(version=proposal, months=months)
            seconds = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return WhatIfTimings(seconds=round(seconds, 3), result=result)
