"""The shapes of a demo plan: plain values with explicit keys, and the fixed cast of people.

Both writers turn these into the same rows: a company or campaign is named by its `key` (its
position in the plan), a person by username, a lead's company and campaigns by their keys.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tandem.core.roles import Role, TeamKind
from tandem.leads.funnel import MAIN_INDEX

# About eighteen months of history before `today`.
HISTORY_DAYS = 548
DAY = 86_400

SEGMENT_SMB = "SMB"
SEGMENT_MID_MARKET = "Mid-market"
SEGMENT_ENTERPRISE = "Enterprise"
ALL_SEGMENTS = "All segments"


@dataclass(frozen=True, slots=True)
class TeamPlan:
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class PersonPlan:
    username: str
    first_name: str
    last_name: str
    team: str
    role: str

    @property
    def email(self) -> str:
        return f"{self.username}@tandem-demo.example"


TEAMS = (
    TeamPlan(name="Marketing", kind=TeamKind.MARKETING),
    TeamPlan(name="Sales", kind=TeamKind.SALES),
    TeamPlan(name="Leadership", kind=TeamKind.LEADERSHIP),
)
PEOPLE = (
    PersonPlan("maria.marketer", "Maria", "Marketer", "Marketing", Role.MARKETER),
    PersonPlan("lena.lead", "Lena", "Lead", "Marketing", Role.MARKETING_LEAD),
    PersonPlan("sam.rep", "Sam", "Rep", "Sales", Role.SALES_REP),
    PersonPlan("riley.rep", "Riley", "Rep", "Sales", Role.SALES_REP),
    PersonPlan("morgan.manager", "Morgan", "Manager", "Sales", Role.SALES_MANAGER),
    PersonPlan("erin.exec", "Erin", "Exec", "Leadership", Role.EXECUTIVE),
    PersonPlan("ada.admin", "Ada", "Admin", "Leadership", Role.ADMIN),
)
MARKETERS = ("maria.marketer", "lena.lead")
# Who works the leads sales accepts; the manager keeps a share of the biggest accounts.
OWNERS = ("sam.rep", "riley.rep", "morgan.manager")
OWNER_WEIGHTS = {
    SEGMENT_SMB: (50, 50, 0),
    SEGMENT_MID_MARKET: (45, 45, 10),
    SEGMENT_ENTERPRISE: (25, 25, 50),
}


@dataclass(frozen=True, slots=True)
class CompanyPlan:
    key: int
    name: str
    domain: str
    segment: str
    industry: str
    employee_count: int
    country: str


@dataclass(frozen=True, slots=True)
class CampaignPlan:
    key: int
    name: str
    utm_key: str
    channel: str
    audience_segment: str
    starts_on: dt.date
    ends_on: dt.date
    owner: str


@dataclass(frozen=True, slots=True, eq=False)
class EventKind:
    """One kind of activity; events share these, so a million events hold few dicts."""

    type: str
    name: str
    properties: dict[str, Any]


@dataclass(slots=True)
class EventPlan:
    kind: EventKind
    occurred_at: dt.datetime
    received_at: dt.datetime
    campaign: int | None


@dataclass(slots=True)
class StageChangePlan:
    from_stage: str
    to_stage: str
    at: dt.datetime
    # A username, or None for the system (then `actor_label` says which part of it).
    actor: str | None
    actor_label: str
    reason: str


@dataclass(slots=True)
class DealPlan:
    name: str
    amount: Decimal
    currency: str
    stage: str
    opened_on: dt.date
    closed_on: dt.date | None
    lost_reason: str
    owner: str | None


@dataclass(slots=True)
class LeadPlan:
    key: int
    email: str
    first_name: str
    last_name: str
    job_title: str
    country: str
    company: int
    source: str
    first_touch: int | None
    last_touch: int | None
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_term: str
    utm_content: str
    landing_page: str
    owner: str | None
    changes: list[StageChangePlan] = field(default_factory=list)
    deal: DealPlan | None = None
    events: list[EventPlan] = field(default_factory=list)

    @property
    def stage(self) -> str:
        return self.changes[-1].to_stage

    @property
    def stage_changed_at(self) -> dt.datetime:
        return self.changes[-1].at

    @property
    def furthest_stage(self) -> str:
        """The last main-path stage the lead got to."""
        main = [change.to_stage for change in self.changes if change.to_stage in MAIN_INDEX]
        return max(main, key=MAIN_INDEX.__getitem__)
