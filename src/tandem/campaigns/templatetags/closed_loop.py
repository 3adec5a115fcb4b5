"""Filters for showing closed-loop figures."""

import datetime as dt

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from tandem.campaigns.closed_loop import Revenue

register = template.Library()


@register.filter
def duration(span: dt.timedelta | None) -> str:
    """A speed to lead in the largest two units that matter: "3 d 4 h", "2 h 5 min", "40 s"."""
    if span is None:
        return "—"
    seconds = int(span.total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{seconds} s"


@register.filter
def money(revenue: list[Revenue]) -> str:
    """Amounts per currency, never added across currencies: "1,200.00 EUR · 500.00 USD"."""
    if not revenue:
        return "—"
    return " · ".join(f"{intcomma(f'{item.amount:.2f}')} {item.currency}" for item in revenue)
