import datetime as dt
import statistics
from collections import Counter
from decimal import Decimal

import pytest

from tandem.core.demo.activity import PRICING_PAGE
from tandem.core.demo.plan import DEFAULT_SEED, Plan, make_plan
from tandem.core.demo.records import HISTORY_DAYS, LeadPlan
from tandem.leads import lifecycle
from tandem.leads.funnel import MAIN_INDEX
from tandem.leads.models import DealStage, Stage

TODAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return make_plan(leads=6_000, today=TODAY)


@pytest.fixture(scope="module")
def leads(plan: Plan) -> list[LeadPlan]:
    return list(plan.leads())


def reached(lead: LeadPlan, stage: str) -> bool:
    return any(change.to_stage == stage for change in lead.changes)


def furthest(lead: LeadPlan) -> int:
    return MAIN_INDEX[lead.furthest_stage]


def test_the_same_seed_gives_the_same_plan() -> None:
    first = make_plan(leads=300, today=TODAY, seed=5)
    second = make_plan(leads=300, today=TODAY, seed=5)

    assert first == second
    assert list(first.leads()) == list(second.leads())


def test_a_different_seed_gives_a_different_plan() -> None:
    first = make_plan(leads=300, today=TODAY, seed=5)
    second = make_plan(leads=300, today=TODAY, seed=6)

    assert first.companies != second.companies
    assert [lead.email for lead in first.leads()] != [lead.email for lead in second.leads()]


def test_the_default_seed_is_fixed() -> None:
    assert make_plan(leads=50, today=TODAY).seed == DEFAULT_SEED == 2718


def test_chunks_hold_the_same_leads_whatever_their_size(plan: Plan) -> None:
    small = make_plan(leads=250, today=TODAY)

    chunks = list(small.lead_chunks(60))

    assert [len(chunk) for chunk in chunks] == [60, 60, 60, 60, 10]
    assert [lead for chunk in chunks for lead in chunk] == list(small.leads())


def test_every_stage_move_is_one_the_lifecycle_allows(leads: list[LeadPlan]) -> None:
    for lead in leads:
        entry, *moves = lead.changes
        assert entry.from_stage == ""
        assert entry.to_stage in lifecycle.ENTRY_STAGES
        previous = entry
        for move in moves:
            assert move.from_stage == previous.to_stage
            assert lifecycle.is_allowed(move.from_stage, move.to_stage)
            assert move.at >= previous.at
            previous = move


def test_everything_happens_in_the_eighteen_months_before_today(
    plan: Plan, leads: list[LeadPlan]
) -> None:
    first_day = dt.datetime.combine(
        TODAY - dt.timedelta(days=HISTORY_DAYS), dt.time.min, tzinfo=dt.UTC
    )
    changes = [change.at for lead in leads for change in lead.changes]
    events = [event.received_at for lead in leads for event in lead.events]

    assert min(changes) >= first_day
    assert max(changes) < plan.cutoff
    assert max(events) < plan.cutoff
    assert {moment.tzinfo for moment in changes + events} == {dt.UTC}
    # The bulk writer formats times without converting them: whole seconds only.
    assert {moment.microsecond for moment in changes + events} == {0}


def test_emails_and_company_domains_are_unique(plan: Plan, leads: list[LeadPlan]) -> None:
    emails = [lead.email for lead in leads]
    domains = [company.domain for company in plan.companies]

    assert len(set(emails)) == len(emails) == 6_000
    assert len(set(domains)) == len(domains)
    assert leads[0].email == leads[0].email.lower()
    assert leads[0].email.endswith(".example")


def test_conversion_between_stages_looks_like_a_b2b_funnel(leads: list[LeadPlan]) -> None:
    # Leads old enough to have had time to move on.
    settled = [lead for lead in leads if lead.changes[0].at.date() < TODAY - dt.timedelta(240)]
    path = list(MAIN_INDEX)

    def rate(stage: str) -> float:
        at_stage = [lead for lead in settled if reached(lead, stage)]
        following = path[path.index(stage) + 1]
        return sum(reached(lead, following) for lead in at_stage) / len(at_stage)

    assert 0.5 < rate(Stage.INQUIRY) < 0.7
    assert 0.25 < rate(Stage.LEAD) < 0.45
    assert 0.6 < rate(Stage.MQL) < 0.85
    assert 0.4 < rate(Stage.SAL) < 0.65
    assert 0.6 < rate(Stage.SQL) < 0.85
    assert 0.15 < rate(Stage.OPPORTUNITY) < 0.4


def test_leads_that_stop_are_recycled_or_disqualified_with_a_reason(
    leads: list[LeadPlan],
) -> None:
    final = Counter(lead.stage for lead in leads)
    exits = [
        change
        for lead in leads
        for change in lead.changes
        if change.to_stage in (Stage.RECYCLED, Stage.DISQUALIFIED)
    ]

    assert final[Stage.RECYCLED] > 0
    assert final[Stage.DISQUALIFIED] > 0
    assert all(change.reason for change in exits)
    assert any(change.from_stage == Stage.RECYCLED for lead in leads for change in lead.changes)


def test_there_are_about_ten_events_per_lead(leads: list[LeadPlan]) -> None:
    average = statistics.mean(len(lead.events) for lead in leads)

    assert 8.5 < average < 11.5


def test_leads_that_convert_have_more_and_more_recent_events(
    plan: Plan, leads: list[LeadPlan]
) -> None:
    converters = [lead for lead in leads if furthest(lead) >= MAIN_INDEX[Stage.SAL]]
    others = [lead for lead in leads if furthest(lead) <= MAIN_INDEX[Stage.LEAD]]

    def days_since_last_event(lead: LeadPlan) -> float:
        return (plan.cutoff - lead.events[-1].occurred_at).total_seconds() / 86_400

    def pricing_share(group: list[LeadPlan]) -> float:
        events = [event for lead in group for event in lead.events]
        return sum(event.kind is PRICING_PAGE for event in events) / len(events)

    assert statistics.mean(len(lead.events) for lead in converters) > 2 * statistics.mean(
        len(lead.events) for lead in others
    )
    assert statistics.median(map(days_since_last_event, converters)) < statistics.median(
        map(days_since_last_event, others)
    )
    assert pricing_share(converters) > 2 * pricing_share(others)


def test_won_deals_make_customers_and_lost_deals_have_reasons(leads: list[LeadPlan]) -> None:
    with_deals = [lead for lead in leads if lead.deal is not None]

    for lead in with_deals:
        assert lead.deal is not None
        assert reached(lead, Stage.OPPORTUNITY)
        if lead.deal.stage == DealStage.WON:
            assert lead.stage == Stage.CUSTOMER
            assert lead.stage_changed_at.date() == lead.deal.closed_on
        elif lead.deal.stage == DealStage.LOST:
            assert lead.deal.lost_reason != ""
            assert lead.stage in (Stage.RECYCLED, Stage.DISQUALIFIED)
        else:
            assert lead.deal.closed_on is None
            assert lead.stage == Stage.OPPORTUNITY
    assert {lead.deal.stage for lead in with_deals if lead.deal} >= {
        DealStage.WON,
        DealStage.LOST,
    }
    assert all(lead.owner is not None for lead in with_deals)


def test_deal_amounts_grow_with_the_company_segment(plan: Plan, leads: list[LeadPlan]) -> None:
    amounts: dict[str, list[Decimal]] = {}
    for lead in leads:
        if lead.deal is not None:
            segment = plan.companies[lead.company].segment
            amounts.setdefault(segment, []).append(lead.deal.amount)

    smb, mid, enterprise = (
        statistics.median(amounts[segment]) for segment in ("SMB", "Mid-market", "Enterprise")
    )

    assert smb < mid < enterprise


def test_owners_are_spread_over_sales(leads: list[LeadPlan]) -> None:
    owners = Counter(lead.owner for lead in leads if lead.owner is not None)

    assert set(owners) == {"sam.rep", "riley.rep", "morgan.manager"}
    assert all(lead.owner is not None for lead in leads if reached(lead, Stage.SAL))


def test_leads_come_through_many_channels_and_campaigns(plan: Plan, leads: list[LeadPlan]) -> None:
    sources = Counter(lead.source for lead in leads)
    campaign_leads = [lead for lead in leads if lead.first_touch is not None]

    assert len(sources) >= 10
    assert len({lead.first_touch for lead in campaign_leads}) > len(plan.campaigns) // 2
    for lead in campaign_leads[:200]:
        assert lead.utm_campaign == plan.campaigns[lead.first_touch or 0].utm_key
