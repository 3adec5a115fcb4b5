"""Reads for scoring: leads and their activity loaded as engine batches, and the active rules."""

import functools
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection

from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.rules import parse_terms
from tandem.leads.models import Company, Lead
from tandem.scoring.activity import PAIR
from tandem.scoring.engine import Batch, KindFacts, Scorer
from tandem.scoring.models import EventKind, LeadActivity

# Read with every batch: the lifecycle needs the stage, what-ifs and reports the segment.
STAGE = "stage"
SEGMENT = "company.segment"
CHUNK = 50_000


def active_version() -> AgreementVersion | None:
    return AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).first()


@functools.lru_cache(maxsize=32)
def _scorer(version_id: int, content: str) -> Scorer:
    return Scorer(parse_terms(json.loads(content)))


def scorer_of(version: AgreementVersion) -> Scorer:
    """The engine for `version`, built once per content: live scoring needs it per event."""
    return _scorer(version.pk, json.dumps(version.content, sort_keys=True))


def active_scorer() -> tuple[int, int, Scorer] | None:
    """The active version's id, number and engine, read without building a model object."""
    sql = (
        f"SELECT id, number, content FROM {AgreementVersion._meta.db_table} "  # noqa: S608
        "WHERE status = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [VersionStatus.ACTIVE.value])
        row = cursor.fetchone()
    if row is None:
        return None
    version_id, number, content = row
    text = content if isinstance(content, str) else json.dumps(content)
    return version_id, number, _scorer(version_id, text)


@dataclass(frozen=True)
class LoadedBatch:
    batch: Batch
    kinds: dict[int, KindFacts]

    def column(self, field: str) -> Sequence[Any]:
        return self.batch.fields[field]


def _column_sql(field: str) -> tuple[str, list[str]]:
    """SQL reading one fit field, with its parameters.

    Custom attributes are read as text on both databases (true/false as `true`/`false`), so a
    rule tests the same value whichever database holds it.
    """
    owner, _, name = field.rpartition(".")
    table = "company" if owner.startswith("company") else "lead"
    if owner.endswith("attributes"):
        if connection.vendor == "postgresql":
            return f"{table}.attributes ->> %s", [name]
        path = f'$."{name}"'
        return (
            f"CASE json_type({table}.attributes, %s) WHEN 'true' THEN 'true' "
            "WHEN 'false' THEN 'false' "
            f"ELSE CAST(json_extract({table}.attributes, %s) AS TEXT) END",
            [path, path],
        )
    return f"{table}.{name}", []


def _id_filter(column: str, lead_ids: Collection[int] | None) -> tuple[str, list[int]]:
    if lead_ids is None:
        return "", []
    return f"WHERE {column} IN ({', '.join(['%s'] * len(lead_ids))})", list(lead_ids)


def _lead_rows(names: Sequence[str], lead_ids: Collection[int] | None) -> list[tuple[Any, ...]]:
    columns, params = [], []
    for name in names:
        sql, column_params = _column_sql(name)
        columns.append(sql)
        params.extend(column_params)
    where, ids = _id_filter("lead.id", lead_ids)
    sql = (
        f"SELECT lead.id, {', '.join(columns)} FROM {Lead._meta.db_table} lead "  # noqa: S608
        f"LEFT JOIN {Company._meta.db_table} company ON company.id = lead.company_id "
        f"{where} ORDER BY lead.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *ids])
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def _activity(lead_ids: Collection[int] | None) -> dict[int, bytes]:
    where, ids = _id_filter("lead_id", lead_ids)
    sql = f"SELECT lead_id, events FROM {LeadActivity._meta.db_table} {where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return {lead_id: bytes(events) for lead_id, events in cursor.fetchall()}


def kinds_by_id(kind_ids: Collection[int] | None = None) -> dict[int, KindFacts]:
    where, ids = _id_filter("id", kind_ids)
    sql = f"SELECT id, type, name, properties FROM {EventKind._meta.db_table} {where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return {
            kind_id: KindFacts(type=type, name=name, properties=json.loads(properties))
            for kind_id, type, name, properties in cursor.fetchall()
        }


def load_batch(*, fields: Collection[str], lead_ids: Collection[int] | None = None) -> LoadedBatch:
    """Leads (all of them, or those in `lead_ids`), with `fields`, their stage and segment, and
    their activity, in id order; live scoring and rescoring read through this one function."""
    names = sorted({*fields, STAGE, SEGMENT})
    rows = _lead_rows(names, lead_ids)
    blobs = _activity(lead_ids)
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    pieces = [blobs.get(lead_id, b"") for lead_id in ids.tolist()]
    counts = np.fromiter(
        (len(piece) // PAIR.itemsize for piece in pieces), dtype=np.int64, count=len(pieces)
    )
    pairs = np.frombuffer(b"".join(pieces), dtype=PAIR)
    kind_ids = pairs["kind"].astype(np.int64)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(len(names) + 1)]
    batch = Batch(
        lead_ids=ids,
        fields={name: columns[index] for index, name in enumerate(names, start=1)},
        offsets=np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(counts)]),
        at=pairs["at"].astype(np.int64),
        kinds=kind_ids,
    )
    wanted = None if lead_ids is None else np.unique(kind_ids).tolist()
    return LoadedBatch(batch=batch, kinds=kinds_by_id(wanted))
