"""What-if: replay a draft or proposed version over the last months of real activity."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tandem.agreement.models import AgreementVersion

DEFAULT_MONTHS = 12
MAX_MONTHS = 36


@dataclass(frozen=True)
class Outcomes:
    """Leads that would have become MQL, and how they actually went on."""

    mqls: int
    accepted: int
    sql: int
    won: int
    revenue: Decimal


@dataclass(frozen=True)
class WhatIfRow:
    # "2026-03" for a month row, the segment's name (or "No segment") for a segment row.
    key: str
    proposal: Outcomes
    # None when no version is active to compare with.
    active: Outcomes | None


@dataclass(frozen=True)
class WhatIf:
    version_number: int
    active_number: int | None
    months: int
    starts_on: dt.date
    ends_on: dt.date
    total: WhatIfRow
    by_month: list[WhatIfRow]
    by_segment: list[WhatIfRow]
    leads_replayed: int
    events_replayed: int


def what_if(*, version: AgreementVersion, months: int = DEFAULT_MONTHS) -> WhatIf:
    raise NotImplementedError
