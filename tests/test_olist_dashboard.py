"""The dashboard on the real Olist funnel agrees with figures computed straight from its two CSV
files, by code that shares nothing with Tandem's (only the csv module and the calendar).

The files live outside the repository (beside it, in ../shared/data/olist, or where
TANDEM_OLIST_DIR points). Without them the tests are skipped, except on CI, where they fail.
The import runs once for the module.
"""

import csv
import datetime as dt
import os
import statistics
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command

from tandem.leads.imports.olist import import_olist

ApiAs = Callable[[str], Any]

DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "olist"
MQL_FILE = "olist_marketing_qualified_leads_dataset.csv"
DEALS_FILE = "olist_closed_deals_dataset.csv"
# Every first contact and won date of the data set falls in these days.
WHOLE_PERIOD = {"first_day": "2017-06-01", "last_day": "2018-11-30"}
# What an MQL without an origin is shown as: Olist's own word for an origin it did not know.
NO_ORIGIN = "unknown"


def olist_dir() -> Path:
    directory = Path(os.environ.get("TANDEM_OLIST_DIR") or DEFAULT_DIR)
    if not (directory / MQL_FILE).is_file() or not (directory / DEALS_FILE).is_file():
        message = f"The Olist data set is not in {directory}: set TANDEM_OLIST_DIR."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return directory


@pytest.fixture(scope="module")
def olist(django_db_setup: None, django_db_blocker: Any) -> Iterator[Path]:
    """The Olist funnel imported once, committed for the module's tests, removed after."""
    directory = olist_dir()
    with django_db_blocker.unblock():
        import_olist(directory=directory)
        yield directory
        call_command("flush", interactive=False, verbosity=0)


def read(directory: Path, name: str) -> list[dict[str, str]]:
    with (directory / name).open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def expected_by(directory: Path, column: str) -> dict[str, tuple[int, int, float]]:
    """Per value of `column` of the MQL file: MQLs, won deals, and won / MQLs."""
    mqls = read(directory, MQL_FILE)
    won = {row["mql_id"] for row in read(directory, DEALS_FILE)}
    value_of = {
        row["mql_id"]: (row[column] or NO_ORIGIN) if column == "origin" else row[column]
        for row in mqls
    }
    mql_counts = Counter(value_of.values())
    won_counts = Counter(value_of[mql_id] for mql_id in won)
    return {
        value: (count, won_counts[value], won_counts[value] / count)
        for value, count in mql_counts.items()
    }


def expected_median_days_to_win(directory: Path) -> float:
    zone = ZoneInfo(settings.TIME_ZONE)
    first_contact = {
        row["mql_id"]: dt.datetime.fromisoformat(row["first_contact_date"]).replace(tzinfo=zone)
        for row in read(directory, MQL_FILE)
    }
    days = []
    for deal in read(directory, DEALS_FILE):
        won_at = dt.datetime.fromisoformat(deal["won_date"]).replace(tzinfo=zone)
        # A deal won before its first contact took no time at all.
        seconds = max((won_at - first_contact[deal["mql_id"]]).total_seconds(), 0)
        days.append(seconds / 86400)
    return round(statistics.median(days), 3)


def shown_by(api_as: ApiAs, by: str) -> dict[str, tuple[int, int, float]]:
    response = api_as("executive").get("/api/v1/reports/pipeline", by=by, **WHOLE_PERIOD)
    assert response.status_code == 200
    return {
        row["label"]: (row["mqls"], row["won_deals"], row["mql_to_won"])
        for row in response.json()["rows"]
    }


@pytest.mark.django_db
def test_mqls_won_deals_and_conversion_per_origin_match_the_files(
    olist: Path, api_as: ApiAs
) -> None:
    expected = expected_by(olist, "origin")

    shown = shown_by(api_as, "source")

    assert shown == expected
    assert shown[NO_ORIGIN][0] == 1159


@pytest.mark.django_db
def test_mqls_won_deals_and_conversion_per_landing_page_match_the_files(
    olist: Path, api_as: ApiAs
) -> None:
    expected = expected_by(olist, "landing_page_id")

    shown = shown_by(api_as, "landing_page")

    assert shown == expected
    assert len(shown) == 495


@pytest.mark.django_db
def test_the_median_days_from_first_contact_to_won_match_the_files(
    olist: Path, api_as: ApiAs
) -> None:
    expected = expected_median_days_to_win(olist)

    response = api_as("marketer").get("/api/v1/reports/dashboard", **WHOLE_PERIOD)

    assert response.status_code == 200
    assert response.json()["median_days_to_win"] == expected


@pytest.mark.django_db
def test_the_totals_of_mqls_and_won_deals_match_the_files(olist: Path, api_as: ApiAs) -> None:
    mqls, deals = read(olist, MQL_FILE), read(olist, DEALS_FILE)

    response = api_as("sales_rep").get("/api/v1/reports/pipeline", by="source", **WHOLE_PERIOD)

    total = response.json()["total"]
    assert (total["mqls"], total["won_deals"]) == (len(mqls), len(deals))
    assert total["mql_to_won"] == len(deals) / len(mqls)
