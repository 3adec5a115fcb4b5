"""Counting business hours: the hours a team is at work, in its own time zone.

Service levels are promised in business hours ("accept within 8 business hours"), so a lead that
arrives on Friday evening is not late on Saturday morning. The hours are the agreement's
`BusinessHours`: a time zone, the ISO weekdays worked, and one opening and closing time a day.

How the counting goes:
- Each working day has one window, from its opening to its closing time on the local clock.
  The window is turned into UTC instants on that day, so a daylight-saving change is counted as
  the clock on the wall has it: a window of 09:00 to 17:00 is eight real hours on either side of
  the change, and a window that spans the change itself is an hour shorter (spring) or longer
  (autumn) than its clock times suggest, because that is how long people actually worked.
- A time the clock skips (02:30 on a spring-forward night) is moved forward by the length of
  the jump, as calendars do: it becomes 03:30. A time the clock shows twice (on the autumn night)
  is its first occurrence.
- Time outside every window does not count: a start at night begins at the next opening.
- Every datetime going in must be aware; every datetime coming out is in UTC.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Protocol
from zoneinfo import ZoneInfo

NAIVE = "{name} must be an aware datetime (with a time zone), got {value}."
NEGATIVE = "Business hours to add cannot be negative, got {hours}."


class HoursSpec(Protocol):
    """What the counting reads of `agreement.rules.BusinessHours`."""

    @property
    def time_zone(self) -> str: ...

    @property
    def days(self) -> Sequence[int]: ...

    @property
    def starts_at(self) -> dt.time: ...

    @property
    def ends_at(self) -> dt.time: ...


def _check_aware(name: str, value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(NAIVE.format(name=name, value=value.isoformat()))


def _windows(first_day: dt.date, spec: HoursSpec) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The working windows from `first_day` on (local dates), as (opening, closing) in UTC."""
    zone = ZoneInfo(spec.time_zone)
    days = frozenset(spec.days)
    day = first_day
    while True:
        if day.isoweekday() in days:
            opening = dt.datetime.combine(day, spec.starts_at, tzinfo=zone).astimezone(dt.UTC)
            closing = dt.datetime.combine(day, spec.ends_at, tzinfo=zone).astimezone(dt.UTC)
            # Both ends inside a skipped hour can fall out of order; such a day has no window.
            if closing > opening:
                yield opening, closing
        day += dt.timedelta(days=1)


def _local_date(moment: dt.datetime, spec: HoursSpec) -> dt.date:
    return moment.astimezone(ZoneInfo(spec.time_zone)).date()


def add_business_hours(start: dt.datetime, hours: float, hours_spec: HoursSpec) -> dt.datetime:
    """The moment `hours` business hours have passed after `start`, in UTC.

    A start outside business hours begins counting at the next opening. When the hours run out
    exactly at a closing time, that closing time is the answer (not the next opening).
    """
    _check_aware("start", start)
    if hours < 0:
        raise ValueError(NEGATIVE.format(hours=hours))
    # Counted in whole microseconds, so the answer is exact and `business_hours_between` of it
    # gives `hours` back.
    remaining = dt.timedelta(hours=hours)
    start = start.astimezone(dt.UTC)
    for opening, closing in _windows(_local_date(start, hours_spec), hours_spec):
        if closing <= start:
            continue
        cursor = max(opening, start)
        if cursor + remaining <= closing:
            return cursor + remaining
        remaining -= closing - cursor
    raise AssertionError("unreachable: the windows never end")  # pragma: no cover


def business_hours_between(start: dt.datetime, end: dt.datetime, hours_spec: HoursSpec) -> float:
    """How many business hours lie between `start` and `end`; 0 when `end` is not later."""
    _check_aware("start", start)
    _check_aware("end", end)
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    if end <= start:
        return 0.0
    total = dt.timedelta()
    for opening, closing in _windows(_local_date(start, hours_spec), hours_spec):
        if opening >= end:
            break
        overlap = min(closing, end) - max(opening, start)
        if overlap > dt.timedelta():
            total += overlap
    return total / dt.timedelta(hours=1)
