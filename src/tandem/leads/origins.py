"""Where a lead's pipeline comes from, in the four groups plans and dashboards split it by:
marketing, sales prospecting, partners, or outsourced lead generation.

A lead's `source` says how it came in (a channel such as `paid_search`, or `prospecting` for a
lead a rep found); the group follows from it. Anything not named below is marketing's: the
channels marketing runs, and sources nobody recorded.
"""

from django.db import models
from django.db.models import Case, CharField, Value, When
from django.db.models.functions import Lower
from django.db.models.lookups import In


class SourceGroup(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES_PROSPECTING = "sales_prospecting", "Sales prospecting"
    PARTNERS = "partners", "Partners"
    OUTSOURCED = "outsourced", "Outsourced lead generation"


# Lead sources (compared ignoring case) that belong to a group other than marketing.
SOURCES_OF_GROUP: dict[SourceGroup, tuple[str, ...]] = {
    SourceGroup.SALES_PROSPECTING: ("prospecting", "outbound", "sales", "cold_call", "sdr"),
    SourceGroup.PARTNERS: ("partner", "partners", "referral_partner", "reseller"),
    SourceGroup.OUTSOURCED: ("outsourced", "agency", "lead_generation", "purchased_list"),
}
GROUP_OF_SOURCE = {
    source: group for group, sources in SOURCES_OF_GROUP.items() for source in sources
}


def source_group(source: str) -> SourceGroup:
    """The group a lead with this `source` counts in."""
    return GROUP_OF_SOURCE.get(source.strip().lower(), SourceGroup.MARKETING)


def source_group_expression(field: str = "source") -> Case:
    """`source_group` as a database expression over the lead field `field` (e.g.
    `lead__source`), for grouping in SQL."""
    return Case(
        *(
            When(In(Lower(field), sources), then=Value(group.value))
            for group, sources in SOURCES_OF_GROUP.items()
        ),
        default=Value(SourceGroup.MARKETING.value),
        output_field=CharField(),
    )
