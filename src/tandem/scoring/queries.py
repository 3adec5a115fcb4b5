"""Reads for scoring: leads and their activity loaded as engine batches, and the active rules."""

import datetime as dt
import functools
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection

from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.rules import Grade, MqlClause, Terms, parse_terms
from tandem.core.sql import in_list
from tandem.leads.models import Company, Lead
from tandem.scoring.activity import PAIR
from tandem.scoring.engine import Batch, Factorized, Int64s, KindFacts, Scorer
from tandem.scoring.models import EventKind, LeadActivity, LeadScore

# What-ifs read the segment with the rules' fields, to count MQLs per segment.
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
    matches, params = in_list(column, lead_ids)
    return f"WHERE {matches}", params


def _transpose(rows: list[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows as columns. (`zip(*rows)` would pass a million arguments.)"""
    return [[row[index] for row in rows] for index in range(width)]


def _select(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def _columns_sql(names: Sequence[str]) -> tuple[str, list[str]]:
    columns, params = [], []
    for name in names:
        sql, column_params = _column_sql(name)
        columns.append(sql)
        params.extend(column_params)
    return "".join(f", {column}" for column in columns), params


def _lead_rows(names: Sequence[str], lead_ids: Collection[int] | None) -> list[tuple[Any, ...]]:
    """(id, company id or 0, packed events or empty, *fields) of each lead, in id order."""
    columns, params = _columns_sql(names)
    where, ids = _id_filter("lead.id", lead_ids)
    no_events = "''::bytea" if connection.vendor == "postgresql" else "X''"
    return _select(
        f"SELECT lead.id, COALESCE(lead.company_id, 0), "  # noqa: S608
        f"COALESCE(activity.events, {no_events}){columns} "
        f"FROM {Lead._meta.db_table} lead "
        f"LEFT JOIN {LeadActivity._meta.db_table} activity ON activity.lead_id = lead.id "
        f"{where} ORDER BY lead.id",
        [*params, *ids],
    )


def _company_rows(
    names: Sequence[str], company_ids: Collection[int] | None
) -> list[tuple[Any, ...]]:
    """(id, *fields) of each company, in id order."""
    columns, params = _columns_sql(names)
    where, ids = _id_filter("company.id", company_ids)
    return _select(
        f"SELECT company.id{columns} FROM {Company._meta.db_table} company "  # noqa: S608
        f"{where} ORDER BY company.id",
        [*params, *ids],
    )


def kinds_by_id(kind_ids: Collection[int] | None = None) -> dict[int, KindFacts]:
    where, ids = _id_filter("id", kind_ids)
    return {
        kind_id: KindFacts(type=type, name=name, properties=json.loads(properties))
        for kind_id, type, name, properties in _select(
            f"SELECT id, type, name, properties FROM {EventKind._meta.db_table} {where}",  # noqa: S608
            ids,
        )
    }


def _company_fields(names: Sequence[str], company_of_lead: Int64s) -> dict[str, Factorized]:
    """Company fields of each lead, factorized once per company rather than once per lead."""
    if not names:
        return {}
    wanted = None
    if len(company_of_lead) <= CHUNK:
        wanted = np.unique(company_of_lead[company_of_lead > 0]).tolist()
    rows = _company_rows(names, wanted) if wanted != [] else []
    company_ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    # Position 0 stands for "no company" (or one deleted meanwhile): every field empty.
    found = np.searchsorted(company_ids, company_of_lead)
    found = np.minimum(found, max(len(rows) - 1, 0))
    exists = (company_of_lead > 0) & (company_ids[found] == company_of_lead if rows else False)
    spread = np.where(exists, found + 1, 0)
    columns = _transpose(rows, len(names) + 1)
    fields = {}
    for index, name in enumerate(names, start=1):
        per_company = Factorized.of([None, *columns[index]])
        fields[name] = Factorized(codes=per_company.codes[spread], distinct=per_company.distinct)
    return fields


def load_batch(*, fields: Collection[str], lead_ids: Collection[int] | None = None) -> LoadedBatch:
    """Leads (all of them, or those in `lead_ids`) with `fields` and their activity, in id
    order; live scoring, rescoring and what-ifs read through this one function."""
    lead_names = sorted(name for name in fields if not name.startswith("company."))
    company_names = sorted(name for name in fields if name.startswith("company."))
    rows = _lead_rows(lead_names, lead_ids)
    columns = _transpose(rows, len(lead_names) + 3)
    ids = np.fromiter(columns[0], dtype=np.int64, count=len(rows))
    companies = _company_fields(
        company_names, np.fromiter(columns[1], dtype=np.int64, count=len(rows))
    )
    blobs = columns[2]
    counts = np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs)) // PAIR.itemsize
    pairs = np.frombuffer(b"".join(blobs), dtype=PAIR)
    kind_ids = pairs["kind"].astype(np.int64)
    batch = Batch(
        lead_ids=ids,
        fields={
            **{name: columns[index] for index, name in enumerate(lead_names, start=3)},
            **{name: column.values() for name, column in companies.items()},
        },
        offsets=np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(counts)]),
        at=pairs["at"].astype(np.int64),
        kinds=kind_ids,
        factorized=dict(companies),
    )
    wanted = None if lead_ids is None else np.unique(kind_ids).tolist()
    return LoadedBatch(batch=batch, kinds=kinds_by_id(wanted))


def leads_at_stages(stages: Collection[str]) -> Int64s:
    """Ids of the leads at any of `stages`, read from the stage index without building rows."""
    matches, params = in_list("stage", sorted(stages))
    rows = _select(f"SELECT id FROM {Lead._meta.db_table} WHERE {matches}", params)  # noqa: S608
    return np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))


@dataclass(frozen=True)
class RuleLine:
    name: str
    points: float
    # Fit: whether the rule matched. Engagement: whether any event earned points under it.
    applies: bool
    cap: int | None = None


@dataclass(frozen=True)
class ScoreExplanation:
    """Why a lead has its grade and score, and whether it meets the MQL rule — or what it lacks."""

    version_number: int
    is_active_version: bool
    scored_at: dt.datetime
    grade: Grade
    fit_points: int
    score: int
    meets_mql: bool
    fit: list[RuleLine]
    engagement: list[RuleLine]
    grade_boundaries: dict[str, int]
    half_life_days: float | None
    mql_rule: str
    verdict: str
    missing: list[str]


def describe_clause(clause: MqlClause) -> str:
    grades = " or ".join(grade.value for grade in clause.grades)
    return f"grade {grades} and score at least {clause.min_score}"


def describe_mql_rule(terms: Terms) -> str:
    """The MQL rule as a sentence, e.g. "grade A or B and score at least 60"."""
    return "; or ".join(describe_clause(clause) for clause in terms.mql.any_of)


def _fit_needed(terms: Terms, grades: Collection[Grade], fit_points: int) -> int | None:
    """Fit points short of the lowest listed grade, or None when a D is allowed."""
    boundaries = terms.fit.grades
    needed: list[int] = [getattr(boundaries, grade.value) for grade in grades if grade != Grade.D]
    if Grade.D in grades or not needed:
        return None
    return max(0, min(needed) - fit_points)


def _missing(terms: Terms, grade: Grade, fit_points: int, score: int) -> list[str]:
    """For each clause of the MQL rule, what this lead lacks to meet it."""
    missing = []
    for clause in terms.mql.any_of:
        lacks = []
        if grade not in clause.grades:
            short = _fit_needed(terms, clause.grades, fit_points)
            lacks.append(
                f"grade {' or '.join(g.value for g in clause.grades)} (has {grade.value}"
                + (f", {short} fit points short)" if short is not None else ")")
            )
        if score < clause.min_score:
            lacks.append(
                f"score {clause.min_score} (has {score}, {clause.min_score - score} points short)"
            )
        missing.append("Needs " + " and ".join(lacks) + ".")
    return missing


def score_explanation(lead: Lead) -> ScoreExplanation | None:
    """The lead's stored score explained rule by rule; None when it has never been scored."""
    stored = LeadScore.objects.filter(lead=lead).select_related("version").first()
    if stored is None:
        return None
    terms = stored.version.terms
    points = np.frombuffer(bytes(stored.contributions), dtype=np.float32).tolist()
    fit_points, engagement_points = (
        points[: len(terms.fit.rules)],
        points[len(terms.fit.rules) :],
    )
    grade = Grade(stored.grade)
    if stored.meets_mql:
        clause = next(
            clause
            for clause in terms.mql.any_of
            if grade in clause.grades and stored.score >= clause.min_score
        )
        verdict = (
            f"Meets the MQL rule of v{stored.version.number}: grade {grade.value} and score "
            f"{stored.score} satisfy “{describe_clause(clause)}”."
        )
        missing = []
    else:
        verdict = f"Does not meet the MQL rule of v{stored.version.number} yet."
        missing = _missing(terms, grade, stored.fit_points, stored.score)
    return ScoreExplanation(
        version_number=stored.version.number,
        is_active_version=stored.version.status == VersionStatus.ACTIVE,
        scored_at=stored.scored_at,
        grade=grade,
        fit_points=stored.fit_points,
        score=stored.score,
        meets_mql=stored.meets_mql,
        fit=[
            RuleLine(name=rule.name, points=round(value, 1), applies=value != 0)
            for rule, value in zip(terms.fit.rules, fit_points, strict=True)
        ],
        engagement=[
            RuleLine(name=rule.name, points=round(value, 1), applies=value != 0, cap=rule.cap)
            for rule, value in zip(terms.engagement.rules, engagement_points, strict=True)
        ],
        grade_boundaries=terms.fit.grades.model_dump(),
        half_life_days=terms.engagement.half_life_days,
        mql_rule=describe_mql_rule(terms),
        verdict=verdict,
        missing=missing,
    )
