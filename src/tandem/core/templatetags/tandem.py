"""Template helpers shared by every page: `{% load tandem %}`."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import template
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from tandem.core.roles import MANAGES_FORMS, MANAGES_SOURCES
from tandem.core.time import now, organisation_zone
from tandem.people.queries import role_of

register = template.Library()

NO_TEAM = "No team"


@register.simple_tag
def role_label(user: AbstractBaseUser | AnonymousUser) -> str:
    """The user's role as people read it, e.g. "Sales rep"."""
    role = role_of(user)
    return role.label if role is not None else NO_TEAM


@register.filter
def person(user: AbstractBaseUser | None) -> str:
    """A person's full name, or their username when they gave no name."""
    if user is None:
        return ""
    full_name: str = getattr(user, "get_full_name", lambda: "")()
    return full_name or user.get_username()


@register.filter
def percent(share: float | None) -> str:
    """0.4567 as "45.7%"; a share that cannot be computed as an em dash."""
    if share is None:
        return "—"
    return f"{share * 100:.1f}%"


@register.filter
def get_item(mapping: Mapping[str, Any], key: str) -> Any:
    """`mapping[key]`: templates cannot index a dictionary by a computed key."""
    return mapping[key]


@register.simple_tag(name="organisation_zone")
def organisation_zone_name() -> str:
    """The name of the organisation's time zone, e.g. "Europe/Paris"."""
    return organisation_zone().key


@register.simple_tag
def manages_sources(user: AbstractBaseUser | AnonymousUser) -> bool:
    return role_of(user) in MANAGES_SOURCES


@register.simple_tag
def manages_forms(user: AbstractBaseUser | AnonymousUser) -> bool:
    return role_of(user) in MANAGES_FORMS


@register.filter
def is_past(moment: dt.datetime | None) -> bool:
    """Whether `moment` has passed: a deadline shown as missed."""
    return moment is not None and moment < now()
