"""The dashboard's rollups by lead attribute follow every change their leads go through, and
always hold what counting every lead from scratch gives."""

import datetime as dt
import importlib
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection

from tandem.campaigns.models import Campaign, Channel
from tandem.core.roles import Role, TeamKind
from tandem.core.testing import Personas, activate_starter_agreement, make_lead
from tandem.core.time import now
from tandem.handoff import services as handoff_services
from tandem.handoff.models import RoutingRule, TouchKind
from tandem.leads import lifecycle
from tandem.leads import services as lead_services
from tandem.leads.models import Company, Deal, DealStage, Lead, Stage
from tandem.people.models import Membership, Team
from tandem.reports import kpis, rollups
from tandem.reports.kpis import Filters, validate_period
from tandem.reports.models import (
    CohortSlice,
    CountedLead,
    FilteredFunnelDay,
    HandoffSlice,
    LeadToRecount,
    RejectionSlice,
    StageTimeSlice,
    WinTimeSlice,
    WonDealSlice,
)

triggers = importlib.import_module("tandem.reports.migrations.0004_recount_triggers")
pytestmark = pytest.mark.django_db
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


def stored() -> dict[str, set[tuple[object, ...]]]:
    """Every rollup row holding a figure other than zero, and every counted profile."""

    def rows(model: type, measures: tuple[str, ...]) -> set[tuple[object, ...]]:
        keys = [field.name for field in model._meta.fields if field.name not in ("id", *measures)]
        return {row for row in model.objects.values_list(*keys, *measures) if any(row[len(keys) :])}

    return {
        "funnel": rows(FilteredFunnelDay, rollups.FUNNEL_COLUMNS[1]),
        "cohort": rows(CohortSlice, rollups.COHORT_COLUMNS[1]),
        "times": rows(StageTimeSlice, rollups.TIMES_COLUMNS[1]),
        "wins": rows(WinTimeSlice, rollups.WINS_COLUMNS[1]),
        "won": rows(WonDealSlice, rollups.WON_COLUMNS[1]),
        "handoffs": rows(HandoffSlice, rollups.HANDOFF_COLUMNS[1]),
        "rejections": rows(RejectionSlice, rollups.REJECTION_COLUMNS[1]),
        "profiles": set(CountedLead.objects.values_list("lead_id", "profile")),
    }


def counted_live_equals_rebuilt() -> bool:
    rollups.recount_queued()
    live = stored()
    rollups.rebuild()
    return live == stored() and bool(live["profiles"])


def person(username: str, team: Team) -> User:
    user = User.objects.create_user(username=username)
    Membership.objects.create(user=user, team=team, role=Role.SALES_REP)
    return user


@pytest.fixture
def world() -> dict[str, object]:
    """Leads in two segments, owned in two teams, brought by two campaigns, moving along the
    funnel, some with deals in two currencies."""
    east = Team.objects.create(name="East", kind=TeamKind.SALES)
    west = Team.objects.create(name="West", kind=TeamKind.SALES)
    ann, bob = person("ann", east), person("bob", west)
    small = Company.objects.create(name="Small", segment="SMB")
    large = Company.objects.create(name="Large", segment="Enterprise")
    webinar = Campaign.objects.create(name="Webinar", channel=Channel.WEBINAR, utm_key="w")
    search = Campaign.objects.create(name="Search", channel=Channel.PAID_SEARCH, utm_key="s")
    leads = []
    for number in range(8):
        lead = make_lead(
            stage=Stage.LEAD,
            at=START + dt.timedelta(days=number),
            owner=ann if number % 2 else bob,
            company_id=(small if number % 3 else large).pk,
            source="web" if number % 2 else "partner",
            landing_page=f"/lp/{number % 3}",
            first_touch_campaign_id=(webinar if number % 2 else search).pk,
        )
        path = [Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY][: number % 5]
        for step, stage in enumerate(path, start=1):
            lifecycle.change_stage(
                lead=lead, to_stage=stage, by=None, at=START + dt.timedelta(days=number + step * 3)
            )
        leads.append(lead)
    for lead, currency, stage in (
        (leads[4], "EUR", DealStage.NEGOTIATION),
        (leads[3], "USD", DealStage.PROPOSAL),
        (leads[3], "EUR", DealStage.QUALIFICATION),
    ):
        lead_services.create_deal(
            lead=lead, by=None, name="Deal", amount=Decimal("1200.50"), currency=currency,
            stage=stage, opened_on=START.date(),
        )  # fmt: skip
    return {
        "leads": leads,
        "teams": (east, west),
        "people": (ann, bob),
        "companies": (small, large),
        "campaigns": (webinar, search),
    }


def test_the_leads_written_through_the_services_are_counted_as_a_rebuild_counts_them(
    world: dict[str, object],
) -> None:
    assert counted_live_equals_rebuilt()


def test_a_lead_moving_on_is_recounted(world: dict[str, object]) -> None:
    rollups.recount_queued()
    lead = Lead.objects.get(pk=world["leads"][4].pk)  # type: ignore[index]

    lifecycle.change_stage(
        lead=lead, to_stage=Stage.CUSTOMER, by=None, at=START + dt.timedelta(days=60)
    )

    assert LeadToRecount.objects.filter(lead_id=lead.pk).exists()
    assert counted_live_equals_rebuilt()


def test_a_company_changing_segment_moves_its_leads(world: dict[str, object]) -> None:
    rollups.recount_queued()
    small, _ = world["companies"]  # type: ignore[misc]

    lead_services.update_company(company=small, by=None, changes={"segment": "Mid-market"})

    assert counted_live_equals_rebuilt()
    assert not FilteredFunnelDay.objects.filter(value="SMB").exclude(reached=0).exists()


def test_a_person_changing_team_moves_the_leads_they_own(world: dict[str, object]) -> None:
    rollups.recount_queued()
    ann, _ = world["people"]  # type: ignore[misc]
    _, west = world["teams"]  # type: ignore[misc]

    Membership.objects.filter(user=ann).update(team=west)

    assert counted_live_equals_rebuilt()


def test_an_owner_touch_or_deal_change_is_recounted(world: dict[str, object]) -> None:
    rollups.recount_queued()
    leads: list[Lead] = world["leads"]  # type: ignore[assignment]
    _, bob = world["people"]  # type: ignore[misc]
    webinar, _ = world["campaigns"]  # type: ignore[misc]

    lead_services.update_lead(lead=leads[3], by=None, changes={"owner_id": bob.pk})
    lead_services.update_lead(
        lead=leads[2], by=None, changes={"last_touch_campaign_id": webinar.pk}
    )
    deal = Deal.objects.get(lead=leads[4])
    lead_services.update_deal(deal=deal, by=None, changes={"amount": Decimal("99.99")})
    Deal.objects.filter(lead=leads[3], currency="USD").update(
        stage=DealStage.LOST, closed_on=START.date(), lost_reason="Budget"
    )

    assert counted_live_equals_rebuilt()


def test_a_deleted_campaign_leaves_its_leads_without_one(world: dict[str, object]) -> None:
    rollups.recount_queued()
    _, search = world["campaigns"]  # type: ignore[misc]

    search.delete()

    assert counted_live_equals_rebuilt()
    assert (
        not CohortSlice.objects.filter(by="campaign", key=str(search.pk)).exclude(mqls=0).exists()
    )


def test_a_recount_of_unchanged_leads_changes_nothing(world: dict[str, object]) -> None:
    rollups.recount_queued()
    before = stored()

    LeadToRecount.objects.bulk_create(LeadToRecount(lead_id=lead.pk) for lead in Lead.objects.all())
    rollups.recount_queued()

    assert stored() == before


def test_a_long_queue_is_counted_from_scratch(
    world: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rollups, "REBUILD_ABOVE", 3)
    live = stored()

    taken = rollups.recount_queued()

    assert taken > 3
    assert not LeadToRecount.objects.exists()
    assert stored() != live
    assert counted_live_equals_rebuilt()


def test_every_trigger_is_in_place() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        found = {name for (name,) in cursor.fetchall()}

    assert set(triggers.TRIGGERS) <= found


def test_a_median_is_the_middle_bucket_or_the_mean_of_the_middle_two() -> None:
    hour, day = rollups.bucket_of(dt.timedelta(hours=1)), rollups.bucket_of(dt.timedelta(days=1))
    assert hour is not None
    assert day is not None

    odd = rollups.median_of_buckets(Counter({hour: 2, day: 1}))
    even = rollups.median_of_buckets(Counter({hour: 1, day: 1}))

    assert odd == rollups.bucket_value(hour)
    assert even == (rollups.bucket_value(hour) + rollups.bucket_value(day)) / 2
    assert rollups.median_of_buckets(Counter()) is None


@pytest.mark.parametrize(
    "duration",
    [dt.timedelta(seconds=1), dt.timedelta(minutes=7), dt.timedelta(hours=5), dt.timedelta(days=35),
     dt.timedelta(days=400)],
)  # fmt: skip
def test_a_time_in_stage_is_rounded_within_two_percent(duration: dt.timedelta) -> None:
    rounded = rollups.rounded(duration)

    assert abs(rounded - duration) <= duration * 0.022


def test_no_time_in_stage_has_no_bucket() -> None:
    assert rollups.bucket_of(dt.timedelta(0)) is None
    assert rollups.bucket_of(None) is None


@pytest.fixture
def handed_over(personas: Personas) -> list[Lead]:
    """Four MQLs routed to the sales rep: one accepted and touched, one rejected, one touched
    the moment it was assigned, one left waiting."""
    activate_starter_agreement(personas)
    RoutingRule.objects.create(name="Rep", position=1, rep=personas.sales_rep)
    company = Company.objects.create(name="Acme", segment="SMB")
    moment = now() - dt.timedelta(days=3)
    leads = [
        make_lead(stage=Stage.MQL, at=moment, company_id=company.pk, email=f"{n}@example.com")
        for n in range(4)
    ]
    rep = personas.sales_rep
    handoff_services.accept(lead=leads[0], by=rep, at=moment + dt.timedelta(hours=2))
    handoff_services.log_touch(
        lead=leads[0], by=rep, kind=TouchKind.CALL, at=moment + dt.timedelta(hours=3)
    )
    handoff_services.reject(lead=leads[1], by=rep, reason="timing", note="Call in spring")
    handoff_services.log_touch(lead=leads[2], by=rep, kind=TouchKind.EMAIL, at=moment)
    return leads


def test_handoffs_and_rejections_are_counted_as_a_rebuild_counts_them(
    handed_over: list[Lead],
) -> None:
    assert counted_live_equals_rebuilt()


def test_a_rep_moving_team_moves_the_handoffs_they_were_given(
    personas: Personas, handed_over: list[Lead]
) -> None:
    rollups.recount_queued()
    enterprise = Team.objects.get(name="Enterprise sales")

    Membership.objects.filter(user=personas.sales_rep).update(team=enterprise)

    assert counted_live_equals_rebuilt()
    assert HandoffSlice.objects.filter(value=str(enterprise.pk)).exclude(accepted=0).exists()


def test_the_handoff_figures_are_the_same_from_the_rollups_and_from_the_handoffs(
    personas: Personas, handed_over: list[Lead]
) -> None:
    today = now().date()
    period = validate_period(first_day=today - dt.timedelta(days=10), last_day=today)
    sales_team = personas.sales_rep.membership.team_id

    from_rollups = kpis.handoffs(period), kpis.handoffs(period, Filters(segment="SMB"))
    from_handoffs = kpis.handoffs(period, Filters(segment="SMB", team_id=sales_team))

    assert from_rollups[0] == from_rollups[1] == from_handoffs
    assert (from_handoffs.accepted, from_handoffs.rejected) == (1, 1)
    assert [reason.count for reason in from_handoffs.reasons] == [1]
    assert from_handoffs.median_speed_to_lead is not None


def test_won_deals_are_the_same_from_the_rollups_and_from_the_deals(
    personas: Personas, handed_over: list[Lead]
) -> None:
    today = now().date()
    lead_services.create_deal(
        lead=handed_over[3], by=None, name="Big", amount=Decimal("5000"), currency="EUR",
        stage=DealStage.WON, opened_on=today, closed_on=today,
    )  # fmt: skip
    period = validate_period(first_day=today - dt.timedelta(days=10), last_day=today)
    sales_team = personas.sales_rep.membership.team_id

    everyone = kpis.won_deals(period)
    one_filter = kpis.won_deals(period, Filters(segment="SMB"))
    combined = kpis.won_deals(period, Filters(segment="SMB", team_id=sales_team))

    assert everyone == one_filter == combined
    assert [(money.currency, money.deals, money.amount) for money in everyone] == [
        ("EUR", 1, Decimal("5000.00"))
    ]
