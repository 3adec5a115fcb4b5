"""Time helpers. All times are stored in UTC; periods are counted in the organisation's zone."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def organisation_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of the month that `moment` falls in, in the organisation's time zone."""
    local = moment.astimezone(organisation_zone())
    return local.date().replace(day=1)


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the organisation's time zone, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=organisation_zone())


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from `first` to `last`, both included; empty when `last` is before `first`."""
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months
