"""A deterministic plan of a realistic B2B funnel, as plain data.

Everything comes from `random.Random` seeded with the plan's seed, and every time is placed
before `today`, so the same seed and day give the same plan, row for row. People, teams,
companies and campaigns are built up front (they are few); leads, with their stage histories,
deals and events, are produced lazily in chunks so a million leads never sit in memory at once.

What makes it look like a business:
- leads arrive on weekdays more than weekends, in business hours, with slow growth over the
  eighteen months and dips in August and December;
- each stage converts to the next at roughly the usual B2B rates (inquiry to lead 60%, lead to
  MQL 35%, MQL to SAL 70%, SAL to SQL 50%, SQL to opportunity 70%, opportunity to customer 25%),
  moved up or down by the lead's channel, job title and company segment, after delays of hours
  (MQL accepted) to months (enterprise deals);
- leads that do not move on stay where they are, are recycled or are disqualified, with a
  reason; some recycled leads come back as MQLs;
- a lead whose next step would fall after `today` is still open at its current stage;
- leads that go further have more events, more of them on the pricing page, and later ones.
"""

import datetime as dt
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from tandem.campaigns.models import Channel
from tandem.core.demo import vocabulary as words
from tandem.core.demo.history import LeadMaker, cumulative
from tandem.core.demo.records import (
    ALL_SEGMENTS,
    HISTORY_DAYS,
    MARKETERS,
    PEOPLE,
    SEGMENT_ENTERPRISE,
    SEGMENT_MID_MARKET,
    SEGMENT_SMB,
    TEAMS,
    CampaignPlan,
    CompanyPlan,
    LeadPlan,
    PersonPlan,
    TeamPlan,
)
from tandem.core.time import add_months

DEFAULT_SEED = 2718


def _slug(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


@dataclass(frozen=True)
class Plan:
    """Everything the demo writes. Leads are produced on demand by `lead_chunks`."""

    seed: int
    today: dt.date
    lead_count: int
    teams: tuple[TeamPlan, ...]
    people: tuple[PersonPlan, ...]
    companies: tuple[CompanyPlan, ...]
    campaigns: tuple[CampaignPlan, ...]

    @property
    def cutoff(self) -> dt.datetime:
        """Midnight (UTC) at the start of `today`: nothing in the plan happens from then on."""
        return dt.datetime.combine(self.today, dt.time.min, tzinfo=dt.UTC)

    def leads(self) -> Iterator[LeadPlan]:
        return LeadMaker(
            seed=self.seed,
            today=self.today,
            lead_count=self.lead_count,
            companies=self.companies,
            campaigns=self.campaigns,
        ).leads()

    def lead_chunks(self, size: int) -> Iterator[list[LeadPlan]]:
        """The leads in lists of at most `size`; the same leads whatever the size."""
        leads = self.leads()
        while chunk := list(itertools.islice(leads, size)):
            yield chunk


def make_plan(*, leads: int, today: dt.date, seed: int = DEFAULT_SEED) -> Plan:
    """The plan of `leads` leads for `seed`, with history up to (not including) `today`."""
    rng = random.Random(f"{seed}:reference")  # noqa: S311 -- reproducible data, not secrets
    return Plan(
        seed=seed,
        today=today,
        lead_count=leads,
        teams=TEAMS,
        people=PEOPLE,
        companies=_make_companies(rng, count=max(10, leads // 4)),
        campaigns=_make_campaigns(today),
    )


def _make_companies(rng: random.Random, *, count: int) -> tuple[CompanyPlan, ...]:
    industries = [name for name, _ in words.INDUSTRIES]
    industry_weights = cumulative([weight for _, weight in words.INDUSTRIES])
    countries = [code for code, _ in words.COUNTRIES]
    country_weights = cumulative([weight for _, weight in words.COUNTRIES])
    taken: set[str] = set()
    companies = []
    for key in range(count):
        name = (
            rng.choice(words.COMPANY_PREFIXES)
            + rng.choice(words.COMPANY_ROOTS)
            + " "
            + rng.choice(words.COMPANY_KINDS)
        )
        domain = _slug(name)
        suffix = 1
        while f"{domain}.example" in taken:
            suffix += 1
            domain = f"{_slug(name)}-{suffix}"
        taken.add(f"{domain}.example")
        draw = rng.random()
        if draw < 0.6:
            segment, employees = SEGMENT_SMB, int(math.exp(rng.uniform(math.log(8), math.log(199))))
        elif draw < 0.9:
            segment, employees = SEGMENT_MID_MARKET, rng.randint(200, 1_999)
        else:
            segment = SEGMENT_ENTERPRISE
            employees = int(math.exp(rng.uniform(math.log(2_000), math.log(120_000))))
        companies.append(
            CompanyPlan(
                key=key,
                name=name,
                domain=f"{domain}.example",
                segment=segment,
                industry=rng.choices(industries, cum_weights=industry_weights)[0],
                employee_count=employees,
                country=rng.choices(countries, cum_weights=country_weights)[0],
            )
        )
    return tuple(companies)


def _month_starts(first: dt.date, last: dt.date, *, step: int = 1) -> Iterator[dt.date]:
    """The first days of every `step`-th month from `first`'s month (a quarter's, for 3)."""
    month = first.replace(day=1, month=(first.month - 1) // step * step + 1)
    while month <= last:
        yield month
        month = add_months(month, step)


def _make_campaigns(today: dt.date) -> tuple[CampaignPlan, ...]:
    """The marketing calendar: always-on channels by quarter, a newsletter and a webinar each
    month, a trade show each quarter. It depends only on `today`."""
    first = today - dt.timedelta(days=HISTORY_DAYS + 31)
    last = today - dt.timedelta(days=1)
    rows: list[tuple[str, str, str, str, dt.date, dt.date]] = []
    for number, start in enumerate(_month_starts(first, last, step=3)):
        ends_on = add_months(start, 3) - dt.timedelta(days=1)
        quarter = f"Q{(start.month - 1) // 3 + 1} {start.year}"
        key = f"{start.year}-q{(start.month - 1) // 3 + 1}"
        focus = SEGMENT_MID_MARKET if number % 2 else SEGMENT_ENTERPRISE
        show, show_slug = words.TRADE_SHOWS[number % len(words.TRADE_SHOWS)]
        show_day = start + dt.timedelta(days=45)
        rows += [
            (f"Paid search: brand ({quarter})", f"{key}-search-brand", Channel.PAID_SEARCH,
             ALL_SEGMENTS, start, ends_on),
            (f"Paid search: category ({quarter})", f"{key}-search-category",
             Channel.PAID_SEARCH, ALL_SEGMENTS, start, ends_on),
            (f"LinkedIn ads: {focus} ({quarter})", f"{key}-linkedin", Channel.PAID_SOCIAL,
             focus, start, ends_on),
            (f"Retargeting display ({quarter})", f"{key}-display", Channel.DISPLAY,
             SEGMENT_SMB, start, ends_on),
            (f"Partner referrals ({quarter})", f"{key}-partners", Channel.PARTNER,
             ALL_SEGMENTS, start, ends_on),
            (f"Social posts ({quarter})", f"{key}-social", Channel.SOCIAL, ALL_SEGMENTS,
             start, ends_on),
            (f"{show} {start.year} booth", f"{key}-{show_slug}", Channel.EVENT, focus,
             show_day, show_day + dt.timedelta(days=2)),
        ]  # fmt: skip
    for number, month in enumerate(_month_starts(first, last)):
        label = f"{month:%B %Y}"
        topic, topic_slug = words.WEBINAR_TOPICS[number % len(words.WEBINAR_TOPICS)]
        month_end = add_months(month, 1)
        rows += [
            (f"Newsletter: {label}", f"{month:%Y-%m}-newsletter", Channel.EMAIL, ALL_SEGMENTS,
             month, month_end - dt.timedelta(days=1)),
            (f"Webinar: {topic} ({label})", f"{month:%Y-%m}-webinar-{topic_slug}",
             Channel.WEBINAR, SEGMENT_MID_MARKET if number % 2 else SEGMENT_SMB, month,
             month + dt.timedelta(days=23)),
        ]  # fmt: skip
    rows.sort(key=lambda row: (row[4], row[1]))
    return tuple(
        CampaignPlan(
            key=key,
            name=name,
            utm_key=utm_key,
            channel=channel,
            audience_segment=segment,
            starts_on=starts_on,
            ends_on=ends_on,
            owner=MARKETERS[key % len(MARKETERS)],
        )
        for key, (name, utm_key, channel, segment, starts_on, ends_on) in enumerate(rows)
    )
