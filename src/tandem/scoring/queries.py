"""Reads for scoring: leads and their activity loaded as engine batches, and the active rules."""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.leads.models import Lead
from tandem.scoring.activity import PAIR
from tandem.scoring.engine import Batch, KindFacts
from tandem.scoring.models import EventKind, LeadActivity

# Read with every batch: the lifecycle needs the stage, what-ifs and reports the segment.
STAGE = "stage"
SEGMENT = "company.segment"
CHUNK = 50_000


def active_version() -> AgreementVersion | None:
    return AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).first()


def orm_path(field: str) -> str:
    """The ORM lookup path of a fit field, e.g. `company__attributes__size`."""
    return field.replace(".", "__")


@dataclass(frozen=True)
class LoadedBatch:
    batch: Batch
    kinds: dict[int, KindFacts]

    def column(self, field: str) -> Sequence[Any]:
        return self.batch.fields[field]


def _lead_rows(paths: Sequence[str], lead_ids: Collection[int] | None) -> list[tuple[Any, ...]]:
    leads = Lead.objects.order_by("id")
    if lead_ids is not None:
        leads = leads.filter(id__in=lead_ids)
    return list(leads.values_list("id", *paths).iterator(chunk_size=CHUNK))


def _activity(lead_ids: Collection[int] | None) -> dict[int, bytes]:
    rows = LeadActivity.objects.exclude(event_count=0)
    if lead_ids is not None:
        rows = rows.filter(lead_id__in=lead_ids)
    return {
        lead_id: bytes(events)
        for lead_id, events in rows.values_list("lead_id", "events").iterator(chunk_size=CHUNK)
    }


def kinds_by_id(kind_ids: Iterable[int] | None = None) -> dict[int, KindFacts]:
    kinds = EventKind.objects.all()
    if kind_ids is not None:
        kinds = kinds.filter(id__in=set(kind_ids))
    return {
        kind_id: KindFacts(type=type, name=name, properties=properties)
        for kind_id, type, name, properties in kinds.values_list(
            "id", "type", "name", "properties"
        ).iterator(chunk_size=CHUNK)
    }


def load_batch(*, fields: Collection[str], lead_ids: Collection[int] | None = None) -> LoadedBatch:
    """Leads (all of them, or those in `lead_ids`), with `fields`, their stage and segment, and
    their activity, in id order; live scoring and rescoring read through this one function."""
    names = sorted({*fields, STAGE, SEGMENT})
    rows = _lead_rows([orm_path(name) for name in names], lead_ids)
    blobs = _activity(lead_ids)
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    pieces = [blobs.get(int(lead_id), b"") for lead_id in ids]
    counts = np.fromiter(
        (len(piece) // PAIR.itemsize for piece in pieces), dtype=np.int64, count=len(pieces)
    )
    pairs = np.frombuffer(b"".join(pieces), dtype=PAIR)
    kind_ids = pairs["kind"].astype(np.int64)
    batch = Batch(
        lead_ids=ids,
        fields={name: [row[index] for row in rows] for index, name in enumerate(names, start=1)},
        offsets=np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(counts)]),
        at=pairs["at"].astype(np.int64),
        kinds=kind_ids,
    )
    wanted = None if lead_ids is None else np.unique(kind_ids).tolist()
    return LoadedBatch(batch=batch, kinds=kinds_by_id(wanted))
