"""What a lead agreement says, as data: the schema every version's content is validated by.

The content is stored as JSON on `AgreementVersion.content` and read back through `Terms`, so a
version can only ever hold terms this module accepts. The scoring engine (`tandem.scoring.engine`)
interprets the fit, engagement and MQL parts; handoff reads the service levels, rejection reasons
and recycle rule.
"""

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tandem.core.roles import Role
from tandem.leads.models import EventType

MAX_RULES = 100
MAX_CONDITIONS = 10
MAX_LIST_VALUES = 200
MAX_TEXT = 200
MAX_POINTS = 1000
Name = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]
Points = Annotated[int, Field(ge=-MAX_POINTS, le=MAX_POINTS)]

# Fields a fit rule may read: the lead's own, its company's, and any custom attribute of either
# (`attributes.<name>`, `company.attributes.<name>`).
LEAD_FIELDS = ("job_title", "country", "source", "utm_source", "utm_medium", "utm_campaign")
COMPANY_FIELDS = ("segment", "industry", "employee_count", "country", "domain")
ATTRIBUTE_NAME = r"[A-Za-z0-9_-]{1,100}"
FIT_FIELD = re.compile(
    rf"^(?:{'|'.join(LEAD_FIELDS)}|company\.(?:{'|'.join(COMPANY_FIELDS)})"
    rf"|attributes\.{ATTRIBUTE_NAME}|company\.attributes\.{ATTRIBUTE_NAME})$"
)
# An event property, possibly nested: `path`, `form`, `context.campaign.source`.
PROPERTY_PATH = re.compile(r"^[A-Za-z0-9_$-]{1,100}(?:\.[A-Za-z0-9_$-]{1,100}){0,4}$")

UNKNOWN_FIT_FIELD = (
    "{field} is not a field a fit rule can read: use one of "
    + ", ".join((*LEAD_FIELDS, *(f"company.{name}" for name in COMPANY_FIELDS)))
    + ", attributes.<name> or company.attributes.<name>"
)
BAD_PROPERTY = "{path} is not an event property path (names separated by dots)"
NEEDS_LIST = "the {op} test needs a list of values"
NEEDS_NUMBER = "the {op} test needs a number"
NEEDS_TEXT = "the {op} test needs a text value"
NEEDS_NO_VALUE = "the {op} test takes no value"
NEEDS_RANGE = "the between test needs a list of two numbers, the lower first"
GRADES_OUT_OF_ORDER = "grade boundaries must go down from A to C (A ≥ B ≥ C)"
DUPLICATE = "{what} {value} appears twice"
UNKNOWN_ZONE = "{zone} is not a time zone name (e.g. Europe/Berlin)"
HOURS_OUT_OF_ORDER = "business hours must end after they start"
NO_SIGNER = "at least one signer role is needed"


class Grade(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class Op(StrEnum):
    """How a condition compares a value. Text comparisons ignore case."""

    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    # Any of the listed words appears as a whole word: job title seniority keywords.
    HAS_WORD = "has_word"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    # Both ends included: employee count ranges.
    BETWEEN = "between"
    IS_SET = "is_set"
    IS_EMPTY = "is_empty"


LIST_OPS = frozenset({Op.IN, Op.NOT_IN, Op.HAS_WORD})
NUMBER_OPS = frozenset({Op.AT_LEAST, Op.AT_MOST})
TEXT_OPS = frozenset({Op.EQUALS, Op.NOT_EQUALS, Op.CONTAINS, Op.STARTS_WITH, Op.ENDS_WITH})
VALUELESS_OPS = frozenset({Op.IS_SET, Op.IS_EMPTY})

Scalar = str | int | float | bool


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(Strict):
    """One test of one value: `field` names a lead field (fit) or an event property (engagement)."""

    field: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    op: Op
    value: (
        Annotated[list[Scalar], Field(max_length=MAX_LIST_VALUES)]
        | Annotated[str, Field(max_length=MAX_TEXT)]
        | int
        | float
        | bool
        | None
    ) = None

    @model_validator(mode="after")
    def value_fits_op(self) -> "Condition":
        value, op = self.value, self.op
        if op in VALUELESS_OPS and value is not None:
            raise ValueError(NEEDS_NO_VALUE.format(op=op.value))
        if op in LIST_OPS and not (isinstance(value, list) and value):
            raise ValueError(NEEDS_LIST.format(op=op.value))
        if op in NUMBER_OPS and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(NEEDS_NUMBER.format(op=op.value))
        if op in TEXT_OPS and (isinstance(value, bool) or not isinstance(value, str | int | float)):
            raise ValueError(NEEDS_TEXT.format(op=op.value))
        if op == Op.BETWEEN and not (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(end, int | float) and not isinstance(end, bool) for end in value)
            and value[0] <= value[1]  # type: ignore[operator]
        ):
            raise ValueError(NEEDS_RANGE)
        return self


class FitCondition(Condition):
    @field_validator("field")
    @classmethod
    def known_field(cls, field: str) -> str:
        if not FIT_FIELD.match(field):
            raise ValueError(UNKNOWN_FIT_FIELD.format(field=field))
        return field


class PropertyCondition(Condition):
    @field_validator("field")
    @classmethod
    def property_path(cls, field: str) -> str:
        if not PROPERTY_PATH.match(field):
            raise ValueError(BAD_PROPERTY.format(path=field))
        return field


class FitRule(Strict):
    """Adds (or, with negative points, removes) fit points when every condition holds."""

    name: Name
    when: Annotated[list[FitCondition], Field(min_length=1, max_length=MAX_CONDITIONS)]
    points: Points


class GradeBoundaries(Strict):
    """The least fit points for each grade; below C's boundary a lead is graded D."""

    A: int = Field(ge=-10 * MAX_POINTS, le=10 * MAX_POINTS)
    B: int = Field(ge=-10 * MAX_POINTS, le=10 * MAX_POINTS)
    C: int = Field(ge=-10 * MAX_POINTS, le=10 * MAX_POINTS)

    @model_validator(mode="after")
    def descending(self) -> "GradeBoundaries":
        if not self.A >= self.B >= self.C:
            raise ValueError(GRADES_OUT_OF_ORDER)
        return self


class Fit(Strict):
    rules: Annotated[list[FitRule], Field(max_length=MAX_RULES)] = []
    grades: GradeBoundaries


class EngagementRule(Strict):
    """Points for each event of a type (and name, and property tests), capped per lead."""

    name: Name
    event_type: EventType
    # Compared ignoring case; empty matches any name.
    event_name: Annotated[str, Field(max_length=MAX_TEXT)] = ""
    when: Annotated[list[PropertyCondition], Field(max_length=MAX_CONDITIONS)] = []
    points: Points
    # The most this rule may add to one lead's score; none means no cap.
    cap: Annotated[int, Field(ge=0, le=100 * MAX_POINTS)] | None = None


class Engagement(Strict):
    rules: Annotated[list[EngagementRule], Field(max_length=MAX_RULES)] = []
    # An event's points halve every `half_life_days`; none means points never fade.
    half_life_days: Annotated[float, Field(gt=0, le=3650)] | None = 30


class MqlClause(Strict):
    grades: Annotated[list[Grade], Field(min_length=1, max_length=4)]
    min_score: int = Field(ge=-100 * MAX_POINTS, le=100 * MAX_POINTS)


class MqlRule(Strict):
    """A lead is an MQL when any clause holds: its grade is listed and its score is high enough."""

    any_of: Annotated[list[MqlClause], Field(min_length=1, max_length=10)]


class BusinessHours(Strict):
    time_zone: Annotated[str, Field(max_length=60)]
    # ISO weekdays: 1 is Monday.
    days: Annotated[list[Annotated[int, Field(ge=1, le=7)]], Field(min_length=1, max_length=7)]
    starts_at: dt.time
    ends_at: dt.time

    @field_validator("time_zone")
    @classmethod
    def known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(UNKNOWN_ZONE.format(zone=zone)) from error
        return zone

    @model_validator(mode="after")
    def ends_after_start(self) -> "BusinessHours":
        if self.ends_at <= self.starts_at:
            raise ValueError(HOURS_OUT_OF_ORDER)
        return self


class UndecidedLead(StrEnum):
    """What happens to an MQL sales has neither accepted nor rejected in time."""

    ESCALATE = "escalate"
    ACCEPT = "accept"


class ServiceLevels(Strict):
    accept_within_hours: float = Field(gt=0, le=1000, description="Business hours")
    first_contact_within_hours: float = Field(gt=0, le=1000, description="Business hours")
    when_undecided: UndecidedLead = UndecidedLead.ESCALATE
    mqls_per_month: int = Field(ge=0, le=10_000_000)
    # Segment name → MQLs per month that marketing commits to for it.
    mqls_per_month_by_segment: Annotated[
        dict[Annotated[str, Field(max_length=100)], Annotated[int, Field(ge=0, le=10_000_000)]],
        Field(max_length=MAX_RULES),
    ] = {}
    business_hours: BusinessHours


class RejectionOutcome(StrEnum):
    RECYCLE = "recycle"
    DISQUALIFY = "disqualify"


class RejectionReason(Strict):
    code: Code
    label: Name
    outcome: RejectionOutcome


class RecycleRule(Strict):
    """An accepted lead with no SQL and no engagement for `idle_days` goes back to nurture."""

    idle_days: int = Field(ge=1, le=3650)


class GlossaryOwner(StrEnum):
    MARKETING = "marketing"
    SALES = "sales"
    BOTH = "both"


class GlossaryTerm(Strict):
    term: Name
    definition: Annotated[str, Field(min_length=1, max_length=2000)]
    owner: GlossaryOwner


SignerRole = Literal[
    Role.MARKETER, Role.MARKETING_LEAD, Role.SALES_REP, Role.SALES_MANAGER, Role.EXECUTIVE
]


class Terms(Strict):
    """The whole content of one agreement version."""

    fit: Fit
    engagement: Engagement
    mql: MqlRule
    service_levels: ServiceLevels
    rejection_reasons: Annotated[list[RejectionReason], Field(min_length=1, max_length=50)]
    recycle: RecycleRule
    glossary: Annotated[list[GlossaryTerm], Field(max_length=MAX_RULES)] = []
    # Every role listed must sign before the version can become active.
    required_signers: Annotated[list[SignerRole], Field(min_length=1, max_length=5)] = [
        Role.MARKETING_LEAD,
        Role.SALES_MANAGER,
    ]

    @model_validator(mode="after")
    def unique_names(self) -> "Terms":
        for what, values in (
            ("the fit rule", [rule.name for rule in self.fit.rules]),
            ("the engagement rule", [rule.name for rule in self.engagement.rules]),
            ("the rejection reason", [reason.code for reason in self.rejection_reasons]),
            ("the glossary term", [term.term.casefold() for term in self.glossary]),
            ("the signer role", list(self.required_signers)),
        ):
            seen: set[str] = set()
            for value in values:
                if value in seen:
                    raise ValueError(DUPLICATE.format(what=what, value=value))
                seen.add(value)
        return self


def parse_terms(content: dict[str, Any]) -> Terms:
    """The terms in `content`; raises pydantic's ValidationError when they do not hold."""
    return Terms.model_validate(content)
