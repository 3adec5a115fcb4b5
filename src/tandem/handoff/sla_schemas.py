"""The shapes of the service-levels API."""

from django.contrib.auth.models import User
from ninja import Field, Schema

from tandem.handoff.sla_queries import (
    FIRST_YEAR,
    LAST_YEAR,
    ServiceLevelReport,
    TeamCompliance,
)

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class ServiceLevelsQuery(Schema):
    month: str | None = Field(
        None,
        pattern=MONTH_PATTERN,
        description=f"The month, YYYY-MM, between {FIRST_YEAR} and {LAST_YEAR}. Defaults to "
        "this month, in the organisation's time zone.",
    )


class ComplianceOut(Schema):
    assignments: int = Field(description="Leads assigned in the month that carry deadlines.")
    accept_breaches: int = Field(
        description="Of those, how many were not accepted or rejected by their accept-by deadline."
    )
    touch_breaches: int = Field(
        description="Of those, how many had no first contact by their first-touch-by deadline."
    )
    accept_compliance: float | None = Field(
        description="(assignments - accept_breaches) / assignments; null without assignments. "
        "A deadline still running counts as kept."
    )
    touch_compliance: float | None = Field(
        description="(assignments - touch_breaches) / assignments; null without assignments."
    )


class RepOut(Schema):
    id: int = Field(description="The rep's user id.")
    username: str = Field(description="The rep's username.")
    name: str = Field(description="The rep's full name, or their username without one.")

    @staticmethod
    def resolve_name(rep: User) -> str:
        return rep.get_full_name() or rep.username


class RepComplianceOut(Schema):
    rep: RepOut = Field(description="The rep.")
    figures: ComplianceOut = Field(description="The rep's assignments and breaches.")


class TeamComplianceOut(Schema):
    team_id: int | None = Field(description="The team's id; null for reps on no team.")
    team: str | None = Field(description="The team's name; null for reps on no team.")
    figures: ComplianceOut = Field(description="The team's reps together.")
    reps: list[RepComplianceOut] = Field(description="Each rep on the team, by name.")

    @staticmethod
    def resolve_team_id(row: TeamCompliance) -> int | None:
        return row.team.pk if row.team is not None else None

    @staticmethod
    def resolve_team(row: TeamCompliance) -> str | None:
        return row.team.name if row.team is not None else None


class SegmentDeliveryOut(Schema):
    segment: str = Field(description='The company segment; "" for leads without one.')
    delivered: int = Field(description="Leads of the segment that first became MQLs in the month.")
    committed: int | None = Field(
        description="The MQLs per month the agreement commits to for it; null when it names none."
    )
    share: float | None = Field(description="delivered / committed; null without a commitment.")


class MqlDeliveryOut(Schema):
    delivered: int = Field(description="Leads that first became MQLs in the month.")
    committed: int | None = Field(
        description="The agreement's MQLs per month; null when no agreement was in force."
    )
    share: float | None = Field(description="delivered / committed; null without a commitment.")
    agreement_version: int | None = Field(
        description="The number of the agreement version in force at the month's end (or now).",
        validation_alias="agreement_number",
    )
    segments: list[SegmentDeliveryOut] = Field(
        description="Segments the agreement names first, then other segments, each by name; "
        'then "" for leads without a segment.'
    )


class ServiceLevelsOut(Schema):
    """Sales' deadlines kept and marketing's MQLs delivered, for one month."""

    month: str = Field(description="The month, YYYY-MM.")
    teams: list[TeamComplianceOut] = Field(
        description="Each team with its reps, by name; reps on no team last."
    )
    sales: ComplianceOut = Field(description="Every team together.", validation_alias="figures")
    marketing: MqlDeliveryOut = Field(description="MQLs delivered against the commitment.")

    @staticmethod
    def resolve_month(report: ServiceLevelReport) -> str:
        return report.month.strftime("%Y-%m")
