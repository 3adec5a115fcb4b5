import datetime as dt
import hashlib
import json

import pytest
import time_machine
from django.test import override_settings

from tandem.core.errors import DomainError, PermissionDenied
from tandem.core.testing import Personas
from tandem.reports.kpis import SUMMARY_LABELS
from tandem.reports.models import Cadence, ReportSnapshot, SnapshotKind
from tandem.reports.snapshot_queries import (
    NONE,
    changes,
    is_intact,
    period_containing,
    snapshot_content,
)
from tandem.reports.snapshot_services import (
    MAY_NOT_TAKE,
    PERIOD_NOT_BEGUN,
    SCHEDULED_BY_WORKER,
    take_snapshot,
)
from tandem.reports.tests.snapshot_helpers import (
    MARCH_3,
    MARCH_11,
    MARCH_12,
    READERS_ONLY,
    TAKERS,
    make_mqls,
)

pytestmark = pytest.mark.django_db

MARCH_14 = dt.datetime(2025, 3, 14, 16, 0, tzinfo=dt.UTC)


def take_weekly(personas: Personas, *, at: dt.datetime) -> ReportSnapshot:
    with time_machine.travel(at, tick=False):
        return take_snapshot(by=personas.executive, cadence=Cadence.WEEKLY, day=at.date())


def test_a_snapshot_stores_the_summary_of_its_period_with_labels_in_order(
    personas: Personas,
) -> None:
    make_mqls(2, at=MARCH_3, prefix="before")
    make_mqls(3, at=MARCH_11, prefix="in")

    snapshot = take_weekly(personas, at=MARCH_12)

    assert (snapshot.cadence, snapshot.first_day, snapshot.last_day) == (
        Cadence.WEEKLY,
        dt.date(2025, 3, 10),
        dt.date(2025, 3, 16),
    )
    assert snapshot.kind == SnapshotKind.ON_DEMAND
    assert snapshot.requested_by == personas.executive
    assert snapshot.generated_at == MARCH_12
    assert snapshot.figures["mqls"] == 3
    assert [key for key, _label, _kind in snapshot.labels] == list(SUMMARY_LABELS)
    assert [label for _key, label, _kind in snapshot.labels] == list(SUMMARY_LABELS.values())


def test_the_hash_is_the_sha256_of_the_canonical_content(personas: Personas) -> None:
    make_mqls(1, at=MARCH_11, prefix="mql")

    snapshot = take_weekly(personas, at=MARCH_12)

    assert snapshot.content_hash == hashlib.sha256(snapshot_content(snapshot)).hexdigest()
    assert len(snapshot.content_hash) == 64


def test_the_hash_still_matches_the_snapshot_read_back_from_the_database(
    personas: Personas,
) -> None:
    make_mqls(3, at=MARCH_11, prefix="mql")
    first = take_weekly(personas, at=MARCH_12)
    take_weekly(personas, at=MARCH_14)

    stored = list(ReportSnapshot.objects.select_related("previous"))

    assert len(stored) == 2
    assert all(is_intact(snapshot) for snapshot in stored)
    assert ReportSnapshot.objects.get(pk=first.pk).content_hash == first.content_hash


def test_a_changed_figure_no_longer_matches_the_hash(personas: Personas) -> None:
    make_mqls(1, at=MARCH_11, prefix="mql")
    snapshot = take_weekly(personas, at=MARCH_12)

    snapshot.figures["mqls"] = 2

    assert not is_intact(snapshot)


def test_the_canonical_content_is_compact_sorted_json(personas: Personas) -> None:
    snapshot = take_weekly(personas, at=MARCH_12)

    content = snapshot_content(snapshot).decode()

    assert content.startswith('{"cadence":"weekly","figures":{')
    assert '"generated_at":"2025-03-12T10:00:00+00:00"' in content
    assert f'"requested_by":{personas.executive.pk}' in content
    assert '"previous_hash":""' in content
    assert content == json.dumps(
        json.loads(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def test_two_snapshots_of_one_period_are_both_kept_and_the_later_shows_the_difference(
    personas: Personas,
) -> None:
    make_mqls(2, at=MARCH_11, prefix="early")
    earlier = take_weekly(personas, at=MARCH_12)
    earlier_stored = ReportSnapshot.objects.values().get(pk=earlier.pk)
    make_mqls(3, at=MARCH_14, prefix="late")

    later = take_weekly(personas, at=MARCH_14 + dt.timedelta(hours=1))

    assert ReportSnapshot.objects.count() == 2
    assert ReportSnapshot.objects.values().get(pk=earlier.pk) == earlier_stored
    assert (later.first_day, later.last_day) == (earlier.first_day, earlier.last_day)
    assert later.previous == earlier
    mqls = next(change for change in changes(later) if change.key == "mqls")
    assert (mqls.previous, mqls.current, mqls.difference) == (2, 5, 3)
    assert (mqls.previous_text, mqls.current_text, mqls.difference_text) == ("2", "5", "+3")
    assert earlier.figures["mqls"] == 2
    assert is_intact(ReportSnapshot.objects.get(pk=earlier.pk))


def test_a_first_snapshot_has_nothing_to_compare_with(personas: Personas) -> None:
    make_mqls(2, at=MARCH_11, prefix="mql")

    snapshot = take_weekly(personas, at=MARCH_12)

    mqls = next(change for change in changes(snapshot) if change.key == "mqls")
    assert snapshot.previous is None
    assert (mqls.previous, mqls.current, mqls.difference) == (None, 2, None)
    assert mqls.difference_text == NONE


def test_an_on_demand_snapshot_of_a_new_period_is_compared_with_the_latest_of_its_cadence(
    personas: Personas,
) -> None:
    last_week = take_weekly(personas, at=MARCH_3 + dt.timedelta(days=1))
    with time_machine.travel(MARCH_12, tick=False):
        take_snapshot(by=personas.executive, cadence=Cadence.MONTHLY, day=MARCH_12.date())

    this_week = take_weekly(personas, at=MARCH_14)

    assert this_week.previous == last_week


def test_a_scheduled_snapshot_is_compared_with_the_scheduled_one_of_the_period_before(
    personas: Personas,
) -> None:
    with time_machine.travel(MARCH_14, tick=False):
        first = take_snapshot(
            by=None,
            cadence=Cadence.WEEKLY,
            day=dt.date(2025, 3, 3),
            kind=SnapshotKind.SCHEDULED_WEEKLY,
        )
        take_snapshot(by=personas.admin, cadence=Cadence.WEEKLY, day=dt.date(2025, 3, 10))

        second = take_snapshot(
            by=None,
            cadence=Cadence.WEEKLY,
            day=dt.date(2025, 3, 10),
            kind=SnapshotKind.SCHEDULED_WEEKLY,
        )

    assert second.previous == first


@pytest.mark.parametrize("persona", TAKERS)
def test_leadership_the_marketing_lead_sales_managers_and_admins_take_snapshots(
    personas: Personas, persona: str
) -> None:
    snapshot = take_weekly_as(personas, persona)

    assert snapshot.requested_by == personas.by_name(persona)


@pytest.mark.parametrize("persona", READERS_ONLY)
def test_other_roles_may_not_take_snapshots(personas: Personas, persona: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        take_weekly_as(personas, persona)

    assert refused.value.message.startswith(MAY_NOT_TAKE.split("{role}")[0])
    assert not ReportSnapshot.objects.exists()


def test_someone_on_no_team_may_not_take_snapshots(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        take_weekly_as(personas, "outsider")

    assert not ReportSnapshot.objects.exists()


def test_a_person_may_not_take_a_scheduled_snapshot(personas: Personas) -> None:
    with pytest.raises(PermissionDenied, match=SCHEDULED_BY_WORKER):
        take_snapshot(
            by=personas.admin,
            cadence=Cadence.WEEKLY,
            day=dt.date(2025, 3, 3),
            kind=SnapshotKind.SCHEDULED_WEEKLY,
        )

    assert not ReportSnapshot.objects.exists()


def test_a_period_that_has_not_begun_is_refused(personas: Personas) -> None:
    with time_machine.travel(MARCH_12, tick=False), pytest.raises(DomainError) as refused:
        take_snapshot(by=personas.admin, cadence=Cadence.WEEKLY, day=dt.date(2025, 3, 17))

    assert refused.value.message == PERIOD_NOT_BEGUN.format(cadence="week", first_day="2025-03-17")
    assert not ReportSnapshot.objects.exists()


@override_settings(TIME_ZONE="America/New_York")
def test_periods_are_counted_in_the_organisations_time_zone(personas: Personas) -> None:
    # 02:00 UTC on Monday 1 April is still Sunday 31 March in New York.
    late_sunday = dt.datetime(2025, 4, 1, 2, 0, tzinfo=dt.UTC)

    with time_machine.travel(late_sunday, tick=False):
        snapshot = take_snapshot(
            by=personas.admin, cadence=Cadence.MONTHLY, day=dt.date(2025, 3, 31)
        )

    assert (snapshot.first_day, snapshot.last_day) == (dt.date(2025, 3, 1), dt.date(2025, 3, 31))


def test_weeks_run_monday_to_sunday_and_months_whole() -> None:
    assert period_containing(Cadence.WEEKLY, dt.date(2025, 3, 16)).first_day == dt.date(2025, 3, 10)
    assert period_containing(Cadence.WEEKLY, dt.date(2025, 3, 17)).first_day == dt.date(2025, 3, 17)
    february = period_containing(Cadence.MONTHLY, dt.date(2024, 2, 10))
    assert (february.first_day, february.last_day) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))


def take_weekly_as(personas: Personas, persona: str) -> ReportSnapshot:
    with time_machine.travel(MARCH_12, tick=False):
        return take_snapshot(
            by=personas.by_name(persona), cadence=Cadence.WEEKLY, day=MARCH_12.date()
        )
