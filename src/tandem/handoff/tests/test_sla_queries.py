"""The service-levels figures: breaches per rep and team among the month's assignments, and MQLs
delivered against the agreement's numbers, overall and per segment."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from tandem.agreement.models import AgreementVersion
from tandem.core.errors import PermissionDenied
from tandem.core.testing import Personas, make_lead
from tandem.handoff.models import Assignment
from tandem.handoff.sla_queries import (
    Compliance,
    SegmentDelivery,
    compliance_by_team,
    mql_delivery,
    service_level_report,
)
from tandem.handoff.tests.sla_support import activate_agreement, assigned_mql
from tandem.leads import services as lead_services
from tandem.leads.models import Stage

pytestmark = pytest.mark.django_db

NOVEMBER = dt.date(2026, 11, 1)


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


@pytest.fixture
def agreement(personas: Personas, time_machine: TimeMachineFixture) -> AgreementVersion:
    time_machine.move_to(utc(2026, 10, 1, 8), tick=False)
    version = activate_agreement(personas)
    time_machine.move_to(utc(2026, 12, 10, 12), tick=False)
    return version


def assignments(
    rep: User, version: AgreementVersion, *, at: dt.datetime, accept: int = 0, touch: int = 0,
    kept: int = 0, start: int = 0,
) -> None:  # fmt: skip
    """`accept` assignments that missed accept-by only, `touch` that missed first-touch only,
    and `kept` that missed nothing; numbered from `start`."""
    n = start
    for field, count in (("accept_breached_at", accept), ("touch_breached_at", touch), ("", kept)):
        for _ in range(count):
            n += 1
            made = assigned_mql(n, rep, at=at, version=version)
            if field:
                Assignment.objects.filter(pk=made.pk).update(**{field: at})


def figures(teams: list, name: str) -> dict[str, Compliance]:  # type: ignore[type-arg]
    team = next(team for team in teams if (team.team.name if team.team else None) == name)
    return {"team": team.figures, **{row.rep.username: row.figures for row in team.reps}}


def test_breaches_are_counted_per_rep_and_team_among_the_months_assignments(
    personas: Personas, agreement: AgreementVersion
) -> None:
    assignments(personas.sales_rep, agreement, at=utc(2026, 11, 3, 10), accept=1, touch=1, kept=2)
    assignments(personas.other_rep, agreement, at=utc(2026, 11, 20, 10), accept=1, start=10)
    # October's assignments are October's.
    assignments(personas.sales_rep, agreement, at=utc(2026, 10, 30, 10), accept=3, start=20)

    teams = compliance_by_team(month=NOVEMBER)

    assert [team.team.name for team in teams if team.team] == ["Enterprise sales", "Sales"]
    sales = figures(teams, "Sales")
    assert sales == {
        "team": Compliance(assignments=5, accept_breaches=2, touch_breaches=1),
        "other_rep": Compliance(assignments=1, accept_breaches=1, touch_breaches=0),
        "sales_rep": Compliance(assignments=4, accept_breaches=1, touch_breaches=1),
    }
    assert [row.rep.username for row in teams[1].reps] == ["other_rep", "sales_rep"]
    assert (sales["team"].accept_compliance, sales["team"].touch_compliance) == (0.6, 0.8)
    assert figures(teams, "Enterprise sales") == {
        "team": Compliance(),
        "rival_rep": Compliance(),
    }
    assert Compliance().accept_compliance is None


def test_months_are_the_organisations(
    personas: Personas, agreement: AgreementVersion, settings: Settings
) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    # 23:30 UTC on 31 October is 00:30 on 1 November in Berlin.
    assignments(personas.sales_rep, agreement, at=utc(2026, 10, 31, 23, 30), accept=1)

    sales = figures(compliance_by_team(month=NOVEMBER), "Sales")

    assert sales["sales_rep"] == Compliance(assignments=1, accept_breaches=1)


def test_assignments_without_deadlines_are_not_counted(
    personas: Personas, agreement: AgreementVersion
) -> None:
    assignments(personas.sales_rep, agreement, at=utc(2026, 11, 3, 10), kept=1)
    Assignment.objects.update(accept_by=None, first_touch_by=None)

    assert figures(compliance_by_team(month=NOVEMBER), "Sales")["sales_rep"] == Compliance()


def mql(n: int, at: dt.datetime, segment: str | None) -> None:
    company = (
        lead_services.create_company(by=None, name=f"Company {n}", segment=segment)
        if segment is not None
        else None
    )
    make_lead(
        stage=Stage.MQL,
        at=at,
        email=f"mql{n}@example.com",
        company_id=company.pk if company else None,
    )


def test_mqls_are_counted_against_the_agreed_number_overall_and_per_segment(
    agreement: AgreementVersion,
) -> None:
    november = utc(2026, 11, 12, 10)
    for n, segment in enumerate(["enterprise", "Enterprise", "SMB", "Startup", None, ""]):
        mql(n, november, segment)
    mql(10, utc(2026, 10, 12, 10), "SMB")
    make_lead(stage=Stage.LEAD, at=november, email="not-yet@example.com")

    delivery = mql_delivery(month=NOVEMBER)

    assert (delivery.delivered, delivery.committed, delivery.agreement_number) == (
        6,
        60,
        agreement.number,
    )
    assert delivery.share == 0.1
    assert delivery.segments == [
        SegmentDelivery(segment="Enterprise", delivered=2, committed=10),
        SegmentDelivery(segment="Mid-market", delivered=0, committed=25),
        SegmentDelivery(segment="SMB", delivered=1, committed=25),
        SegmentDelivery(segment="Startup", delivered=1, committed=None),
        SegmentDelivery(segment="", delivered=2, committed=None),
    ]
    assert delivery.segments[0].share == 0.2


def test_the_commitment_is_the_one_in_force_at_the_months_end(
    personas: Personas, agreement: AgreementVersion, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(utc(2026, 12, 2, 9), tick=False)
    later = activate_agreement(
        personas, mqls_per_month=80, mqls_per_month_by_segment={"Enterprise": 20}
    )
    time_machine.move_to(utc(2026, 12, 10, 12), tick=False)

    november = mql_delivery(month=NOVEMBER)
    december = mql_delivery(month=dt.date(2026, 12, 1))

    assert (november.committed, november.agreement_number) == (60, agreement.number)
    assert (december.committed, december.agreement_number) == (80, later.number)
    assert december.segments == [SegmentDelivery(segment="Enterprise", delivered=0, committed=20)]


def test_without_an_agreement_nothing_is_committed(personas: Personas) -> None:
    delivery = mql_delivery(month=NOVEMBER)

    assert (delivery.delivered, delivery.committed, delivery.share, delivery.segments) == (
        0,
        None,
        None,
        [],
    )


def test_the_report_is_for_people_on_a_team(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        service_level_report(personas.outsider, month=NOVEMBER)

    report = service_level_report(personas.marketer, month=dt.date(2026, 11, 17))

    assert report.month == NOVEMBER
    assert report.figures == Compliance()
