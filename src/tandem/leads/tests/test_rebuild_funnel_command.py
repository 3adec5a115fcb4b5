import datetime as dt

import pytest
from django.core.management import call_command

from tandem.core.testing import make_lead
from tandem.leads.models import FunnelMonth, Stage

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
