"""The demo's plan: the current quarter's, made by the executive from the last six months of
history and active, so the Plan page paces the generated funnel from the first visit.

The target is an average quarter of that history: the revenue won in the last six whole
months, in the currency most deals are in, halved and rounded up to a thousand. An input the
history cannot give (a young database) takes a usual B2B value instead.
"""

import math
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum

from tandem.leads.models import Deal, DealStage
from tandem.planning import services
from tandem.planning.models import Plan
from tandem.planning.periods import PeriodKind, current_period_start, period_name
from tandem.planning.queries import history_defaults, history_window, usual_currency

AUTHOR = "erin.exec"
HISTORY_MONTHS = 6
# A quarter is half of the six months of history.
QUARTER_SHARE = Decimal("0.5")
FALLBACK_TARGET = Decimal(100_000)
# Usual B2B values, for inputs the history has nothing to go by.
FALLBACKS: dict[str, object] = {
    "average_deal_size": Decimal(10_000),
    "win_rate": Decimal(25),
    "lead_to_mql": Decimal(35),
    "mql_to_sal": Decimal(70),
    "sal_to_sql": Decimal(50),
    "sql_to_opportunity": Decimal(70),
    "lead_days_to_close": 120,
    "mql_days_to_close": 90,
    "sal_days_to_close": 80,
    "sql_days_to_close": 60,
    "opportunity_days_to_close": 45,
    "split_marketing": 60,
    "split_sales_prospecting": 25,
    "split_partners": 15,
    "split_outsourced": 0,
}


@transaction.atomic
def write_plan() -> Plan | None:
    """The active plan for the current quarter, the first time; None when a plan is active."""
    if Plan.objects.filter(is_active=True).exists():
        return None
    today = services.local_today()
    currency = usual_currency()
    first_day, last_day = history_window(months=HISTORY_MONTHS, today=today)
    won = Deal.objects.filter(
        stage=DealStage.WON, currency=currency, closed_on__range=(first_day, last_day)
    ).aggregate(amount=Sum("amount"))["amount"]
    target = (
        Decimal(math.ceil(Decimal(won) * QUARTER_SHARE / 1000) * 1000) if won else FALLBACK_TARGET
    )
    history = history_defaults(months=HISTORY_MONTHS, currency=currency, today=today)
    if any(history.values[name] is None for name in history.values if name.startswith("split_")):
        missing = {name: value for name, value in FALLBACKS.items() if name.startswith("split_")}
    else:
        missing = {}
    missing |= {
        name: FALLBACKS[name]
        for name, value in history.values.items()
        if value is None and not name.startswith("split_")
    }
    starts_on = current_period_start(PeriodKind.QUARTER, today)
    return services.create_plan(
        by=User.objects.filter(username=AUTHOR).first(),
        name=f"{period_name(PeriodKind.QUARTER, starts_on)}: keep the last six months' pace",
        period_kind=PeriodKind.QUARTER,
        starts_on=starts_on,
        target_revenue=target,
        currency=currency,
        history_months=HISTORY_MONTHS,
        overrides=missing,
        activate=True,
    )
