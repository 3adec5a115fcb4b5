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
from typing import Any

import numpy as np
from django.db import connection, transaction

from tandem.agreement.models import AgreementVersion
from tandem.core.time import now
from tandem.leads import lifecycle
from tandem.leads.models import Event, Lead, Stage
from tandem.scoring import activity
from tandem.scoring.engine import GRADES, Evaluation, Factorized, Scorer
from tandem.scoring.models import LeadScore
from tandem.scoring.queries import STAGE, LoadedBatch, active_scorer, load_batch, scorer_of

SCORING_LABEL = "scoring"
MQL_REASON = "Meets the MQL rule of agreement v{number}: grade {grade}, score {score}."
# Stages from which meeting the MQL rule moves a lead to MQL (the lifecycle allows the move).
QUALIFYING_STAGES = frozenset({Stage.INQUIRY, Stage.LEAD, Stage.RECYCLED})
WRITE_CHUNK = 20_000


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


def _score_rows(loaded: LoadedBatch, evaluation: Evaluation) -> list[tuple[Any, ...]]:
    contributions = contributions_of(evaluation)
    grades = [GRADES[index].value for index in evaluation.grades.tolist()]
    return list(
        zip(
            loaded.batch.lead_ids.tolist(),
            evaluation.fit_points.tolist(),
            grades,
            evaluation.scores.tolist(),
            evaluation.meets_mql.tolist(),
            [row.tobytes() for row in contributions],
            strict=True,
        )
    )


SCORE_COLUMNS = "lead_id, fit_points, grade, score, meets_mql, contributions, version_id, scored_at"


def _write_scores(
    rows: list[tuple[Any, ...]],
    lead_ids: Collection[int] | None,
    version: _Version,
    scored_at: dt.datetime,
) -> None:
    """Replace the stored scores of the leads in `rows` (all scores when `lead_ids` is None)."""
    table = LeadScore._meta.db_table
    with connection.cursor() as cursor:
        if lead_ids is None:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        else:
            marks = ", ".join(["%s"] * len(lead_ids))
            cursor.execute(f"DELETE FROM {table} WHERE lead_id IN ({marks})", list(lead_ids))  # noqa: S608
        if connection.vendor == "postgresql" and len(rows) > 1000:
            # COPY is an order of magnitude faster than INSERT for a million rows.
            with cursor.cursor.copy(f"COPY {table} ({SCORE_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row, version.id, scored_at))
            return
        sql = (
            f"INSERT INTO {table} ({SCORE_COLUMNS}) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        )
        stamp = connection.ops.adapt_datetimefield_value(scored_at)
        for start in range(0, len(rows), WRITE_CHUNK):
            cursor.executemany(
                sql, [(*row, version.id, stamp) for row in rows[start : start + WRITE_CHUNK]]
            )


def _move_to_mql(
    loaded: LoadedBatch, evaluation: Evaluation, version: _Version, at: dt.datetime
) -> int:
    stages = Factorized.of(loaded.column(STAGE))
    eligible = stages.mask(QUALIFYING_STAGES.__contains__) & evaluation.meets_mql
    lead_ids = loaded.batch.lead_ids
    reasons = {
        int(lead_ids[position]): MQL_REASON.format(
            number=version.number,
            grade=evaluation.grade_of(position),
            score=int(evaluation.scores[position]),
        )
        for position in np.flatnonzero(eligible).tolist()
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
    _write_scores(_score_rows(loaded, evaluation), lead_ids, version, moment)
    moved = _move_to_mql(loaded, evaluation, version, moment)
    at_mql = Factorized.of(loaded.column(STAGE)).mask(Stage.MQL.__eq__)
    return RescoreSummary(
        leads_scored=loaded.batch.size,
        meets_mql=int(evaluation.meets_mql.sum()),
        moved_to_mql=moved,
        no_longer_qualifying=int((at_mql & ~evaluation.meets_mql).sum()),
        seconds=round(time.perf_counter() - started, 3),
    )


@transaction.atomic
def rescore_all(*, version: AgreementVersion) -> RescoreSummary:
    """Score every lead under `version` and move those meeting its MQL rule to MQL.

    Called when `version` becomes active, inside the activation's transaction.
    """
    return _score(_Version(id=version.pk, number=version.number), scorer_of(version), None)


@transaction.atomic
def score_leads(*, lead_ids: Collection[int]) -> RescoreSummary | None:
    """Score the given leads under the active version, as after an edit; None when no version
    is active. Must run inside the transaction of the edit."""
    active = active_scorer()
    if active is None or not lead_ids:
        return None
    version_id, number, scorer = active
    return _score(_Version(id=version_id, number=number), scorer, lead_ids)


@transaction.atomic
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
