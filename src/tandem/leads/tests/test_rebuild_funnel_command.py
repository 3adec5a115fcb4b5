import datetime as dt

import pytest
from django.core.management import call_command

from tandem.core.testing import make_lead
from tandem.leads import lifecycle
from tandem.leads.models import FunnelDay, FunnelMonth, Stage, StageReach
from tandem.reports.models import FilteredFunnelDay, LeadToRecount

pytestmark = pytest.mark.django_db


def test_the_command_restores_a_rollup_that_drifted(capsys: pytest.CaptureFixture[str]) -> None:
    make_lead(stage=Stage.MQL, at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    expected = list(FunnelMonth.objects.values_list("stage", "month", "reached", "advanced"))
    FunnelMonth.objects.update(reached=99)

    call_command("rebuild_funnel")

    assert (
        list(FunnelMonth.objects.values_list("stage", "month", "reached", "advanced")) == expected
    )
    assert "1 stage reaches" in capsys.readouterr().out


def test_the_command_restores_the_daily_rollup_and_times_in_stage() -> None:
    lead = make_lead(stage=Stage.LEAD, at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    lifecycle.change_stage(
        lead=lead, to_stage=Stage.MQL, by=None, at=dt.datetime(2026, 1, 7, tzinfo=dt.UTC)
    )
    expected = derived()
    FunnelDay.objects.all().delete()
    StageReach.objects.update(time_in_previous_stage=dt.timedelta(days=30))

    call_command("rebuild_funnel")

    assert derived() == expected
    assert expected[1] == [(Stage.LEAD, None), (Stage.MQL, dt.timedelta(days=2))]


def derived() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    return (
        list(FunnelDay.objects.order_by("day").values_list("stage", "day", "reached", "advanced")),
        list(StageReach.objects.order_by("at").values_list("stage", "time_in_previous_stage")),
    )


def test_the_command_counts_the_dashboards_rollups_too(capsys: pytest.CaptureFixture[str]) -> None:
    make_lead(stage=Stage.MQL, at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    FilteredFunnelDay.objects.all().delete()

    call_command("rebuild_funnel")

    assert FilteredFunnelDay.objects.filter(stage=Stage.MQL).exclude(reached=0).exists()
    assert not LeadToRecount.objects.exists()
    assert "Counted the dashboard's rollups: 1 leads" in capsys.readouterr().out
