import datetime as dt

import pytest
import time_machine

from tandem.core.testing import Personas
from tandem.reports.kpis import SUMMARY_LABELS
from tandem.reports.models import Cadence, ReportSnapshot
from tandem.reports.snapshot_services import take_snapshot
from tandem.reports.tests.snapshot_helpers import MARCH_11, MARCH_12, make_mqls

pytestmark = pytest.mark.django_db

SNAPSHOTS = "/api/v1/snapshots"
MARCH_14 = dt.datetime(2025, 3, 14, 16, 0, tzinfo=dt.UTC)


@pytest.fixture
def two_looks(personas: Personas) -> tuple[ReportSnapshot, ReportSnapshot]:
    make_mqls(2, at=MARCH_11, prefix="early")
    with time_machine.travel(MARCH_12, tick=False):
        earlier = take_snapshot(by=personas.executive, cadence=Cadence.WEEKLY, day=MARCH_12.date())
    make_mqls(1, at=MARCH_14, prefix="late")
    with time_machine.travel(MARCH_14, tick=False):
        later = take_snapshot(by=None, cadence=Cadence.WEEKLY, day=MARCH_12.date())
    return earlier, later


def test_the_list_is_newest_first(
    api_as, personas: Personas, two_looks: tuple[ReportSnapshot, ReportSnapshot]
) -> None:
    earlier, later = two_looks

    response = api_as("sales_rep").get(SNAPSHOTS)

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 2
    assert [item["id"] for item in body["items"]] == [later.pk, earlier.pk]
    assert body["items"][1] == {
        "id": earlier.pk,
        "cadence": "weekly",
        "first_day": "2025-03-10",
        "last_day": "2025-03-16",
        "kind": "on_demand",
        "requested_by": {
            "id": personas.executive.pk,
            "username": "executive",
            "name": personas.executive.get_full_name(),
        },
        "generated_at": "2025-03-12T10:00:00Z",
        "content_hash": earlier.content_hash,
        "previous_id": None,
    }
    assert body["items"][0]["requested_by"] is None


def test_a_snapshot_reads_with_its_change_since_the_previous(
    api_as, two_looks: tuple[ReportSnapshot, ReportSnapshot]
) -> None:
    earlier, later = two_looks

    response = api_as("marketer").get(f"{SNAPSHOTS}/{later.pk}")

    body = response.json()
    assert response.status_code == 200
    assert body["previous_id"] == earlier.pk
    assert [row["key"] for row in body["figures"]] == list(SUMMARY_LABELS)
    mqls = next(row for row in body["figures"] if row["key"] == "mqls")
    assert mqls == {
        "key": "mqls",
        "label": "MQLs",
        "kind": "count",
        "value": 3,
        "previous_value": 2,
        "difference": 1,
    }


def test_an_unknown_snapshot_is_not_found(api_as, personas: Personas) -> None:
    response = api_as("executive").get(f"{SNAPSHOTS}/999")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "There is no report snapshot 999."


def test_someone_on_no_team_is_refused(api_as, personas: Personas) -> None:
    response = api_as("outsider").get(SNAPSHOTS)

    assert response.status_code == 403


def test_a_sales_manager_takes_a_snapshot_of_the_month(api_as, personas: Personas) -> None:
    make_mqls(2, at=MARCH_11, prefix="mql")

    with time_machine.travel(MARCH_12, tick=False):
        response = api_as("manager").post(SNAPSHOTS, {"cadence": "monthly"})

    body = response.json()
    snapshot = ReportSnapshot.objects.get()
    assert response.status_code == 201
    assert body["id"] == snapshot.pk
    assert (body["first_day"], body["last_day"]) == ("2025-03-01", "2025-03-31")
    assert body["content_hash"] == snapshot.content_hash
    assert next(row for row in body["figures"] if row["key"] == "mqls")["value"] == 2


def test_a_sales_rep_may_not_take_a_snapshot(api_as, personas: Personas) -> None:
    response = api_as("sales_rep").post(SNAPSHOTS, {"cadence": "weekly", "day": "2025-03-12"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not ReportSnapshot.objects.exists()


def test_an_unknown_cadence_is_refused(api_as, personas: Personas) -> None:
    response = api_as("admin").post(SNAPSHOTS, {"cadence": "daily"})

    assert response.status_code == 422
    assert not ReportSnapshot.objects.exists()
