"""Business hours: counted on the local clock of the agreement's zone, only on working days,
right across nights, weekends and daylight-saving changes. Each case is worked by hand."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.agreement.rules import BusinessHours
from tandem.core.business_hours import add_business_hours, business_hours_between

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = [1, 2, 3, 4, 5]


def hours(zone: str = "Europe/Berlin", days: list[int] = WEEKDAYS, opens: str = "09:00",
          closes: str = "17:00") -> BusinessHours:  # fmt: skip
    return BusinessHours.model_validate(
        {"time_zone": zone, "days": days, "starts_at": opens, "ends_at": closes}
    )


def berlin(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=BERLIN)


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("start", "added", "expected"),
    [
        # Monday 23 November 2026, Berlin in winter time (UTC+1).
        pytest.param(berlin(2026, 11, 23, 10), 3, berlin(2026, 11, 23, 13), id="within a day"),
        pytest.param(berlin(2026, 11, 23, 15), 4, berlin(2026, 11, 24, 11), id="over a night"),
        pytest.param(berlin(2026, 11, 27, 16), 8, berlin(2026, 11, 30, 16), id="over a weekend"),
        pytest.param(berlin(2026, 11, 28, 12), 1, berlin(2026, 11, 30, 10), id="from a Saturday"),
        pytest.param(berlin(2026, 11, 23, 7), 1, berlin(2026, 11, 23, 10), id="before opening"),
        pytest.param(berlin(2026, 11, 23, 18), 1, berlin(2026, 11, 24, 10), id="after closing"),
        pytest.param(berlin(2026, 11, 23, 9), 8, berlin(2026, 11, 23, 17), id="to the closing"),
        pytest.param(berlin(2026, 11, 23, 10), 0.25, berlin(2026, 11, 23, 10, 15), id="fraction"),
        pytest.param(berlin(2026, 11, 23, 10), 40, berlin(2026, 11, 30, 10), id="a whole week"),
    ],
)
def test_hours_are_added_on_working_days_within_opening_hours(
    start: dt.datetime, added: float, expected: dt.datetime
) -> None:
    assert add_business_hours(start, added, hours()) == expected


def test_a_weekend_with_the_spring_change_moves_the_deadline_an_hour_earlier_in_utc() -> None:
    # Friday 27 March 2026 16:00 CET is 15:00 UTC; the clocks go forward on Sunday 29 March, so
    # Monday's 16:00 is CEST, 14:00 UTC: 1 hour on Friday and 7 on Monday.
    friday = utc(2026, 3, 27, 15)

    deadline = add_business_hours(friday, 8, hours())

    assert deadline == utc(2026, 3, 30, 14)
    assert deadline.astimezone(BERLIN).hour == 16


def test_a_weekend_with_the_autumn_change_moves_the_deadline_an_hour_later_in_utc() -> None:
    # Friday 23 October 2026 16:00 CEST is 14:00 UTC; the clocks go back on Sunday 25 October, so
    # Monday's 16:00 is CET, 15:00 UTC.
    friday = utc(2026, 10, 23, 14)

    deadline = add_business_hours(friday, 8, hours())

    assert deadline == utc(2026, 10, 26, 15)
    assert deadline.astimezone(BERLIN).hour == 16


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # 6 March 2026 16:00 EST (UTC-5) → Monday 9 March 10:00 EDT (UTC-4), after the change on
        # Sunday 8 March.
        pytest.param(utc(2026, 3, 6, 21), utc(2026, 3, 9, 14), id="spring"),
        # 30 October 2026 16:00 EDT → Monday 2 November 10:00 EST, after the change on 1 November.
        pytest.param(utc(2026, 10, 30, 20), utc(2026, 11, 2, 15), id="autumn"),
    ],
)
def test_new_york_weekends_with_a_change_keep_local_opening_hours(
    start: dt.datetime, expected: dt.datetime
) -> None:
    assert add_business_hours(start, 2, hours("America/New_York")) == expected


@pytest.mark.parametrize(
    ("day", "worked"),
    [
        # 00:00 CET is 23:00 UTC the day before; 06:00 CEST is 04:00 UTC: five real hours.
        pytest.param(dt.date(2026, 3, 29), 5.0, id="spring night"),
        # 00:00 CEST is 22:00 UTC the day before; 06:00 CET is 05:00 UTC: seven real hours.
        pytest.param(dt.date(2026, 10, 25), 7.0, id="autumn night"),
        pytest.param(dt.date(2026, 11, 22), 6.0, id="an ordinary night"),
    ],
)
def test_a_window_spanning_the_change_counts_the_hours_really_worked(
    day: dt.date, worked: float
) -> None:
    night_shift = hours(days=[1, 2, 3, 4, 5, 6, 7], opens="00:00", closes="06:00")
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=BERLIN)
    six = dt.datetime.combine(day, dt.time(6), tzinfo=BERLIN)

    assert business_hours_between(midnight, six, night_shift) == worked
    assert add_business_hours(midnight, worked, night_shift) == six


def test_an_opening_the_clock_skips_moves_forward_by_the_jump() -> None:
    # On 29 March 2026 Berlin's clocks jump from 02:00 to 03:00, so 02:30 never shows; the
    # window opens an hour later, at 03:30 CEST (01:30 UTC), and runs to 04:00 CEST.
    early = hours(days=[7], opens="02:30", closes="04:00")

    assert business_hours_between(utc(2026, 3, 28, 12), utc(2026, 3, 29, 12), early) == 0.5
    assert add_business_hours(utc(2026, 3, 28, 12), 0, early) == utc(2026, 3, 29, 1, 30)


def test_the_local_date_decides_the_day_not_the_utc_date() -> None:
    # 23:30 UTC on Monday is 08:30 on Tuesday in Tokyo: counting starts at Tuesday's opening.
    tokyo = hours("Asia/Tokyo")

    assert add_business_hours(utc(2026, 11, 23, 23, 30), 1, tokyo) == utc(2026, 11, 24, 1)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(berlin(2026, 11, 27, 16), berlin(2026, 11, 30, 10), 2.0, id="weekend"),
        pytest.param(berlin(2026, 11, 28, 8), berlin(2026, 11, 29, 20), 0.0, id="all closed"),
        pytest.param(berlin(2026, 11, 23, 8), berlin(2026, 11, 23, 20), 8.0, id="whole day"),
        pytest.param(berlin(2026, 11, 23, 12), berlin(2026, 11, 23, 10), 0.0, id="backwards"),
        pytest.param(berlin(2026, 11, 23, 16, 30), berlin(2026, 11, 24, 9, 45), 1.25, id="night"),
    ],
)
def test_hours_between_count_only_the_open_time(
    start: dt.datetime, end: dt.datetime, expected: float
) -> None:
    assert business_hours_between(start, end, hours()) == expected


def test_answers_are_in_utc() -> None:
    deadline = add_business_hours(berlin(2026, 11, 23, 10), 1, hours())
    assert deadline.tzinfo is dt.UTC


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_business_hours(dt.datetime(2026, 11, 23, 10), 1, hours())  # noqa: DTZ001
    with pytest.raises(ValueError, match="aware"):
        business_hours_between(utc(2026, 11, 23), dt.datetime(2026, 11, 24), hours())  # noqa: DTZ001


def test_negative_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_hours(utc(2026, 11, 23), -1, hours())


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


@st.composite
def specs(draw: st.DrawFn) -> BusinessHours:
    """Business hours in zones with daylight saving (Lord Howe's is half an hour) and without."""
    opens, closes = sorted(
        draw(st.lists(st.integers(0, 24 * 60 - 1), min_size=2, max_size=2, unique=True))
    )
    return hours(
        draw(st.sampled_from(ZONES)),
        days=sorted(draw(st.sets(st.integers(1, 7), min_size=1))),
        opens=f"{opens // 60:02d}:{opens % 60:02d}",
        closes=f"{closes // 60:02d}:{closes % 60:02d}",
    )


@given(
    start=st.datetimes(
        min_value=dt.datetime(2025, 1, 1),  # noqa: DTZ001 -- hypothesis takes naive bounds
        max_value=dt.datetime(2028, 12, 31),  # noqa: DTZ001
        timezones=st.just(dt.UTC),
    ),
    added=st.floats(min_value=0, max_value=200, allow_nan=False),
    spec=specs(),
)
def test_the_hours_between_a_start_and_the_hours_added_to_it_are_those_hours(
    start: dt.datetime, added: float, spec: BusinessHours
) -> None:
    end = add_business_hours(start, added, spec)

    assert end >= start
    assert business_hours_between(start, end, spec) == pytest.approx(added, abs=1e-6)
