import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from tandem.core.demo.tracking import DEMO_WRITE_KEY
from tandem.core.management.commands.demo import DEMO_PASSWORD
from tandem.core.management.commands.serve import bind_address
from tandem.core.roles import Role
from tandem.handoff.models import Assignment
from tandem.leads.models import Event, FunnelMonth, Lead, Stage, StageChange
from tandem.people.models import Membership
from tandem.tracking.models import Form


def run_demo(*arguments: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("demo", "--no-serve", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> tuple[int, int, int]:
    return Lead.objects.count(), StageChange.objects.count(), Event.objects.count()


@pytest.mark.django_db(transaction=True)
def test_demo_creates_one_login_per_role_and_prints_them() -> None:
    out, err = run_demo("--leads", "40")

    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert set(roles.values()) == set(Role)
    for username, role in roles.items():
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None
        line = next(line for line in out.splitlines() if line.strip().startswith(username + " "))
        assert line.split()[:2] == [username, DEMO_PASSWORD]
        assert Role(role).label in line
    assert "http://127.0.0.1:8000/" in out
    assert Lead.objects.count() == 40
    assert FunnelMonth.objects.exists()
    assert "leads: 40 of 40" in err


@pytest.mark.django_db(transaction=True)
def test_demo_reuses_the_data_already_there() -> None:
    run_demo("--leads", "30")
    before = counts()

    _out, err = run_demo("--leads", "50")

    assert counts() == before
    assert "already holds 30 leads" in err


@pytest.mark.django_db(transaction=True)
def test_demo_reset_empties_the_database_and_generates_again() -> None:
    run_demo("--leads", "30", "--seed", "3")

    run_demo("--leads", "45", "--reset", "--seed", "3")

    assert Lead.objects.count() == 45
    assert Membership.objects.count() == 7


@pytest.mark.django_db(transaction=True)
def test_demo_generates_the_same_data_for_the_same_seed() -> None:
    # The same day too: signing the demo agreement moves leads to MQL at the present moment.
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        run_demo("--leads", "25", "--seed", "9")
        first = sorted(Lead.objects.values_list("email", "stage", "stage_changed_at"))

        run_demo("--leads", "25", "--seed", "9", "--reset")

    assert sorted(Lead.objects.values_list("email", "stage", "stage_changed_at")) == first


@pytest.mark.django_db
def test_demo_refuses_a_lead_count_out_of_range() -> None:
    with pytest.raises(CommandError, match="--leads must be between 1 and 1,000,000"):
        run_demo("--leads", "0")

    assert Lead.objects.count() == 0


def test_serve_refuses_zero_workers() -> None:
    with pytest.raises(CommandError, match="--workers must be at least 1"):
        call_command("serve", "--workers", "0")


def test_ipv6_addresses_are_bracketed_for_gunicorn() -> None:
    assert bind_address("::1", 8000) == "[::1]:8000"
    assert bind_address("127.0.0.1", 8000) == "127.0.0.1:8000"


@pytest.mark.django_db(transaction=True)
def test_demo_prints_a_write_key_that_tracking_accepts_and_a_form_address() -> None:
    out, _err = run_demo("--leads", "20")
    run_demo("--leads", "20")

    assert f"-u {DEMO_WRITE_KEY}:" in out
    assert f"/f/{Form.objects.get().key}/" in out
    response = Client().post(
        "/v1/track",
        {"writeKey": DEMO_WRITE_KEY, "anonymousId": "visitor-1", "event": "Viewed pricing"},
        content_type="application/json",
    )
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_every_demo_mql_has_one_current_assignment_with_its_rule() -> None:
    run_demo("--leads", "300")

    mqls = Lead.objects.filter(stage=Stage.MQL)
    current = Assignment.objects.filter(ended_at__isnull=True, lead__in=mqls)
    assert mqls.exists()
    assert sorted(current.values_list("lead_id", flat=True)) == sorted(
        mqls.values_list("pk", flat=True)
    )
    assert not current.filter(rule__isnull=True).exists()
