"""Template helpers of the dashboard: `{% load dashboard %}`."""

import datetime as dt

from django import template

register = template.Library()


@register.filter
def heading(column: str) -> str:
    """A CSV column name as a table heading: "mql_to_won" as "Mql to won"."""
    return column.replace("_", " ").capitalize()


@register.filter
def hours(duration: dt.timedelta | None) -> str:
    """A duration in hours, or in days past two days; an em dash for none."""
    if duration is None:
        return "—"
    seconds = duration.total_seconds()
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} days"
    return f"{seconds / 3600:.1f} h"
