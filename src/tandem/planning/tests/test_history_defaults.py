"""The history every plan input defaults to, on a small funnel worked out by hand.

Today is 15 July 2026; three months of history run from 1 April to 30 June.

- A (webinar, marketing): lead 2 Apr, MQL 10 Apr, SAL 12 Apr, SQL 20 Apr, opportunity 1 May,
  won 10 Jun for 10,000 EUR.
- B (prospecting): lead 5 Apr, MQL 15 Apr, SAL 16 Apr, SQL 5 May, opportunity 10 May, lost
  20 Jun.
- C (partner): lead 8 Apr, MQL 2 May, SAL 3 May.
- D (webinar): lead 1 May, MQL 20 May.
- E (webinar): lead 1 Jun.
- F (paid search): lead 1 Mar, MQL 5 Mar, SAL 6 Mar, SQL 10 Mar, opportunity 20 Mar (all before
  the history), won 30 Apr for 20,000 EUR (within it).
- G (webinar): lead 3 Apr, MQL 4 Apr, SAL 5 Apr, SQL 6 Apr, opportunity 7 Apr, won 30 Jun for
  5,000 USD.
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from tandem.core.testing import Personas
from tandem.leads.models import DealStage, Stage
from tandem.planning.queries import history_defaults
from tandem.planning.tests.conftest import deal, on, walk

TODAY = dt.datetime(2026, 7, 15, 12, 0, tzinfo=dt.UTC)
LEAD, MQL, SAL, SQL, OPP = Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY


@pytest.fixture
def funnel(personas: Personas) -> None:
    with time_machine.travel(TODAY, tick=False):
        a = walk("webinar", (LEAD, on(2026, 4, 2)), (MQL, on(2026, 4, 10)),
                 (SAL, on(2026, 4, 12)), (SQL, on(2026, 4, 20)), (OPP, on(2026, 5, 1)))  # fmt: skip
        deal(a, amount="10000", opened_on=dt.date(2026, 5, 1), stage=DealStage.WON,
             closed_on=dt.date(2026, 6, 10))  # fmt: skip
        b = walk("prospecting", (LEAD, on(2026, 4, 5)), (MQL, on(2026, 4, 15)),
                 (SAL, on(2026, 4, 16)), (SQL, on(2026, 5, 5)), (OPP, on(2026, 5, 10)))  # fmt: skip
        deal(b, amount="7000", opened_on=dt.date(2026, 5, 10), stage=DealStage.LOST,
             closed_on=dt.date(2026, 6, 20))  # fmt: skip
        walk("partner", (LEAD, on(2026, 4, 8)), (MQL, on(2026, 5, 2)), (SAL, on(2026, 5, 3)))
        walk("webinar", (LEAD, on(2026, 5, 1)), (MQL, on(2026, 5, 20)))
        walk("webinar", (LEAD, on(2026, 6, 1)))
        f = walk("paid_search", (LEAD, on(2026, 3, 1)), (MQL, on(2026, 3, 5)),
                 (SAL, on(2026, 3, 6)), (SQL, on(2026, 3, 10)), (OPP, on(2026, 3, 20)))  # fmt: skip
        deal(f, amount="20000", opened_on=dt.date(2026, 3, 20), stage=DealStage.WON,
             closed_on=dt.date(2026, 4, 30))  # fmt: skip
        g = walk("webinar", (LEAD, on(2026, 4, 3)), (MQL, on(2026, 4, 4)),
                 (SAL, on(2026, 4, 5)), (SQL, on(2026, 4, 6)), (OPP, on(2026, 4, 7)))  # fmt: skip
        deal(g, amount="5000", currency="USD", opened_on=dt.date(2026, 4, 7),
             stage=DealStage.WON, closed_on=dt.date(2026, 6, 30))  # fmt: skip


def test_the_history_is_the_whole_months_before_this_one(funnel: None) -> None:
    history = history_defaults(months=3, currency="EUR", today=TODAY.date())

    assert (history.first_day, history.last_day) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))


def test_conversions_are_the_share_of_each_months_cohort_that_went_on(funnel: None) -> None:
    history = history_defaults(months=3, currency="EUR", today=TODAY.date())

    # Leads A B C D E G: 5 became MQL. MQLs A B C D G: 4 accepted. SALs A B C G: 3 SQL.
    # SQLs A B G: 3 opportunities. F's stages were all reached before April.
    assert {name: history.values[name] for name in (
        "lead_to_mql", "mql_to_sal", "sal_to_sql", "sql_to_opportunity"
    )} == {
        "lead_to_mql": Decimal("83.33"),
        "mql_to_sal": Decimal("80.00"),
        "sal_to_sql": Decimal("75.00"),
        "sql_to_opportunity": Decimal("100.00"),
    }  # fmt: skip
    assert history.samples["lead_to_mql"] == 6


def test_the_win_rate_counts_deals_closed_in_the_history_in_any_currency(funnel: None) -> None:
    history = history_defaults(months=3, currency="EUR", today=TODAY.date())

    # A, F and G won; B lost.
    assert history.values["win_rate"] == Decimal("75.00")


def test_the_deal_size_averages_the_won_deals_in_the_plans_currency(funnel: None) -> None:
    in_euros = history_defaults(months=3, currency="EUR", today=TODAY.date())
    in_dollars = history_defaults(months=3, currency="usd", today=TODAY.date())
    in_pounds = history_defaults(months=3, currency="GBP", today=TODAY.date())

    assert in_euros.values["average_deal_size"] == Decimal("15000.00")
    assert in_dollars.values["average_deal_size"] == Decimal("5000.00")
    assert in_pounds.values["average_deal_size"] is None


def test_days_to_close_average_the_won_deals_from_each_stage(funnel: None) -> None:
    history = history_defaults(months=3, currency="EUR", today=TODAY.date())

    # From lead: A 69, F 60, G 88 → 72.3; MQL: 61, 56, 87 → 68; SAL: 59, 55, 86 → 66.7;
    # SQL: 51, 51, 85 → 62.3; opportunity: 40, 41, 84 → 55.
    assert [history.values[f"{stage}_days_to_close"] for stage in (LEAD, MQL, SAL, SQL, OPP)] == [
        72,
        68,
        67,
        62,
        55,
    ]


def test_the_source_split_is_the_share_of_the_historys_mqls(funnel: None) -> None:
    history = history_defaults(months=3, currency="EUR", today=TODAY.date())

    # MQLs A D G (marketing), B (prospecting), C (partner).
    assert {name: history.values[f"split_{name}"] for name in (
        "marketing", "sales_prospecting", "partners", "outsourced"
    )} == {"marketing": 60, "sales_prospecting": 20, "partners": 20, "outsourced": 0}  # fmt: skip


def test_an_empty_history_defaults_nothing(personas: Personas) -> None:
    history = history_defaults(months=6, currency="EUR", today=TODAY.date())

    assert set(history.values.values()) == {None}
