import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError

from tandem.core.testing import Personas
from tandem.reports.models import Cadence, ReportSnapshot, SnapshotKind
from tandem.reports.snapshot_services import take_scheduled_snapshots, take_snapshot
from tandem.reports.tests.snapshot_helpers import MARCH_11, MARCH_12, make_mqls

pytestmark = pytest.mark.django_db

NEXT_WEEK = dt.datetime(2025, 3, 19, 10, 0, tzinfo=dt.UTC)
NEXT_MONTH = dt.datetime(2025, 4, 2, 10, 0, tzinfo=dt.UTC)


def scheduled() -> list[tuple[str, dt.date, dt.date]]:
    return list(
        ReportSnapshot.objects.order_by("kind", "first_day").values_list(
            "kind", "first_day", "last_day"
        )
    )


def test_the_job_takes_the_last_complete_week_and_month(personas: Personas) -> None:
    with time_machine.travel(MARCH_12, tick=False):
        taken = take_scheduled_snapshots()

    assert taken == 2
    assert scheduled() == [
        (SnapshotKind.SCHEDULED_MONTHLY, dt.date(2025, 2, 1), dt.date(2025, 2, 28)),
        (SnapshotKind.SCHEDULED_WEEKLY, dt.date(2025, 3, 3), dt.date(2025, 3, 9)),
    ]
    assert not ReportSnapshot.objects.filter(requested_by__isnull=False).exists()


def test_running_the_job_again_takes_nothing(personas: Personas) -> None:
    with time_machine.travel(MARCH_12, tick=False):
        take_scheduled_snapshots()
    before = list(ReportSnapshot.objects.values())

    with time_machine.travel(MARCH_12 + dt.timedelta(hours=1), tick=False):
        taken = take_scheduled_snapshots()

    assert taken == 0
    assert list(ReportSnapshot.objects.values()) == before


def test_a_new_week_brings_only_the_weekly_snapshot(personas: Personas) -> None:
    with time_machine.travel(MARCH_12, tick=False):
        take_scheduled_snapshots()

    with time_machine.travel(NEXT_WEEK, tick=False):
        taken = take_scheduled_snapshots()

    assert taken == 1
    newest = ReportSnapshot.objects.first()
    assert newest is not None
    assert (newest.kind, newest.first_day) == (SnapshotKind.SCHEDULED_WEEKLY, dt.date(2025, 3, 10))
    assert newest.previous is not None
    assert newest.previous.first_day == dt.date(2025, 3, 3)


def test_a_new_month_brings_the_monthly_snapshot_with_its_figures(personas: Personas) -> None:
    make_mqls(4, at=MARCH_11, prefix="mql")
    with time_machine.travel(MARCH_12, tick=False):
        take_scheduled_snapshots()

    with time_machine.travel(NEXT_MONTH, tick=False):
        taken = take_scheduled_snapshots()

    march = ReportSnapshot.objects.get(
        kind=SnapshotKind.SCHEDULED_MONTHLY, first_day=dt.date(2025, 3, 1)
    )
    assert taken == 2
    assert march.figures["mqls"] == 4
    assert march.previous is not None
    assert march.previous.first_day == dt.date(2025, 2, 1)


def test_a_scheduled_period_is_claimed_once_even_by_a_racing_worker(personas: Personas) -> None:
    with time_machine.travel(MARCH_12, tick=False):
        take_scheduled_snapshots()

        # A second worker that checked before the first committed reaches the insert.
        with pytest.raises(IntegrityError):
            take_snapshot(
                by=None,
                cadence=Cadence.WEEKLY,
                day=dt.date(2025, 3, 3),
                kind=SnapshotKind.SCHEDULED_WEEKLY,
            )

    assert ReportSnapshot.objects.count() == 2


def test_an_on_demand_snapshot_does_not_claim_the_scheduled_one(personas: Personas) -> None:
    with time_machine.travel(MARCH_12, tick=False):
        take_snapshot(by=personas.admin, cadence=Cadence.WEEKLY, day=dt.date(2025, 3, 3))

        taken = take_scheduled_snapshots()

    assert taken == 2
    assert ReportSnapshot.objects.filter(first_day=dt.date(2025, 3, 3)).count() == 2
