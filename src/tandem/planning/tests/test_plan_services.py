"""Making plans and choosing the active one."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from tandem.core.errors import DomainError
from tandem.core.testing import Personas
from tandem.leads.models import Stage
from tandem.planning import services
from tandem.planning.arithmetic import MISSING_INPUT
from tandem.planning.models import Plan
from tandem.planning.periods import NOT_A_QUARTER_START, PeriodKind
from tandem.planning.tests.conftest import all_inputs, on, walk

TODAY = dt.datetime(2026, 7, 16, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_clock() -> object:
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def make(personas: Personas, **changes: Any) -> Plan:
    arguments: dict[str, Any] = {
        "by": personas.executive,
        "name": "Q3 plan",
        "period_kind": PeriodKind.QUARTER,
        "starts_on": dt.date(2026, 7, 1),
        "target_revenue": Decimal("10000"),
        "currency": "EUR",
        "history_months": 6,
        "overrides": all_inputs(),
    }
    return services.create_plan(**(arguments | changes))


def test_a_plan_keeps_its_inputs_result_author_and_period(personas: Personas) -> None:
    plan = make(personas)

    assert (plan.starts_on, plan.ends_on) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert (plan.history_first_day, plan.history_last_day) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 6, 30),
    )
    assert plan.created_by == personas.executive
    assert plan.inputs["win_rate"] == "50.00"
    assert plan.inputs["mql_days_to_close"] == 30
    assert [(row["stage"], row["count"]) for row in plan.result["stages"]] == [
        ("lead", 32),
        ("mql", 16),
        ("sal", 8),
        ("sql", 4),
        ("opportunity", 2),
        ("won", 1),
    ]
    assert plan.is_active is False


def test_inputs_left_out_come_from_history_and_only_changed_ones_count_as_set(
    personas: Personas,
) -> None:
    # Half the MQLs of the history (two) are marketing's, half partners'.
    walk("webinar", (Stage.MQL, on(2026, 3, 2)))
    walk("partner", (Stage.MQL, on(2026, 3, 3)))
    inputs = all_inputs(split_marketing=50, split_partners=50)
    for name in ("split_marketing", "split_partners", "split_sales_prospecting"):
        del inputs[name]

    plan = make(personas, overrides=inputs | {"win_rate": Decimal("40")})

    assert plan.defaults["split_marketing"] == 50
    assert plan.inputs["split_partners"] == 50
    assert plan.defaults["win_rate"] is None
    assert "split_marketing" not in plan.overridden
    assert "win_rate" in plan.overridden


def test_an_input_with_no_history_and_no_value_is_asked_for(personas: Personas) -> None:
    inputs = all_inputs()
    del inputs["win_rate"]

    with pytest.raises(DomainError) as refused:
        make(personas, overrides=inputs)

    assert refused.value.message == MISSING_INPUT.format(label="Win rate (opportunity → won), %")
    assert not Plan.objects.exists()


def test_a_quarter_starts_on_a_quarters_first_day(personas: Personas) -> None:
    with pytest.raises(DomainError) as refused:
        make(personas, starts_on=dt.date(2026, 8, 1))

    assert refused.value.message == NOT_A_QUARTER_START.format(day=dt.date(2026, 8, 1))
    assert not Plan.objects.exists()


def test_a_monthly_plan_covers_its_month(personas: Personas) -> None:
    plan = make(personas, period_kind=PeriodKind.MONTH, starts_on=dt.date(2026, 2, 1))

    assert (plan.starts_on, plan.ends_on) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))


def test_activating_a_plan_makes_the_previous_one_inactive(personas: Personas) -> None:
    first = make(personas, activate=True)
    second = make(personas, name="Stretch")

    services.activate_plan(plan=second, by=personas.manager)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_active, second.is_active) == (False, True)
    assert second.activated_by == personas.manager
    assert second.activated_at == TODAY
    assert list(Plan.objects.filter(is_active=True)) == [second]


def test_activating_the_active_plan_changes_nothing(personas: Personas) -> None:
    plan = make(personas, activate=True, by=personas.admin)

    services.activate_plan(plan=plan, by=personas.manager)

    plan.refresh_from_db()
    assert (plan.is_active, plan.activated_by) == (True, personas.admin)
