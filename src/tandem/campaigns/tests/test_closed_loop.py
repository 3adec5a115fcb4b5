"""The closed loop's figures, on the hand-built funnel of conftest.py."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pytest_django.fixtures import DjangoAssertNumQueries

from tandem.campaigns.closed_loop import (
    FROM_AFTER_TO,
    UNKNOWN_DIMENSION,
    ClosedLoopRow,
    campaign_closed_loop,
    closed_loop,
)
from tandem.campaigns.tests.conftest import MARCH_1, MARCH_31, PRICING_PAGE, WEBINAR_PAGE, Funnel
from tandem.core.errors import DomainError, PermissionDenied
from tandem.core.testing import Personas

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


def figures(row: ClosedLoopRow) -> dict[str, Any]:
    return {
        "label": row.label,
        "mqls": row.mqls,
        "accepted": row.accepted,
        "rejected": row.rejected,
        "acceptance_rate": row.acceptance_rate,
        "reasons": [(reason.code, reason.label, reason.count) for reason in row.reasons],
        "sqls": row.sqls,
        "sql_rate": row.sql_rate,
        "won_deals": row.won_deals,
        "revenue": [(money.currency, money.amount) for money in row.revenue],
        "median_speed_to_lead": row.median_speed_to_lead,
    }


def march(personas: Personas, by: str, touch: str = "last") -> list[dict[str, Any]]:
    loop = closed_loop(personas.marketer, by=by, touch=touch, mql_from=MARCH_1, mql_to=MARCH_31)
    return [figures(row) for row in loop.rows]


# The rows the funnel's leads make: L2, L3 and L8 (webinar by last touch) ...
WEBINAR_LAST = {
    "mqls": 3,
    "accepted": 2,
    "rejected": 1,
    "acceptance_rate": 2 / 3,
    "reasons": [("no-budget", "No budget this year", 2)],
    "sqls": 1,
    "sql_rate": 1 / 3,
    "won_deals": 2,
    "revenue": [("EUR", Decimal("200.00")), ("USD", Decimal("500.00"))],
    "median_speed_to_lead": 5 * H,
}
# ... L1 and L5 (search by last touch) ...
SEARCH_LAST = {
    "mqls": 2,
    "accepted": 1,
    "rejected": 0,
    "acceptance_rate": 1.0,
    "reasons": [],
    "sqls": 1,
    "sql_rate": 0.5,
    "won_deals": 1,
    "revenue": [("EUR", Decimal("1000.00"))],
    "median_speed_to_lead": 2 * H,
}
# ... and L4, which came from no campaign.
NOTHING = {
    "mqls": 1,
    "accepted": 0,
    "rejected": 1,
    "acceptance_rate": 0.0,
    "reasons": [("not-target", "Not in our target market", 1)],
    "sqls": 0,
    "sql_rate": 0.0,
    "won_deals": 0,
    "revenue": [],
    "median_speed_to_lead": 1 * H,
}


def test_by_last_touch_each_lead_counts_for_its_latest_campaign(
    personas: Personas, funnel: Funnel
) -> None:
    rows = march(personas, "campaign")

    assert rows == [
        {**WEBINAR_LAST, "label": "Spring webinar"},
        {**SEARCH_LAST, "label": "Brand search"},
        {**NOTHING, "label": "No campaign"},
    ]


def test_by_first_touch_each_lead_counts_for_the_campaign_that_brought_it(
    personas: Personas, funnel: Funnel
) -> None:
    rows = march(personas, "campaign", touch="first")

    assert rows == [
        {
            "label": "Spring webinar",
            "mqls": 4,
            "accepted": 3,
            "rejected": 1,
            "acceptance_rate": 0.75,
            "reasons": [("no-budget", "No budget this year", 2)],
            "sqls": 2,
            "sql_rate": 0.5,
            "won_deals": 3,
            "revenue": [("EUR", Decimal("1200.00")), ("USD", Decimal("500.00"))],
            "median_speed_to_lead": 4 * H,
        },
        {
            "label": "Brand search",
            "mqls": 1,
            "accepted": 0,
            "rejected": 0,
            "acceptance_rate": None,
            "reasons": [],
            "sqls": 0,
            "sql_rate": 0.0,
            "won_deals": 0,
            "revenue": [],
            "median_speed_to_lead": None,
        },
        {**NOTHING, "label": "No campaign"},
    ]


def test_rows_are_keyed_by_campaign_id_and_leads_without_one_by_none(
    personas: Personas, funnel: Funnel
) -> None:
    loop = closed_loop(personas.marketer, by="campaign", mql_from=MARCH_1, mql_to=MARCH_31)

    assert [(row.key, row.campaign_id) for row in loop.rows] == [
        (str(funnel.webinar.pk), funnel.webinar.pk),
        (str(funnel.search.pk), funnel.search.pk),
        (None, None),
    ]


def test_by_channel_leads_without_a_campaign_have_no_channel(
    personas: Personas, funnel: Funnel
) -> None:
    rows = march(personas, "channel")

    assert rows == [
        {**WEBINAR_LAST, "label": "Webinar"},
        {**SEARCH_LAST, "label": "Paid search"},
        {**NOTHING, "label": "No campaign"},
    ]


def test_by_landing_page_the_last_touch_is_the_latest_page_or_else_the_first(
    personas: Personas, funnel: Funnel
) -> None:
    rows = march(personas, "landing_page")

    assert rows == [
        {**WEBINAR_LAST, "label": WEBINAR_PAGE},
        {**SEARCH_LAST, "label": PRICING_PAGE},
        {**NOTHING, "label": "No landing page"},
    ]


def test_by_first_touch_the_landing_page_is_the_first_page(
    personas: Personas, funnel: Funnel
) -> None:
    rows = march(personas, "landing_page", touch="first")

    assert [(row["label"], row["mqls"]) for row in rows] == [
        (WEBINAR_PAGE, 4),
        (PRICING_PAGE, 1),
        ("No landing page", 1),
    ]


def test_by_segment_leads_count_for_their_company_segment(
    personas: Personas, funnel: Funnel
) -> None:
    rows = march(personas, "segment")

    assert rows == [
        {
            "label": "SMB",
            "mqls": 3,
            "accepted": 2,
            "rejected": 1,
            "acceptance_rate": 2 / 3,
            "reasons": [("no-budget", "No budget this year", 2)],
            "sqls": 1,
            "sql_rate": 1 / 3,
            "won_deals": 1,
            "revenue": [("EUR", Decimal("1000.00"))],
            "median_speed_to_lead": 3.5 * H,
        },
        {
            "label": "Enterprise",
            "mqls": 2,
            "accepted": 1,
            "rejected": 0,
            "acceptance_rate": 1.0,
            "reasons": [],
            "sqls": 1,
            "sql_rate": 0.5,
            "won_deals": 2,
            "revenue": [("EUR", Decimal("200.00")), ("USD", Decimal("500.00"))],
            "median_speed_to_lead": 6 * H,
        },
        {**NOTHING, "label": "No segment"},
    ]


def test_the_total_adds_every_row_up_and_takes_the_median_of_all_handoffs(
    personas: Personas, funnel: Funnel
) -> None:
    loop = closed_loop(personas.marketer, by="campaign", mql_from=MARCH_1, mql_to=MARCH_31)

    assert figures(loop.total) == {
        "label": "All leads",
        "mqls": 6,
        "accepted": 3,
        "rejected": 2,
        "acceptance_rate": 0.6,
        "reasons": [
            ("no-budget", "No budget this year", 2),
            ("not-target", "Not in our target market", 1),
        ],
        "sqls": 2,
        "sql_rate": 2 / 6,
        "won_deals": 3,
        "revenue": [("EUR", Decimal("1200.00")), ("USD", Decimal("500.00"))],
        # 1, 2, 3 | 4, 6, 8 hours.
        "median_speed_to_lead": 3.5 * H,
    }


def test_without_a_period_every_mql_counts(personas: Personas, funnel: Funnel) -> None:
    loop = closed_loop(personas.marketer, by="campaign")

    assert [(row.label, row.mqls, row.accepted) for row in loop.rows] == [
        ("Brand search", 3, 2),
        ("Spring webinar", 3, 2),
        ("No campaign", 1, 0),
    ]


def test_the_period_counts_whole_days_in_the_organisation_time_zone(
    personas: Personas, funnel: Funnel
) -> None:
    # L1 became MQL on 2 March at 09:00 UTC; L8 on 4 March.
    loop = closed_loop(
        personas.marketer, by="segment", mql_from=dt.date(2026, 3, 2), mql_to=dt.date(2026, 3, 2)
    )

    assert [(row.label, row.mqls) for row in loop.rows] == [("SMB", 1)]


def test_a_campaign_closed_loop_counts_only_its_leads(personas: Personas, funnel: Funnel) -> None:
    row = campaign_closed_loop(
        personas.sales_rep, funnel.webinar, mql_from=MARCH_1, mql_to=MARCH_31
    )

    assert figures(row) == {**WEBINAR_LAST, "label": "Spring webinar"}


def test_a_campaign_with_no_mql_has_an_empty_closed_loop(
    personas: Personas, funnel: Funnel
) -> None:
    row = campaign_closed_loop(personas.marketer, funnel.search, touch="first", mql_to=MARCH_1)

    assert (row.label, row.mqls, row.acceptance_rate, row.sql_rate, row.revenue) == (
        "Brand search",
        0,
        None,
        None,
        [],
    )


def test_a_period_ending_before_it_starts_is_refused(personas: Personas) -> None:
    with pytest.raises(DomainError) as refused:
        closed_loop(personas.marketer, by="campaign", mql_from=MARCH_31, mql_to=MARCH_1)

    assert refused.value.message == FROM_AFTER_TO.format(mql_from=MARCH_31, mql_to=MARCH_1)


def test_an_unknown_dimension_is_refused(personas: Personas) -> None:
    with pytest.raises(DomainError) as refused:
        closed_loop(personas.marketer, by="country")

    assert refused.value.message == UNKNOWN_DIMENSION.format(
        by="country", known="campaign, channel, landing_page, segment"
    )
    assert refused.value.fields == {"by": "unknown"}


def test_someone_on_no_team_reads_no_closed_loop(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        closed_loop(personas.outsider, by="campaign")


@pytest.mark.parametrize("by", ["campaign", "channel", "landing_page", "segment"])
def test_the_closed_loop_takes_a_fixed_number_of_queries(
    personas: Personas, funnel: Funnel, django_assert_num_queries: DjangoAssertNumQueries, by: str
) -> None:
    # MQLs with SQLs, decisions, reasons, deals, the middle speeds per row and in all, and
    # the campaigns' names (by campaign only); none per lead.
    with django_assert_num_queries(6 if by == "campaign" else 5):
        closed_loop(personas.marketer, by=by, mql_from=MARCH_1, mql_to=MARCH_31)
