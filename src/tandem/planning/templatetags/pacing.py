"""Filters for the planning pages: fractions as numbers and shares, and pace bars."""

from dataclasses import dataclass
from fractions import Fraction

from django import template

from tandem.planning.pacing import Pace

register = template.Library()
BAR_WIDTH = 240


@register.filter
def tenths(value: Fraction | float | int | None) -> str:
    """12.345 as "12.3", and a whole number without decimals."""
    if value is None:
        return "—"
    number = float(value)
    return f"{number:,.0f}" if number == int(number) else f"{number:,.1f}"


@register.filter
def share(value: Fraction | float | None) -> str:
    """A share as a whole percent, e.g. "42%"."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.0f}%"


@dataclass(frozen=True)
class Bar:
    """Widths, in pixels, of a pace drawn to one scale: the actual so far, the forecast, the
    plan for the whole window, and a tick where the plan stands today."""

    actual: float
    forecast: float
    planned: float
    planned_to_date: float
    width: int = BAR_WIDTH


@register.filter
def pace_bar(pace: Pace) -> Bar:
    scale = max(pace.planned, pace.forecast, pace.actual, 1)

    def width(value: Fraction | int) -> float:
        return round(float(value) / scale * BAR_WIDTH, 1)

    return Bar(
        actual=width(pace.actual),
        forecast=width(pace.forecast),
        planned=width(pace.planned),
        planned_to_date=width(pace.planned_to_date),
    )
