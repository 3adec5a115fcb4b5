"""A small funnel built by hand, whose closed-loop figures the tests know by heart.

March 2026 is the period. Leads (first-touch campaign / last-touch campaign, segment):

- L1 webinar/search, SMB: MQL 2 Mar, accepted (touched after 2 h), SQL, won 1,000 EUR.
- L2 webinar/webinar, SMB: MQL 3 Mar, rejected "no-budget" (touched after 4 h).
- L3 webinar/— (only a first touch), Enterprise: MQL 10 Mar, accepted by default (touched after
  6 h), jumped to opportunity (so passed SQL), won 500 USD and 200 EUR, lost a third deal.
- L4 no campaign, no company, no page: MQL 12 Mar, rejected "not-target" (touched after 1 h).
- L5 search/search, Enterprise: MQL 20 Mar, assigned and still undecided, never touched.
- L8 webinar/webinar, SMB: MQL 4 Mar, rejected "no-budget" reworded (touched after 3 h), back
  to MQL, then accepted on its second handoff (touched after 8 h).
- L6 webinar/search: MQL 20 Feb, accepted: outside the period.
- L7 webinar/webinar: never an MQL.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User

from tandem.agreement import services as agreement_services
from tandem.agreement.models import AgreementVersion
from tandem.campaigns import services as campaign_services
from tandem.campaigns.models import Campaign, Channel
from tandem.core.testing import Personas, make_lead
from tandem.handoff.models import Assignment, Decision, Rejection
from tandem.leads import lifecycle
from tandem.leads import services as lead_services
from tandem.leads.models import DealStage, Lead, Stage

TODAY = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
MARCH_1 = dt.date(2026, 3, 1)
MARCH_31 = dt.date(2026, 3, 31)
WEBINAR_PAGE = "https://example.com/webinar"
PRICING_PAGE = "https://example.com/pricing"
HOUR = dt.timedelta(hours=1)


def at(month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Funnel:
    webinar: Campaign
    search: Campaign
    leads: dict[str, Lead]
    agreement: AgreementVersion


@pytest.fixture(autouse=True)
def _frozen_clock() -> object:
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def _agreement(personas: Personas) -> AgreementVersion:
    version = agreement_services.create_draft(by=personas.marketing_lead, title="Our agreement")
    agreement_services.propose_version(version=version, by=personas.marketing_lead)
    for signer in (personas.marketing_lead, personas.manager):
        version = agreement_services.sign_version(version=version, by=signer)
    return version


def _handoff(
    lead: Lead,
    rep: User,
    *,
    assigned_at: dt.datetime,
    decision: str = "",
    touched_after: dt.timedelta | None = None,
    ended: bool = False,
) -> Assignment:
    decided_at = assigned_at + 30 * dt.timedelta(minutes=1) if decision else None
    return Assignment.objects.create(
        lead=lead,
        rep=rep,
        reason="Routed by hand.",
        assigned_at=assigned_at,
        decision=decision,
        decided_at=decided_at,
        first_touch_at=assigned_at + touched_after if touched_after is not None else None,
        ended_at=decided_at if ended else None,
    )


def _reject(
    assignment: Assignment, agreement: AgreementVersion, code: str, label: str, note: str
) -> Rejection:
    return Rejection.objects.create(
        lead=assignment.lead,
        assignment=assignment,
        rep=assignment.rep,
        reason_code=code,
        reason_label=label,
        outcome="recycle",
        note=note,
        agreement_version=agreement,
        at=assignment.decided_at,
    )


def _won(lead: Lead, name: str, amount: str, currency: str) -> None:
    lead_services.create_deal(
        lead=lead,
        by=None,
        name=name,
        amount=Decimal(amount),
        currency=currency,
        stage=DealStage.WON,
        opened_on=dt.date(2026, 4, 1),
        closed_on=dt.date(2026, 5, 1),
    )


def make_campaign(personas: Personas, name: str, utm_key: str, channel: str) -> Campaign:
    return campaign_services.create_campaign(
        by=personas.marketer,
        name=name,
        utm_key=utm_key,
        channel=channel,
        audience_segment="SMB",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 4, 30),
        product="Tandem Pro",
        message="Sales and marketing on one funnel",
        hook="See which leads sales rejects, and why",
        offer="A 30-minute live demo",
        audience="Heads of marketing at software companies of 50 to 500 people",
    )


@pytest.fixture
def funnel(personas: Personas) -> Funnel:
    agreement = _agreement(personas)
    webinar = make_campaign(personas, "Spring webinar", "spring-webinar", Channel.WEBINAR)
    search = make_campaign(personas, "Brand search", "brand-search", Channel.PAID_SEARCH)
    smb = lead_services.create_company(by=None, name="Small Co", segment="SMB")
    enterprise = lead_services.create_company(by=None, name="Big Co", segment="Enterprise")
    rep = personas.sales_rep

    def lead(
        name: str,
        mql_at: dt.datetime | None,
        first: Campaign | None,
        last: Campaign | None,
        last_page: str = "",
        **fields: object,
    ) -> Lead:
        made = make_lead(
            stage=Stage.MQL if mql_at else Stage.LEAD,
            at=mql_at or at(3, 1),
            owner=rep,
            first_name=name,
            email=f"{name.lower()}@example.com",
            first_touch_campaign_id=first.pk if first else None,
            last_touch_campaign_id=last.pk if last else None,
            **fields,
        )
        if last_page:
            # Only the tracking pipeline records a later landing page.
            Lead.objects.filter(pk=made.pk).update(last_touch_landing_page=last_page)
        return made

    l1 = lead("L1", at(3, 2), webinar, search, company_id=smb.pk, landing_page=WEBINAR_PAGE,
              last_page=PRICING_PAGE)  # fmt: skip
    _handoff(l1, rep, assigned_at=at(3, 2), decision=Decision.ACCEPTED, touched_after=2 * HOUR)
    lifecycle.change_stage(lead=l1, to_stage=Stage.SQL, by=rep, at=at(3, 5))
    _won(l1, "L1 deal", "1000.00", "EUR")

    l2 = lead("L2", at(3, 3), webinar, webinar, company_id=smb.pk, landing_page=WEBINAR_PAGE)
    handoff = _handoff(
        l2, rep, assigned_at=at(3, 3), decision=Decision.REJECTED, touched_after=4 * HOUR,
        ended=True,
    )  # fmt: skip
    _reject(handoff, agreement, "no-budget", "No budget", "They spent it all on ads.")

    l3 = lead("L3", at(3, 10), webinar, None, company_id=enterprise.pk, landing_page=WEBINAR_PAGE)
    _handoff(
        l3, rep, assigned_at=at(3, 10), decision=Decision.ACCEPTED_BY_DEFAULT,
        touched_after=6 * HOUR,
    )  # fmt: skip
    lifecycle.change_stage(lead=l3, to_stage=Stage.OPPORTUNITY, by=rep, at=at(3, 12))
    lead_services.create_deal(
        lead=l3, by=None, name="L3 lost", amount=Decimal("999.00"), currency="EUR",
        stage=DealStage.LOST, opened_on=dt.date(2026, 3, 12), closed_on=dt.date(2026, 3, 20),
        lost_reason="Chose a rival",
    )  # fmt: skip
    _won(l3, "L3 deal", "500.00", "USD")
    _won(l3, "L3 extension", "200.00", "EUR")

    l4 = lead("L4", at(3, 12), None, None)
    handoff = _handoff(
        l4, rep, assigned_at=at(3, 12), decision=Decision.REJECTED, touched_after=HOUR,
        ended=True,
    )  # fmt: skip
    _reject(handoff, agreement, "not-target", "Not in our target market", "A student.")

    l5 = lead("L5", at(3, 20), search, search, company_id=enterprise.pk, landing_page=PRICING_PAGE)
    _handoff(l5, rep, assigned_at=at(3, 20))

    l8 = lead("L8", at(3, 4), webinar, webinar, company_id=smb.pk, landing_page=WEBINAR_PAGE)
    handoff = _handoff(
        l8, rep, assigned_at=at(3, 4), decision=Decision.REJECTED, touched_after=3 * HOUR,
        ended=True,
    )  # fmt: skip
    _reject(handoff, agreement, "no-budget", "No budget this year", "Back in the autumn.")
    lifecycle.change_stage(lead=l8, to_stage=Stage.RECYCLED, by=rep, at=at(3, 4, 10))
    lifecycle.change_stage(lead=l8, to_stage=Stage.MQL, by=None, at=at(3, 25))
    _handoff(l8, rep, assigned_at=at(3, 25), decision=Decision.ACCEPTED, touched_after=8 * HOUR)

    l6 = lead("L6", at(2, 20), webinar, search, company_id=smb.pk)
    _handoff(l6, rep, assigned_at=at(2, 20), decision=Decision.ACCEPTED, touched_after=HOUR)

    l7 = lead("L7", None, webinar, webinar)

    leads = {"L1": l1, "L2": l2, "L3": l3, "L4": l4, "L5": l5, "L6": l6, "L7": l7, "L8": l8}
    return Funnel(webinar=webinar, search=search, leads=leads, agreement=agreement)
