"""API schemas for scores and their explanations."""

import datetime as dt

from ninja import Field, Schema


class RuleLineOut(Schema):
    name: str = Field(description="The rule's name in the agreement.")
    points: float = Field(description="Points this rule gives the lead (engagement: decayed).")
    applies: bool = Field(
        description="Whether the rule matched (fit) or earned points (engagement)."
    )
    cap: int | None = Field(None, description="Engagement rules: the most the rule may add.")


class ScoreOut(Schema):
    """A lead's grade and score under the agreement version that produced them, explained."""

    version_number: int = Field(description="The agreement version the score was computed under.")
    is_active_version: bool = Field(description="Whether that version is still the active one.")
    scored_at: dt.datetime = Field(description="When; engagement points fade from then on.")
    grade: str = Field(description="Fit grade, A to D.")
    fit_points: int = Field(description="Sum of the fit rules' points.")
    score: int = Field(description="Engagement score: the rules' decayed, capped points, rounded.")
    meets_mql: bool = Field(description="Whether the lead meets the version's MQL rule.")
    fit: list[RuleLineOut] = Field(description="Every fit rule and what it gave.")
    engagement: list[RuleLineOut] = Field(description="Every engagement rule and what it gave.")
    grade_boundaries: dict[str, int] = Field(description="Least fit points for A, B and C.")
    half_life_days: float | None = Field(description="Engagement points halve this often.")
    mql_rule: str = Field(description="The MQL rule as a sentence.")
    verdict: str = Field(description="Why the lead is an MQL, or that it is not one yet.")
    missing: list[str] = Field(description="Per clause of the MQL rule, what the lead lacks.")
