"""The lead lifecycle: which stage moves are allowed, and the only code that changes a stage.

Every change appends one row to the stage ledger (`StageChange`) and updates the funnel
rollups in the same transaction, so every funnel figure can be recomputed from the ledger.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction

from tandem.core.errors import Conflict, DomainError
from tandem.core.sql import in_list
from tandem.core.time import month_of, now
from tandem.leads import funnel, signals
from tandem.leads.models import Lead, Stage, StageChange

OPEN_STAGES = frozenset(
    {Stage.INQUIRY, Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY}
)

# The allowed moves, by current stage.
# - Forward along the main path to any later stage: imports and fast deals skip stages, and
#   the funnel counts the skipped ones as passed (see `leads.funnel`).
# - Any open stage may be recycled (not now: back to nurture) or disqualified (never a fit).
# - A recycled lead comes back when it re-engages: as a lead, or straight to MQL.
# - A disqualified lead is reopened only as a lead, to be qualified again from scratch.
# - A customer stays a customer; nothing moves backwards along the main path.
ALLOWED_MOVES: dict[Stage, frozenset[Stage]] = {
    stage: frozenset(
        (*funnel.MAIN_PATH[funnel.MAIN_INDEX[stage] + 1 :], Stage.RECYCLED, Stage.DISQUALIFIED)
    )
    for stage in OPEN_STAGES
}
ALLOWED_MOVES[Stage.RECYCLED] = frozenset({Stage.LEAD, Stage.MQL, Stage.DISQUALIFIED})
ALLOWED_MOVES[Stage.DISQUALIFIED] = frozenset({Stage.LEAD})
ALLOWED_MOVES[Stage.CUSTOMER] = frozenset()

# A lead may enter the lifecycle at any stage of the main path (an import brings customers).
ENTRY_STAGES = frozenset(funnel.MAIN_PATH)

# How far ahead of the server clock a stated time may be (client clocks drift).
FUTURE_TOLERANCE = dt.timedelta(minutes=5)

FORBIDDEN_MOVE = "A lead cannot move from {from_stage} to {to_stage}."
ALREADY_AT_STAGE = "The lead is already at {stage}."
FORBIDDEN_ENTRY = "A lead cannot enter the lifecycle at {stage}."
DATED_BEFORE_LAST_CHANGE = (
    "A stage change cannot be dated {at}, before the lead's last change at {last}."
)
DATED_IN_FUTURE = "A stage change cannot be dated in the future ({at})."


def stages_that_may_move_to(stage: str) -> frozenset[Stage]:
    return frozenset(origin for origin, targets in ALLOWED_MOVES.items() if stage in targets)


def is_allowed(from_stage: str, to_stage: str) -> bool:
    return Stage(to_stage) in ALLOWED_MOVES[Stage(from_stage)]


def allowed_moves(stage: str) -> list[Stage]:
    """The stages a lead at `stage` may move to, in funnel order."""
    return [target for target in funnel.FUNNEL_STAGES if target in ALLOWED_MOVES[Stage(stage)]]


def _check_time(at: dt.datetime) -> None:
    if at > now() + FUTURE_TOLERANCE:
        raise DomainError(DATED_IN_FUTURE.format(at=at.isoformat()), fields={"at": "in the future"})


def _append(
    *,
    lead: Lead,
    from_stage: str,
    to_stage: Stage,
    at: dt.datetime,
    by: User | None,
    actor_label: str,
    reason: str,
    agreement_version_id: int | None = None,
) -> StageChange:
    change = StageChange.objects.create(
        lead=lead,
        from_stage=from_stage,
        to_stage=to_stage,
        at=at,
        month=month_of(at),
        actor=by,
        actor_label=actor_label if by is None else "",
        reason=reason,
        agreement_version_id=agreement_version_id,
    )
    funnel.record_reaches(lead_id=lead.pk, to_stage=to_stage, at=at, is_new_lead=from_stage == "")
    signals.stage_entered.send(sender=Lead, stage=to_stage, lead_ids=[lead.pk])
    return change


@transaction.atomic
def enter_lifecycle(
    *,
    lead: Lead,
    stage: str,
    by: User | None,
    reason: str = "",
    at: dt.datetime | None = None,
    actor_label: str = "system",
) -> StageChange:
    """Save a new lead at its first stage and append the first ledger row.

    `lead` must not be saved yet; its other fields must already be set.
    """
    entry = Stage(stage)
    if entry not in ENTRY_STAGES:
        raise DomainError(
            FORBIDDEN_ENTRY.format(stage=entry.label), fields={"stage": "not allowed"}
        )
    moment = at or now()
    _check_time(moment)
    lead.stage = entry
    lead.stage_changed_at = moment
    lead.save()
    return _append(
        lead=lead,
        from_stage="",
        to_stage=entry,
        at=moment,
        by=by,
        actor_label=actor_label,
        reason=reason,
    )


@dataclass(frozen=True)
class Entry:
    """A new lead, not saved yet, entering the lifecycle at `stage`."""

    lead: Lead
    stage: str
    at: dt.datetime
    reason: str


# No savepoint: the tracking pipeline calls this once per run, inside its own transaction.
@transaction.atomic(savepoint=False)
def enter_lifecycle_in_bulk(*, entries: Sequence[Entry], actor_label: str) -> list[Lead]:
    """`enter_lifecycle` for many new leads at once: one insert of the leads, of their ledger
    rows and of their funnel reaches. Returns the saved leads."""
    for entry in entries:
        stage = Stage(entry.stage)
        if stage not in ENTRY_STAGES:
            raise DomainError(
                FORBIDDEN_ENTRY.format(stage=stage.label), fields={"stage": "not allowed"}
            )
        _check_time(entry.at)
        entry.lead.stage = stage
        entry.lead.stage_changed_at = entry.at
    leads = Lead.objects.bulk_create([entry.lead for entry in entries])
    adapt = connection.ops.adapt_datetimefield_value
    recorded = adapt(now())
    rows = [
        (lead.pk, entry.stage, adapt(entry.at), month_of(entry.at), actor_label, entry.reason,
         recorded)
        for lead, entry in zip(leads, entries, strict=True)
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {StageChange._meta.db_table} (lead_id, from_stage, to_stage, at, "  # noqa: S608
            "month, actor_id, actor_label, reason, agreement_version_id, recorded_at) "
            "VALUES (%s, '', %s, %s, %s, NULL, %s, %s, NULL, %s)",
            rows,
        )
    funnel.record_entries_in_bulk(
        [(lead.pk, entry.stage, entry.at) for lead, entry in zip(leads, entries, strict=True)]
    )
    entered: dict[str, list[int]] = {}
    for lead, entry in zip(leads, entries, strict=True):
        entered.setdefault(entry.stage, []).append(lead.pk)
    for entry_stage, lead_ids in entered.items():
        signals.stage_entered.send(sender=Lead, stage=Stage(entry_stage), lead_ids=lead_ids)
    return leads


@transaction.atomic
def change_stage(
    *,
    lead: Lead,
    to_stage: str,
    by: User | None,
    reason: str = "",
    at: dt.datetime | None = None,
    actor_label: str = "system",
    agreement_version_id: int | None = None,
) -> StageChange:
    """Move `lead` to `to_stage` if the lifecycle allows it, appending a ledger row.

    Locks the lead for the rest of the transaction, so two concurrent moves are applied one after
    the other, each checked against the stage the previous one left. Raises `Conflict` for a move
    the lifecycle forbids. `lead` is refreshed with its new stage.
    """
    target = Stage(to_stage)
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    current = Stage(locked.stage)
    if current == target:
        raise Conflict(ALREADY_AT_STAGE.format(stage=target.label), fields={"stage": "unchanged"})
    if not is_allowed(current, target):
        raise Conflict(
            FORBIDDEN_MOVE.format(from_stage=current.label, to_stage=target.label),
            code="forbidden_transition",
            fields={"stage": f"cannot move from {current.value} to {target.value}"},
        )
    moment = at or now()
    _check_time(moment)
    if moment < locked.stage_changed_at:
        raise DomainError(
            DATED_BEFORE_LAST_CHANGE.format(
                at=moment.isoformat(), last=locked.stage_changed_at.isoformat()
            ),
            fields={"at": "before the last change"},
        )
    change = _append(
        lead=locked,
        from_stage=current,
        to_stage=target,
        at=moment,
        by=by,
        actor_label=actor_label,
        reason=reason,
        agreement_version_id=agreement_version_id,
    )
    Lead.objects.filter(pk=locked.pk).update(
        stage=target, stage_changed_at=moment, updated_at=now()
    )
    lead.stage = target
    lead.stage_changed_at = moment
    return change


# Leads moved per statement by `change_stages_in_bulk`, within SQLite's limit on parameters.
BULK_CHUNK = 5_000


# No savepoint: a failure fails the caller's whole transaction, and live scoring calls this
# once per event, where each savepoint is a round trip to PostgreSQL.
@transaction.atomic(savepoint=False)
def change_stages_in_bulk(
    *,
    reasons: Mapping[int, str],
    to_stage: str,
    at: dt.datetime,
    actor_label: str,
    agreement_version_id: int | None = None,
) -> list[int]:
    """Move each lead in `reasons` (lead id → reason) to `to_stage` where the lifecycle allows
    it; returns the ids moved.

    The same rules as `change_stage`, set by set: leads are locked, a lead the move is not
    allowed for (or whose last change is later than `at`) is left where it is, and each move
    appends its ledger row and funnel reaches. Used when a rule moves many leads at once.
    """
    target = Stage(to_stage)
    _check_time(at)
    movable_from = stages_that_may_move_to(target)
    moved: list[int] = []
    lead_ids = sorted(reasons)
    for start in range(0, len(lead_ids), BULK_CHUNK):
        # The lifecycle's checks as a filter: leads the move is not allowed for stay put. (In
        # Python: filtering on the stage in SQL would lead the planner to scan the stage index.)
        movable = [
            (pk, stage)
            for pk, stage, changed_at in _locked_stages(lead_ids[start : start + BULK_CHUNK])
            if stage in movable_from and changed_at <= at
        ]
        if not movable:
            continue
        _append_in_bulk(
            movable,
            to_stage=target,
            at=at,
            actor_label=actor_label,
            reasons=reasons,
            agreement_version_id=agreement_version_id,
        )
        moved.extend(pk for pk, _ in movable)
    return moved


def _locked_stages(lead_ids: list[int]) -> list[tuple[int, str, dt.datetime]]:
    """(id, stage, last change) of each lead, locked until the transaction ends.

    Plain SQL: at tens of thousands of leads, building the query and converting rows through
    the ORM would cost more than the moves.
    """
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    matches, params = in_list("id", lead_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, stage, stage_changed_at FROM {Lead._meta.db_table} "  # noqa: S608
            f"WHERE {matches}{lock}",
            params,
        )
        rows: list[tuple[int, str, Any]] = cursor.fetchall()
    if connection.vendor != "sqlite":
        return rows
    # SQLite hands back naive UTC times; PostgreSQL's are aware already.
    convert = connection.ops.convert_datetimefield_value  # type: ignore[attr-defined]
    return [(pk, stage, convert(changed_at, None, connection)) for pk, stage, changed_at in rows]


def _append_in_bulk(
    movable: list[tuple[int, str]],
    *,
    to_stage: Stage,
    at: dt.datetime,
    actor_label: str,
    reasons: Mapping[int, str],
    agreement_version_id: int | None,
) -> None:
    ids = [pk for pk, _ in movable]
    month = month_of(at)
    adapt = connection.ops.adapt_datetimefield_value
    stamp, recorded = adapt(at), adapt(now())
    table = StageChange._meta.db_table
    sql = (
        f"INSERT INTO {table} (lead_id, from_stage, to_stage, at, month, actor_id, "  # noqa: S608
        "actor_label, reason, agreement_version_id, recorded_at) "
        "VALUES (%s, %s, %s, %s, %s, NULL, %s, %s, %s, %s)"
    )
    rows = [
        (pk, stage, to_stage.value, stamp, month, actor_label, reasons[pk], agreement_version_id,
         recorded)
        for pk, stage in movable
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        matches, params = in_list("id", ids)
        cursor.execute(
            f"UPDATE {Lead._meta.db_table} SET stage = %s, stage_changed_at = %s, "  # noqa: S608
            f"updated_at = %s WHERE {matches}",
            [to_stage.value, stamp, recorded, *params],
        )
    funnel.record_reaches_in_bulk(lead_ids=ids, to_stage=to_stage, at=at)
    signals.stage_entered.send(sender=Lead, stage=to_stage, lead_ids=ids)
