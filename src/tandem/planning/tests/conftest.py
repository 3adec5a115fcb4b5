"""Helpers to build a small funnel by hand, lead by lead, at stated days."""

import datetime as dt
from decimal import Decimal

from tandem.core.testing import make_lead
from tandem.leads import lifecycle
from tandem.leads import services as lead_services
from tandem.leads.models import DealStage, Lead


def on(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 10, 0, tzinfo=dt.UTC)


def walk(source: str, *steps: tuple[str, dt.datetime]) -> Lead:
    """A lead from `source` entering at the first (stage, when) and moving through the rest."""
    (first_stage, first_at), *rest = steps
    lead = make_lead(stage=first_stage, at=first_at, source=source)
    for stage, at in rest:
        lifecycle.change_stage(lead=lead, to_stage=stage, by=None, at=at)
    lead.refresh_from_db()
    return lead


def deal(
    lead: Lead,
    *,
    amount: str,
    currency: str = "EUR",
    opened_on: dt.date,
    stage: str = DealStage.QUALIFICATION,
    closed_on: dt.date | None = None,
) -> None:
    lead_services.create_deal(
        lead=lead,
        by=None,
        name=f"Deal of {lead.pk}",
        amount=Decimal(amount),
        currency=currency,
        stage=stage,
        opened_on=opened_on,
        closed_on=closed_on,
        lost_reason="No budget" if stage == DealStage.LOST else "",
    )


def all_inputs(**changes: object) -> dict[str, object]:
    """Every plan input set by hand, so a plan does not depend on history."""
    values: dict[str, object] = {
        "average_deal_size": Decimal("10000"),
        "win_rate": Decimal("50"),
        "lead_to_mql": Decimal("50"),
        "mql_to_sal": Decimal("50"),
        "sal_to_sql": Decimal("50"),
        "sql_to_opportunity": Decimal("50"),
        "lead_days_to_close": 60,
        "mql_days_to_close": 30,
        "sal_days_to_close": 30,
        "sql_days_to_close": 30,
        "opportunity_days_to_close": 30,
        "split_marketing": 50,
        "split_sales_prospecting": 0,
        "split_partners": 50,
        "split_outsourced": 0,
    }
    return values | changes
