"""Plan periods: a calendar month or quarter, named by its first day."""

import datetime as dt

from django.db import models

from tandem.core.errors import DomainError
from tandem.core.time import add_months

NOT_A_MONTH_START = "A monthly plan starts on the first day of a month; {day} is not one."
NOT_A_QUARTER_START = (
    "A quarterly plan starts on the first day of a quarter (1 January, 1 April, 1 July or "
    "1 October); {day} is not one."
)


class PeriodKind(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


MONTHS_OF = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3}


def period_bounds(kind: str, starts_on: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the period of `kind` starting on `starts_on`."""
    if starts_on.day != 1:
        raise DomainError(NOT_A_MONTH_START.format(day=starts_on), fields={"starts_on": "not 1st"})
    if kind == PeriodKind.QUARTER and starts_on.month % 3 != 1:
        raise DomainError(
            NOT_A_QUARTER_START.format(day=starts_on), fields={"starts_on": "not a quarter start"}
        )
    after = add_months(starts_on, MONTHS_OF[PeriodKind(kind)])
    return starts_on, after - dt.timedelta(days=1)


def current_period_start(kind: str, today: dt.date) -> dt.date:
    """The first day of the month or quarter `today` falls in."""
    month = today.month if kind == PeriodKind.MONTH else today.month - (today.month - 1) % 3
    return dt.date(today.year, month, 1)


def period_name(kind: str, starts_on: dt.date) -> str:
    if kind == PeriodKind.QUARTER:
        return f"Q{(starts_on.month - 1) // 3 + 1} {starts_on.year}"
    return starts_on.strftime("%B %Y")
