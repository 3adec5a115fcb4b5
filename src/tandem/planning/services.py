"""Writes for plans: making one from a target and history, and choosing the active one."""

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q

from tandem.core.errors import Conflict, DomainError, check_known_fields
from tandem.core.money import CENT
from tandem.core.time import now, organisation_zone
from tandem.planning.arithmetic import (
    DAYS_INPUTS,
    INPUT_NAMES,
    SPLIT_INPUTS,
    PlanInputs,
    compute_plan,
    result_to_json,
    validate_inputs,
    validate_target,
)
from tandem.planning.models import Plan
from tandem.planning.periods import period_bounds
from tandem.planning.queries import MAX_HISTORY_MONTHS, history_defaults

NAME_EMPTY = "A plan needs a name."
HISTORY_OUT_OF_RANGE = "History must cover from 1 to {max_months} months."
CURRENCY_INVALID = "The currency must be a three-letter ISO 4217 code, such as EUR or USD."
ACTIVATED_CONCURRENTLY = "Another plan was made active at the same moment; try again."


def local_today() -> dt.date:
    return now().astimezone(organisation_zone()).date()


def _normalised(name: str, value: Any) -> Any:
    """An input as stored: whole numbers for days and shares, cents for money and rates."""
    if value is None:
        return None
    if name in DAYS_INPUTS or name in SPLIT_INPUTS:
        return value if isinstance(value, int) else int(Decimal(str(value)))
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _as_json(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: str(value) if isinstance(value, Decimal) else value for name, value in values.items()
    }


@transaction.atomic
def create_plan(
    *,
    by: User | None,
    name: str,
    period_kind: str,
    starts_on: dt.date,
    target_revenue: Decimal,
    currency: str,
    history_months: int,
    overrides: Mapping[str, Any] | None = None,
    activate: bool = False,
) -> Plan:
    """Compute and save a plan; each input not in `overrides` (or None there) comes from the
    last `history_months` whole months. Activates it when asked (see `activate_plan`)."""
    overrides = {key: value for key, value in (overrides or {}).items() if value is not None}
    check_known_fields(overrides, INPUT_NAMES)
    if not name.strip():
        raise DomainError(NAME_EMPTY, fields={"name": "empty"})
    if not 1 <= history_months <= MAX_HISTORY_MONTHS:
        raise DomainError(
            HISTORY_OUT_OF_RANGE.format(max_months=MAX_HISTORY_MONTHS),
            fields={"history_months": "out of range"},
        )
    if len(currency) != 3 or not currency.isalpha():
        raise DomainError(CURRENCY_INVALID, fields={"currency": "not ISO 4217"})
    first_day, last_day = period_bounds(period_kind, starts_on)
    validate_target(target_revenue)
    history = history_defaults(months=history_months, currency=currency, today=local_today())
    given = {key: _normalised(key, value) for key, value in overrides.items()}
    values = {**history.values, **given}
    overridden = [
        name for name in INPUT_NAMES if name in given and given[name] != history.values[name]
    ]
    validate_inputs(values)
    result = compute_plan(
        target_revenue=target_revenue,
        first_day=first_day,
        last_day=last_day,
        inputs=PlanInputs.from_flat(values),
    )
    plan = Plan.objects.create(
        name=name.strip(),
        period_kind=period_kind,
        starts_on=first_day,
        ends_on=last_day,
        target_revenue=target_revenue,
        currency=currency.upper(),
        history_months=history_months,
        history_first_day=history.first_day,
        history_last_day=history.last_day,
        inputs=_as_json(values),
        defaults=history.as_json(),
        overridden=overridden,
        result=result_to_json(result),
        created_by=by,
    )
    if activate:
        activate_plan(plan=plan, by=by)
    return plan


@transaction.atomic
def activate_plan(*, plan: Plan, by: User | None) -> Plan:
    """Make `plan` the one active plan, the previous active one no longer so.

    Locks the plan and the active one; two activations at the same moment with no active plan
    meet the database's one-active constraint, and the second is refused as a conflict.
    """
    locked = list(Plan.objects.select_for_update().filter(Q(pk=plan.pk) | Q(is_active=True)))
    if any(row.pk == plan.pk and row.is_active for row in locked):
        return plan
    Plan.objects.filter(is_active=True).exclude(pk=plan.pk).update(
        is_active=False, updated_at=now()
    )
    plan.is_active = True
    plan.activated_at = now()
    plan.activated_by = by
    try:
        with transaction.atomic():
            plan.save(update_fields=["is_active", "activated_at", "activated_by", "updated_at"])
    except IntegrityError:
        raise Conflict(ACTIVATED_CONCURRENTLY) from None
    return plan
