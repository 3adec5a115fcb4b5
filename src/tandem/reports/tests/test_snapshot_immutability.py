import pytest
import time_machine
from django.db import DatabaseError, connection, transaction

from tandem.core.errors import Conflict
from tandem.core.testing import Personas
from tandem.reports.models import SNAPSHOTS_ARE_IMMUTABLE, Cadence, ReportSnapshot
from tandem.reports.snapshot_services import take_snapshot
from tandem.reports.tests.snapshot_helpers import MARCH_11, MARCH_12, make_mqls

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshot(personas: Personas) -> ReportSnapshot:
    make_mqls(2, at=MARCH_11, prefix="mql")
    with time_machine.travel(MARCH_12, tick=False):
        return take_snapshot(by=personas.executive, cadence=Cadence.WEEKLY, day=MARCH_12.date())


def stored(snapshot: ReportSnapshot) -> tuple[object, ...]:
    row = ReportSnapshot.objects.get(pk=snapshot.pk)
    return (row.figures, row.labels, row.generated_at, row.content_hash, row.first_day)


def test_saving_a_stored_snapshot_again_is_refused(snapshot: ReportSnapshot) -> None:
    before = stored(snapshot)
    snapshot.figures = {**snapshot.figures, "mqls": 99}

    with pytest.raises(Conflict, match=SNAPSHOTS_ARE_IMMUTABLE):
        snapshot.save()

    assert stored(snapshot) == before


def test_deleting_a_snapshot_is_refused(snapshot: ReportSnapshot) -> None:
    with pytest.raises(Conflict, match=SNAPSHOTS_ARE_IMMUTABLE):
        snapshot.delete()

    assert ReportSnapshot.objects.filter(pk=snapshot.pk).exists()


def test_updating_snapshots_in_bulk_is_refused(snapshot: ReportSnapshot) -> None:
    before = stored(snapshot)

    with pytest.raises(Conflict, match=SNAPSHOTS_ARE_IMMUTABLE):
        ReportSnapshot.objects.filter(pk=snapshot.pk).update(figures={})

    assert stored(snapshot) == before


def test_deleting_snapshots_in_bulk_is_refused(snapshot: ReportSnapshot) -> None:
    with pytest.raises(Conflict, match=SNAPSHOTS_ARE_IMMUTABLE):
        ReportSnapshot.objects.all().delete()

    assert ReportSnapshot.objects.count() == 1


def test_the_database_refuses_an_update_in_raw_sql(snapshot: ReportSnapshot) -> None:
    before = stored(snapshot)

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_reportsnapshot SET content_hash = %s WHERE id = %s",
            ["0" * 64, snapshot.pk],
        )

    assert stored(snapshot) == before
