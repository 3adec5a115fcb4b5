"""Scoring writes: a lead's score kept current live, and everyone rescored on activation.

Both go through `_score`: load a batch (one lead or all), evaluate it with the one engine,
replace the stored scores, and move the leads that now meet the MQL rule to MQL through the
lifecycle, naming the agreement version in the ledger.

Policy for a lead that met an earlier version's MQL rule but not the active one's:
- it is not moved backwards: the lifecycle never moves a lead back, and an MQL is sales' to
  accept or reject, with a reason, where the feedback loop records it;
- its score says `meets_mql = False` under the new version, the lead page says so, and the
  activation summary counts such leads as `no_longer_qualifying`.
"""

import datetime as dt
import time
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from itertools import islice, repeat
from typing import Any

import numpy as np
from django.db import connection, transaction

from tandem.agreement.models import AgreementVersion
from tandem.core.time import now
from tandem.leads import lifecycle
from tandem.leads.models import Event, Lead, Stage
from tandem.scoring import activity
from tandem.scoring.engine import GRADES, Evaluation, Scorer
from tandem.scoring.models import LeadScore
from tandem.scoring.queries import (
    LoadedBatch,
    active_scorer,
    leads_at_stages,
    load_batch,
    scorer_of,
)

SCORING_LABEL = "scoring"
MQL_REASON = "Meets the MQL rule of agreement v{number}: grade {grade}, score {score}."
WRITE_CHUNK = 20_000
# Scores per upsert, within SQLite's limit on parameters.
UPSERT_ROWS = 3_000


@dataclass(frozen=True)
class RescoreSummary:
    leads_scored: int
    meets_mql: int
    moved_to_mql: int
    # At MQL but no longer meeting the new version's MQL rule; left at MQL (see module doc).
    no_longer_qualifying: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def contributions_of(evaluation: Evaluation) -> np.ndarray[Any, np.dtype[np.float32]]:
    """Points per rule and lead, fit rules then engagement rules, as stored on `LeadScore`."""
    return np.hstack(
        [
            evaluation.fit_contributions.astype(np.float32),
            evaluation.engagement_contributions.astype(np.float32),
        ]
    )


@dataclass(frozen=True)
class _Version:
    id: int
    number: int


GRADE_LETTERS = np.array([grade.value for grade in GRADES])


def _score_columns(evaluation: Evaluation) -> list[list[Any]]:
    """The stored columns of every lead's score, built column by column at C speed."""
    contributions = contributions_of(evaluation)
    width = contributions.shape[1] * contributions.itemsize
    packed: list[Any] = (
        np.ascontiguousarray(contributions).view(np.dtype((np.void, width))).ravel().tolist()
        if width
        else [b""] * len(contributions)
    )
    return [
        evaluation.fit_points.tolist(),
        GRADE_LETTERS[evaluation.grades].tolist(),
        evaluation.scores.tolist(),
        evaluation.meets_mql.tolist(),
        packed,
    ]


SCORE_COLUMNS = "lead_id, fit_points, grade, score, meets_mql, contributions, version_id, scored_at"


def _write_scores(
    loaded: LoadedBatch,
    evaluation: Evaluation,
    lead_ids: Collection[int] | None,
    version: _Version,
    scored_at: dt.datetime,
) -> None:
    """Replace the stored scores of the batch's leads (all scores when `lead_ids` is None)."""
    table = LeadScore._meta.db_table
    columns = _score_columns(evaluation)
    ids = loaded.batch.lead_ids.tolist()
    with connection.cursor() as cursor:
        if lead_ids is None:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        if lead_ids is None and connection.vendor == "postgresql":
            # COPY is an order of magnitude faster than INSERT for a million rows.
            with cursor.cursor.copy(f"COPY {table} ({SCORE_COLUMNS}) FROM STDIN") as copy:
                for row in zip(ids, *columns, repeat(version.id), repeat(scored_at)):
                    copy.write_row(row)
            return
        one_row = "(%s, %s, %s, %s, %s, %s, %s, %s)"
        stamp = connection.ops.adapt_datetimefield_value(scored_at)
        rows = zip(ids, *columns, repeat(version.id), repeat(stamp))
        if lead_ids is None:
            sql = f"INSERT INTO {table} ({SCORE_COLUMNS}) VALUES {one_row}"  # noqa: S608
            while chunk := list(islice(rows, WRITE_CHUNK)):
                cursor.executemany(sql, chunk)
            return
        # Some leads: replace their rows in place, a few thousand per statement (run once per
        # row, PostgreSQL would parse and plan the statement each time).
        update = ", ".join(
            f"{column} = excluded.{column}" for column in SCORE_COLUMNS.split(", ")[1:]
        )
        while chunk := list(islice(rows, UPSERT_ROWS)):
            cursor.execute(
                f"INSERT INTO {table} ({SCORE_COLUMNS}) "  # noqa: S608
                f"VALUES {', '.join([one_row] * len(chunk))} "
                f"ON CONFLICT (lead_id) DO UPDATE SET {update}",
                [value for row in chunk for value in row],
            )


def _move_to_mql(
    loaded: LoadedBatch,
    evaluation: Evaluation,
    version: _Version,
    at: dt.datetime,
    lead_ids_filter: Collection[int] | None,
) -> int:
    """Move the leads meeting the MQL rule to MQL, where the lifecycle allows (it skips leads
    already at MQL or past it)."""
    lead_ids = loaded.batch.lead_ids
    candidates = evaluation.meets_mql
    if lead_ids_filter is None and candidates.any():
        # Rescoring everyone: only leads at a stage that may move to MQL are candidates, and a
        # read of the stage index spares locking and checking the others one by one.
        candidates = candidates & np.isin(
            lead_ids, leads_at_stages(lifecycle.stages_that_may_move_to(Stage.MQL))
        )
    reasons = {
        int(lead_ids[position]): MQL_REASON.format(
            number=version.number,
            grade=evaluation.grade_of(position),
            score=int(evaluation.scores[position]),
        )
        for position in np.flatnonzero(candidates).tolist()
    }
    if not reasons:
        return 0
    moved = lifecycle.change_stages_in_bulk(
        reasons=reasons,
        to_stage=Stage.MQL,
        at=at,
        actor_label=SCORING_LABEL,
        agreement_version_id=version.id,
    )
    return len(moved)


def _score(version: _Version, scorer: Scorer, lead_ids: Collection[int] | None) -> RescoreSummary:
    started = time.perf_counter()
    loaded = load_batch(fields=scorer.fit_fields, lead_ids=lead_ids)
    moment = now()
    evaluation = scorer.evaluate(
        loaded.batch, scorer.kind_points(loaded.kinds), activity.seconds_of(moment)
    )
    _write_scores(loaded, evaluation, lead_ids, version, moment)
    meeting = loaded.batch.lead_ids[evaluation.meets_mql]
    # Counted when everyone is rescored, for the activation summary.
    no_longer_qualifying = (
        np.setdiff1d(leads_at_stages({Stage.MQL}), meeting) if lead_ids is None else ()
    )
    moved = _move_to_mql(loaded, evaluation, version, moment, lead_ids)
    return RescoreSummary(
        leads_scored=loaded.batch.size,
        meets_mql=len(meeting),
        moved_to_mql=moved,
        no_longer_qualifying=len(no_longer_qualifying),
        seconds=round(time.perf_counter() - started, 3),
    )


@transaction.atomic
def rescore_all(*, version: AgreementVersion) -> RescoreSummary:
    """Score every lead under `version` and move those meeting its MQL rule to MQL.

    Called when `version` becomes active, inside the activation's transaction.
    """
    return _score(_Version(id=version.pk, number=version.number), scorer_of(version), None)


@transaction.atomic(savepoint=False)
def score_leads(*, lead_ids: Collection[int]) -> RescoreSummary | None:
    """Score the given leads under the active version, as after an edit; None when no version
    is active. Must run inside the transaction of the edit."""
    active = active_scorer()
    if active is None or not lead_ids:
        return None
    version_id, number, scorer = active
    return _score(_Version(id=version_id, number=number), scorer, lead_ids)


@transaction.atomic(savepoint=False)
def score_lead_events(*, lead: Lead, events: Sequence[Event]) -> RescoreSummary | None:
    """Add newly recorded `events` to the lead's activity and score the lead.

    Must run in the transaction that saved the events, so a score never counts an event that
    was rolled back.
    """
    activity.append_events(lead_id=lead.pk, events=events)
    summary = score_leads(lead_ids=[lead.pk])
    if summary is not None and summary.moved_to_mql:
        lead.refresh_from_db(fields=["stage", "stage_changed_at"])
    return summary
