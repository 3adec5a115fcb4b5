"""How each demo lead moves through the funnel, and what it does on the way.

`LeadMaker` makes the plan's leads one by one, in the order they arrived, from a random
generator seeded by the plan's seed alone, so chunking never changes the leads.
"""

import bisect
import datetime as dt
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TypedDict

from tandem.campaigns.models import Channel
from tandem.core.demo import vocabulary as words
from tandem.core.demo.activity import (
    BROWSING_PAGES,
    CONTACT_FORM,
    CONVERTER_ACTIVITY,
    DEMO_FORM,
    EBOOK_FORM,
    EMAIL_CLICK,
    LATENCY,
    OTHER_ACTIVITY,
    WEBINAR_ATTENDED,
    WEBINAR_FORM,
    landing_view,
)
from tandem.core.demo.records import (
    DAY,
    HISTORY_DAYS,
    MARKETERS,
    OWNER_WEIGHTS,
    OWNERS,
    SEGMENT_ENTERPRISE,
    SEGMENT_MID_MARKET,
    SEGMENT_SMB,
    CampaignPlan,
    CompanyPlan,
    DealPlan,
    EventKind,
    EventPlan,
    LeadPlan,
    StageChangePlan,
)
from tandem.leads.funnel import MAIN_INDEX, MAIN_PATH
from tandem.leads.models import DealStage, Stage

# Chance of moving on to the next stage, before the lead's own factors.
BASE_CONVERSION = {
    Stage.INQUIRY: 0.60,
    Stage.LEAD: 0.35,
    Stage.MQL: 0.70,
    Stage.SAL: 0.50,
    Stage.SQL: 0.70,
    Stage.OPPORTUNITY: 0.25,
}
# Median days to the next stage (lognormal around it), and the spread.
MEDIAN_DELAY_DAYS = {
    Stage.INQUIRY: (0.6, 1.0),
    Stage.LEAD: (12.0, 0.8),
    Stage.MQL: (0.8, 0.9),
    Stage.SAL: (7.0, 0.7),
    Stage.SQL: (10.0, 0.6),
}
SALES_CYCLE_DAYS = {SEGMENT_SMB: 24.0, SEGMENT_MID_MARKET: 45.0, SEGMENT_ENTERPRISE: 85.0}
WIN_RATE_FACTOR = {SEGMENT_SMB: 1.15, SEGMENT_MID_MARKET: 1.0, SEGMENT_ENTERPRISE: 0.8}
MEDIAN_DEAL_AMOUNT = {SEGMENT_SMB: 9_000, SEGMENT_MID_MARKET: 42_000, SEGMENT_ENTERPRISE: 160_000}
# When a lead does not move on: (stay, recycle, disqualify) weights.
FAILURE_OUTCOMES = {
    Stage.INQUIRY: (55, 0, 45),
    Stage.LEAD: (82, 6, 12),
    Stage.MQL: (10, 55, 35),
    Stage.SAL: (20, 50, 30),
    Stage.SQL: (15, 55, 30),
}
# Share of recycled leads that re-engage and come back as MQLs, once.
COMEBACK_RATE = 0.18

CHANNEL_MIX = (
    (Channel.ORGANIC_SEARCH, 22),
    (Channel.PAID_SEARCH, 18),
    (Channel.PAID_SOCIAL, 10),
    (Channel.WEBINAR, 9),
    (Channel.EMAIL, 8),
    (Channel.DIRECT, 8),
    (Channel.EVENT, 7),
    (Channel.REFERRAL, 7),
    (Channel.PARTNER, 5),
    (Channel.DISPLAY, 4),
    (Channel.SOCIAL, 2),
)
CHANNEL_QUALITY = {
    Channel.ORGANIC_SEARCH: 1.0,
    Channel.PAID_SEARCH: 1.1,
    Channel.PAID_SOCIAL: 0.8,
    Channel.WEBINAR: 1.15,
    Channel.EMAIL: 0.9,
    Channel.DIRECT: 1.2,
    Channel.EVENT: 0.9,
    Channel.REFERRAL: 1.3,
    Channel.PARTNER: 1.35,
    Channel.DISPLAY: 0.6,
    Channel.SOCIAL: 0.85,
}
# Channels whose leads come through a campaign, and how many days after a campaign ends its
# leads keep arriving (event badge lists are imported days after the show).
CAMPAIGN_CHANNELS = {
    Channel.PAID_SEARCH: 0,
    Channel.PAID_SOCIAL: 0,
    Channel.WEBINAR: 7,
    Channel.EMAIL: 5,
    Channel.EVENT: 14,
    Channel.PARTNER: 0,
    Channel.DISPLAY: 0,
    Channel.SOCIAL: 0,
}
TITLE_GROUPS = (
    (words.DECISION_MAKER_TITLES, 20, 1.3),
    (words.PRACTITIONER_TITLES, 62, 1.0),
    (words.OTHER_TITLES, 18, 0.45),
)
# Average number of events by the furthest stage a lead reached.
EVENTS_BY_STAGE = {
    Stage.INQUIRY: 5.0,
    Stage.LEAD: 8.0,
    Stage.MQL: 14.0,
    Stage.SAL: 18.0,
    Stage.SQL: 22.0,
    Stage.OPPORTUNITY: 27.0,
    Stage.CUSTOMER: 34.0,
}
# Leads arrive in office hours (UTC, spread over the countries served).
HOUR_WEIGHTS = (1, 1, 1, 1, 2, 3, 5, 8, 11, 13, 14, 14, 13, 14, 15, 14, 12, 10, 7, 5, 4, 3, 2, 1)
MONTH_FACTOR = {1: 0.95, 3: 1.05, 7: 0.9, 8: 0.75, 9: 1.1, 10: 1.1, 11: 1.05, 12: 0.7}
WEEKDAY_FACTOR = (1.0, 1.05, 1.05, 1.0, 0.85, 0.3, 0.25)


def cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


class _Utm(TypedDict):
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_term: str
    utm_content: str
    landing_page: str


class LeadMaker:
    """Makes a plan's leads one by one, in the order they arrived."""

    def __init__(
        self,
        *,
        seed: int,
        today: dt.date,
        lead_count: int,
        companies: Sequence[CompanyPlan],
        campaigns: Sequence[CampaignPlan],
    ) -> None:
        self.rng = random.Random(f"{seed}:leads")  # noqa: S311 -- reproducible data
        self.lead_count = lead_count
        self.cutoff = dt.datetime.combine(today, dt.time.min, tzinfo=dt.UTC)
        self.first_day = today - dt.timedelta(days=HISTORY_DAYS)
        self.companies = companies
        # Bigger companies have more people who might raise a hand.
        self.company_weights = cumulative(
            [{SEGMENT_SMB: 1.0, SEGMENT_MID_MARKET: 2.0}.get(c.segment, 4.0) for c in companies]
        )
        self.channels = [channel for channel, _ in CHANNEL_MIX]
        self.channel_weights = cumulative([weight for _, weight in CHANNEL_MIX])
        self.title_weights = cumulative([weight for _, weight, _ in TITLE_GROUPS])
        self.hour_weights = cumulative(HOUR_WEIGHTS)
        self.lost_reasons = [reason for reason, _ in words.LOST_REASONS]
        self.lost_weights = cumulative([weight for _, weight in words.LOST_REASONS])
        self.campaigns = campaigns
        self.active = self._active_campaigns()

    def _active_campaigns(self) -> list[dict[str, list[int]]]:
        """For each day of the history, the campaigns that bring in leads, by channel."""
        days: list[dict[str, list[int]]] = []
        for offset in range(HISTORY_DAYS):
            day = self.first_day + dt.timedelta(days=offset)
            by_channel: dict[str, list[int]] = {}
            for campaign in self.campaigns:
                grace = dt.timedelta(days=CAMPAIGN_CHANNELS.get(Channel(campaign.channel), 0))
                if campaign.starts_on <= day <= campaign.ends_on + grace:
                    by_channel.setdefault(campaign.channel, []).append(campaign.key)
            days.append(by_channel)
        return days

    def _campaign_on(self, channel: str, moment: dt.datetime) -> int | None:
        offset = (moment.date() - self.first_day).days
        if not 0 <= offset < len(self.active):
            return None
        keys = self.active[offset].get(channel)
        if not keys:
            return None
        return keys[0] if len(keys) == 1 else self.rng.choice(keys)

    def _arrivals_per_day(self) -> list[int]:
        """How many leads arrive on each day, summing exactly to the plan's lead count."""
        weights = []
        for offset in range(HISTORY_DAYS):
            day = self.first_day + dt.timedelta(days=offset)
            growth = 1.0 + 0.7 * offset / HISTORY_DAYS
            weights.append(
                growth * MONTH_FACTOR.get(day.month, 1.0) * WEEKDAY_FACTOR[day.weekday()]
            )
        total = sum(weights)
        exact = [self.lead_count * weight / total for weight in weights]
        counts = [int(value) for value in exact]
        remainder = self.lead_count - sum(counts)
        by_fraction = sorted(range(HISTORY_DAYS), key=lambda i: (counts[i] - exact[i], i))
        for index in by_fraction[:remainder]:
            counts[index] += 1
        return counts

    def leads(self) -> Iterator[LeadPlan]:
        key = 0
        rng = self.rng
        for offset, count in enumerate(self._arrivals_per_day()):
            midnight = dt.datetime.combine(
                self.first_day + dt.timedelta(days=offset), dt.time.min, tzinfo=dt.UTC
            )
            seconds = sorted(
                rng.choices(range(24), cum_weights=self.hour_weights)[0] * 3600
                + rng.randrange(3600)
                for _ in range(count)
            )
            for second in seconds:
                yield self._lead(key, midnight + dt.timedelta(seconds=second))
                key += 1

    def _lead(self, key: int, arrived_at: dt.datetime) -> LeadPlan:
        rng = self.rng
        company = self.companies[
            bisect.bisect_left(self.company_weights, rng.random() * self.company_weights[-1])
        ]
        first_name = rng.choice(words.FIRST_NAMES)
        last_name = rng.choice(words.LAST_NAMES)
        titles, _, title_factor = TITLE_GROUPS[
            bisect.bisect_left(self.title_weights, rng.random() * self.title_weights[-1])
        ]
        channel = self.channels[
            bisect.bisect_left(self.channel_weights, rng.random() * self.channel_weights[-1])
        ]
        campaign = None
        if channel in CAMPAIGN_CHANNELS:
            campaign = self._campaign_on(channel, arrived_at)
            if campaign is None:
                channel = Channel.ORGANIC_SEARCH
        lead = LeadPlan(
            key=key,
            email=f"{first_name}.{last_name}.{key}@{company.domain}".lower(),
            first_name=first_name,
            last_name=last_name,
            job_title=rng.choice(titles),
            country=company.country,
            company=company.key,
            source=channel,
            first_touch=campaign,
            last_touch=campaign,
            owner=None,
            **self._utm(channel, campaign),
        )
        quality = CHANNEL_QUALITY[Channel(channel)] * title_factor
        form = self._entry(lead, channel, arrived_at)
        self._history(lead, company, quality, arrived_at)
        self._events(lead, form)
        return lead

    def _utm(self, channel: str, campaign: int | None) -> _Utm:
        rng = self.rng
        utm_key = self.campaigns[campaign].utm_key if campaign is not None else ""
        fields: _Utm = {
            "utm_source": "",
            "utm_medium": "",
            "utm_campaign": utm_key,
            "utm_term": "",
            "utm_content": "",
            "landing_page": f"/lp/{utm_key}" if utm_key else "/",
        }
        if channel == Channel.PAID_SEARCH:
            fields |= {
                "utm_source": "google" if rng.random() < 0.82 else "bing",
                "utm_medium": "cpc",
                "utm_term": rng.choice(words.SEARCH_TERMS),
                "utm_content": f"ad-{rng.randint(1, 6)}",
            }
        elif channel == Channel.PAID_SOCIAL:
            source = "linkedin" if rng.random() < 0.75 else "facebook"
            fields |= {"utm_source": source, "utm_medium": "paid_social"}
            fields["utm_content"] = f"creative-{rng.randint(1, 4)}"
        elif channel == Channel.SOCIAL:
            source = "linkedin" if rng.random() < 0.6 else "twitter"
            fields |= {"utm_source": source, "utm_medium": "social"}
        elif channel == Channel.EMAIL:
            content = rng.choice(("cta-top", "cta-bottom", "p-s"))
            fields |= {"utm_source": "newsletter", "utm_medium": "email", "utm_content": content}
        elif channel == Channel.WEBINAR:
            topic = utm_key.split("-webinar-", 1)[-1]
            fields |= {"utm_source": "website", "utm_medium": "webinar"}
            fields["landing_page"] = f"/webinars/{topic}"
        elif channel == Channel.EVENT:
            fields |= {"utm_source": "badge-scan", "utm_medium": "event", "landing_page": ""}
        elif channel == Channel.DISPLAY:
            fields |= {"utm_source": "display-network", "utm_medium": "display"}
        elif channel == Channel.PARTNER:
            fields |= {"utm_source": rng.choice(words.PARTNERS), "utm_medium": "referral"}
        elif channel == Channel.REFERRAL:
            fields |= {"utm_source": rng.choice(words.REFERRAL_SITES), "utm_medium": "referral"}
        elif channel == Channel.ORGANIC_SEARCH:
            _, slug = rng.choice(words.BLOG_POSTS)
            fields |= {"utm_source": "google", "utm_medium": "organic"}
            fields["landing_page"] = f"/blog/{slug}"
        elif channel == Channel.DIRECT:
            fields["landing_page"] = rng.choice(("/", "/", "/pricing", "/demo"))
        return fields

    def _entry(self, lead: LeadPlan, channel: str, at: dt.datetime) -> EventKind | None:
        """Append the ledger row the lead enters with; returns the form it filled in, if any."""
        draw = self.rng.random()
        form: EventKind | None
        if channel == Channel.EVENT and draw < 0.9:
            name = self.campaigns[lead.first_touch].name if lead.first_touch is not None else ""
            stage, label, reason, form = Stage.LEAD, "import", f"Badge scanned at {name}", None
        elif channel in (Channel.DIRECT, Channel.ORGANIC_SEARCH, Channel.REFERRAL) and draw < 0.12:
            stage, label, form = Stage.MQL, "tracking", DEMO_FORM
        elif draw < 0.05:
            stage, label, form = Stage.MQL, "tracking", CONTACT_FORM
        elif draw < 0.12 and channel != Channel.WEBINAR:
            stage, label, form = Stage.LEAD, "tracking", EBOOK_FORM
        else:
            form = WEBINAR_FORM if channel == Channel.WEBINAR else EBOOK_FORM
            if channel in (Channel.DIRECT, Channel.PAID_SEARCH) and draw > 0.7:
                form = CONTACT_FORM
            stage, label = Stage.INQUIRY, "tracking"
        if form is not None:
            reason = f"Form: {form.name}"
        lead.changes.append(StageChangePlan("", stage, at, None, label, reason))
        return form

    def _delay(self, median_days: float, spread: float) -> dt.timedelta:
        days = median_days * math.exp(self.rng.gauss(0.0, spread))
        return dt.timedelta(seconds=max(300, int(days * DAY)))

    def _history(
        self,
        lead: LeadPlan,
        company: CompanyPlan,
        quality: float,
        arrived_at: dt.datetime,
    ) -> None:
        rng = self.rng
        stage = Stage(lead.changes[0].to_stage)
        at = arrived_at
        came_back = False
        while stage != Stage.CUSTOMER:
            if stage == Stage.MQL and lead.owner is None:
                owners = OWNER_WEIGHTS[company.segment]
                lead.owner = rng.choices(OWNERS, weights=owners)[0]
            if stage == Stage.OPPORTUNITY:
                self._deal(lead, company, at, quality)
                return
            rate = BASE_CONVERSION[stage]
            if stage != Stage.INQUIRY:
                rate *= quality
            if stage == Stage.SAL and company.segment == SEGMENT_ENTERPRISE:
                rate *= 1.1
            median, spread = MEDIAN_DELAY_DAYS[stage]
            step = self._delay(median, spread)
            if rng.random() < min(rate, 0.95):
                if at + step >= self.cutoff:
                    return
                following = MAIN_PATH[MAIN_INDEX[stage] + 1]
                at += step
                actor, label, reason = self._move_actor(lead, following)
                lead.changes.append(StageChangePlan(stage, following, at, actor, label, reason))
                stage = following
                continue
            stay, recycle, _ = FAILURE_OUTCOMES[stage]
            draw = rng.random() * 100
            if draw < stay or at + step >= self.cutoff:
                return
            at += step
            actor = lead.owner if stage in (Stage.MQL, Stage.SAL, Stage.SQL) else None
            if draw < stay + recycle:
                label = "nurture" if actor is None else ""
                reason = rng.choice(words.RECYCLE_REASONS)
                lead.changes.append(
                    StageChangePlan(stage, Stage.RECYCLED, at, actor, label, reason)
                )
                comeback = at + self._delay(75.0, 0.5)
                if came_back or rng.random() >= COMEBACK_RATE or comeback >= self.cutoff:
                    return
                came_back = True
                reason = "Re-engaged: score crossed the MQL threshold again"
                lead.changes.append(
                    StageChangePlan(Stage.RECYCLED, Stage.MQL, comeback, None, "scoring", reason)
                )
                stage, at = Stage.MQL, comeback
                continue
            reasons = (
                words.DISQUALIFY_INQUIRY_REASONS
                if stage == Stage.INQUIRY
                else words.DISQUALIFY_REASONS
            )
            if actor is None and stage == Stage.LEAD:
                actor = MARKETERS[0]
            label = "enrichment" if actor is None else ""
            lead.changes.append(
                StageChangePlan(stage, Stage.DISQUALIFIED, at, actor, label, rng.choice(reasons))
            )
            return

    def _move_actor(self, lead: LeadPlan, to_stage: Stage) -> tuple[str | None, str, str]:
        if to_stage == Stage.LEAD:
            return None, "enrichment", "Verified business contact"
        if to_stage == Stage.MQL:
            return None, "scoring", "Score crossed the MQL threshold"
        if to_stage == Stage.SAL:
            return lead.owner, "", "Accepted by sales"
        if to_stage == Stage.SQL:
            return lead.owner, "", "Qualified on a discovery call"
        return lead.owner, "", "Opportunity opened"

    def _deal(
        self, lead: LeadPlan, company: CompanyPlan, opened_at: dt.datetime, quality: float
    ) -> None:
        """The lead's opportunity: won (the lead becomes a customer), lost (the lead is recycled
        or disqualified), or still open at `today`."""
        rng = self.rng
        segment = company.segment
        amount = MEDIAN_DEAL_AMOUNT[segment] * math.exp(rng.gauss(0.0, 0.45))
        plans = words.PLAN_NAMES
        plan_name = {SEGMENT_SMB: plans[0:2], SEGMENT_MID_MARKET: plans[1:3]}.get(
            segment, plans[3:]
        )
        deal = DealPlan(
            name=f"{company.name}: {rng.choice(plan_name)}",
            amount=Decimal(max(100, int(amount / 100) * 100)).quantize(Decimal("0.01")),
            currency="USD",
            stage=DealStage.QUALIFICATION,
            opened_on=opened_at.date(),
            closed_on=None,
            lost_reason="",
            owner=lead.owner,
        )
        lead.deal = deal
        cycle = SALES_CYCLE_DAYS[segment]
        closed_at = opened_at + self._delay(cycle, 0.5)
        won = rng.random() < BASE_CONVERSION[Stage.OPPORTUNITY] * WIN_RATE_FACTOR[segment] * (
            0.5 + quality / 2
        )
        if closed_at >= self.cutoff:
            elapsed = (self.cutoff - opened_at).total_seconds() / (cycle * DAY)
            deal.stage = (
                DealStage.QUALIFICATION
                if elapsed < 0.35
                else DealStage.PROPOSAL
                if elapsed < 0.7
                else DealStage.NEGOTIATION
            )
            return
        deal.closed_on = closed_at.date()
        if won:
            deal.stage = DealStage.WON
            lead.changes.append(
                StageChangePlan(
                    Stage.OPPORTUNITY,
                    Stage.CUSTOMER,
                    closed_at,
                    lead.owner,
                    "",
                    f"Deal won: {deal.name}",
                )
            )
            return
        deal.stage = DealStage.LOST
        deal.lost_reason = rng.choices(self.lost_reasons, cum_weights=self.lost_weights)[0]
        to_stage = Stage.DISQUALIFIED if rng.random() < 0.25 else Stage.RECYCLED
        lead.changes.append(
            StageChangePlan(
                Stage.OPPORTUNITY,
                to_stage,
                closed_at,
                lead.owner,
                "",
                f"Deal lost: {deal.lost_reason}",
            )
        )

    def _events(self, lead: LeadPlan, form: EventKind | None) -> None:
        """About ten events per lead on average: more, later and more pricing-minded for the
        leads that go further."""
        rng = self.rng
        furthest = max(MAIN_INDEX[c.to_stage] for c in lead.changes if c.to_stage in MAIN_INDEX)
        furthest_stage = MAIN_PATH[furthest]
        converts = furthest >= MAIN_INDEX[Stage.SAL]
        count = max(2, int(EVENTS_BY_STAGE[furthest_stage] * (0.4 + 1.2 * rng.random())))
        arrived_at = lead.changes[0].at
        last_change = lead.changes[-1].at
        if furthest_stage == Stage.CUSTOMER:
            end = self.cutoff
        elif converts:
            end = min(self.cutoff, last_change + dt.timedelta(days=rng.uniform(20, 90)))
        else:
            end = min(self.cutoff, last_change + dt.timedelta(days=rng.uniform(2, 25)))
        start = arrived_at - dt.timedelta(seconds=int(rng.random() * 10 * DAY))
        span = max(0.0, (end - start).total_seconds() - 1)
        # Converters' activity leans towards the end of their window, others' fades early.
        shape = 0.7 if converts else 1.8
        random_ = rng.random
        seconds = sorted(int(span * random_() ** shape) for _ in range(count - 2))
        moments = [start + dt.timedelta(seconds=second) for second in seconds]
        events = lead.events
        if lead.landing_page:
            landed_at = arrived_at - dt.timedelta(minutes=3)
            landing = landing_view(lead.landing_page)
            events.append(EventPlan(landing, landed_at, landed_at, lead.first_touch))
        if form is not None:
            events.append(EventPlan(form, arrived_at, arrived_at, lead.first_touch))
        activity = CONVERTER_ACTIVITY if converts else OTHER_ACTIVITY
        mql_at = next((c.at for c in lead.changes if c.to_stage == Stage.MQL), None)
        for moment in moments:
            kind = activity[int(random_() * len(activity))]
            campaign = None
            if kind is None:
                kind = BROWSING_PAGES[int(random_() * len(BROWSING_PAGES))]
            elif kind is EMAIL_CLICK:
                campaign = self._campaign_on(Channel.EMAIL, moment)
            elif kind is WEBINAR_ATTENDED:
                campaign = self._campaign_on(Channel.WEBINAR, moment)
                if campaign is None:
                    kind = WEBINAR_FORM
            events.append(EventPlan(kind, moment, moment + LATENCY[moment.second % 3], campaign))
            # Last touch: the latest campaign that reached the lead before it became an MQL.
            if campaign is not None and (mql_at is None or moment <= mql_at):
                lead.last_touch = campaign
        events.sort(key=lambda event: event.occurred_at)
