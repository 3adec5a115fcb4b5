"""Template helpers for the agreement pages: `{% load agreement %}`."""

from django import template

from tandem.agreement.models import VersionStatus
from tandem.agreement.queries import Change
from tandem.core.roles import Role

register = template.Library()

# Badge colours borrowed from the lead stages: grey while written, amber while it waits for
# signatures, green in force, purple once replaced.
STATUS_BADGES = {
    VersionStatus.DRAFT: "stage stage-inquiry",
    VersionStatus.PROPOSED: "stage stage-opportunity",
    VersionStatus.ACTIVE: "stage stage-customer",
    VersionStatus.SUPERSEDED: "stage stage-recycled",
}
CHANGE_BADGES = {
    Change.ADDED: "deal deal-won",
    Change.REMOVED: "deal deal-lost",
    Change.CHANGED: "stage stage-opportunity",
    Change.SAME: "",
}


@register.filter
def status_badge(status: str) -> str:
    """The classes of a version status badge."""
    return STATUS_BADGES.get(VersionStatus(status), "stage")


@register.filter
def change_badge(change: str) -> str:
    """The classes of the badge that marks an added, removed or changed term."""
    return CHANGE_BADGES.get(Change(change), "")


@register.filter
def role_name(role: str) -> str:
    """A role value as people read it: "sales_manager" is "Sales manager"."""
    return Role(role).label
