"""What the handoff API reads and writes: the queue, the lead card, the rep's answers."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from tandem.core.schemas import CURRENCY_PATTERN, MAX_ID, InSchema
from tandem.handoff.models import Decision, TouchKind
from tandem.leads.models import Stage

NOTE_MAX = 2000


class AssignmentOut(Schema):
    """A lead given to a rep, with its service-level deadlines and what came of it."""

    id: int
    lead_id: int
    rep_id: int = Field(description="The rep the lead is assigned to.")
    rule_id: int | None = Field(
        description="The routing rule that chose the rep; null if a person did."
    )
    assigned_by_id: int | None = Field(description="Who assigned it by hand; null for a rule.")
    reason: str = Field(description="Why this rep: the rule, or the manager's words.")
    assigned_at: dt.datetime
    accept_by: dt.datetime | None = Field(description="Accept or reject by then (business hours).")
    first_touch_by: dt.datetime | None = Field(description="First contact by then.")
    decision: Decision | None = Field(description="Accepted, accepted by default or rejected.")
    decided_at: dt.datetime | None
    first_touch_at: dt.datetime | None = Field(description="The first touch: speed to lead.")
    accept_breached_at: dt.datetime | None = Field(
        description="When the accept-by deadline was missed."
    )
    touch_breached_at: dt.datetime | None = Field(
        description="When the first-touch deadline was missed."
    )
    ended_at: dt.datetime | None = Field(
        description="When the assignment ended; null while current."
    )

    @staticmethod
    def resolve_decision(assignment: object) -> str | None:
        return getattr(assignment, "decision", "") or None


class QueueItemOut(AssignmentOut):
    lead_name: str
    lead_stage: Stage

    @staticmethod
    def resolve_lead_name(assignment: object) -> str:
        return assignment.lead.display_name  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_lead_stage(assignment: object) -> str:
        return assignment.lead.stage  # type: ignore[attr-defined,no-any-return]


class TouchOut(Schema):
    id: int
    lead_id: int
    assignment_id: int | None
    rep_id: int
    kind: TouchKind
    note: str
    at: dt.datetime


class RejectionOut(Schema):
    id: int
    lead_id: int
    assignment_id: int | None
    rep_id: int
    reason_code: str = Field(description="The agreement's code for the reason.")
    reason_label: str = Field(description="The reason as the agreement worded it then.")
    outcome: str = Field(description="`recycle` or `disqualify`.")
    note: str
    agreement_version: int = Field(description="The number of the agreement version in force.")
    at: dt.datetime

    @staticmethod
    def resolve_agreement_version(rejection: object) -> int:
        return rejection.agreement_version.number  # type: ignore[attr-defined,no-any-return]


class BriefOut(Schema):
    """A campaign's brief, as sales reads it on the card."""

    id: int
    name: str
    channel: str
    product: str
    message: str
    hook: str
    offer: str
    audience: str
    audience_segment: str


class MomentOut(Schema):
    at: dt.datetime
    kind: str = Field(description="An event type, `touch` or `stage`.")
    title: str
    detail: str
    campaign: str


class ContentOut(Schema):
    title: str
    kind: str
    times: int
    last_at: dt.datetime


class ActionsOut(Schema):
    accept: bool
    reject: bool
    touch: bool
    qualify: bool
    reassign: bool


class BecameMqlOut(Schema):
    at: dt.datetime
    reason: str
    agreement_version: int | None

    @staticmethod
    def resolve_agreement_version(change: object) -> int | None:
        version = getattr(change, "agreement_version", None)
        return version.number if version is not None else None


class CardOut(Schema):
    """Everything sales needs about one lead, beside `/leads/{id}` and `/leads/{id}/score`."""

    lead_id: int
    current: AssignmentOut | None
    assignments: list[AssignmentOut] = Field(description="Every assignment, newest first.")
    rejections: list[RejectionOut]
    touches: list[TouchOut]
    campaigns: list[BriefOut] = Field(description="Every campaign that touched the lead.")
    entry_form: str = Field(description="The first form the lead filled in, if any.")
    became_mql: BecameMqlOut | None
    timeline: list[MomentOut]
    content: list[ContentOut] = Field(description="What the lead read, watched or clicked.")
    actions: ActionsOut = Field(description="What you may do with the lead now.")


class RejectIn(InSchema):
    reason: str = Field(min_length=1, max_length=60, description="A rejection reason's code.")
    note: str = Field(min_length=1, max_length=NOTE_MAX, description="Why, for marketing.")


class TouchIn(InSchema):
    kind: TouchKind
    note: str = Field("", max_length=NOTE_MAX)
    at: dt.datetime | None = Field(None, description="When it happened; now if left out.")


class QualifyIn(InSchema):
    deal_name: str = Field(min_length=1, max_length=200)
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: str = Field(pattern=CURRENCY_PATTERN, description="ISO 4217 currency code.")
    note: str = Field("", max_length=NOTE_MAX)


class ReassignIn(InSchema):
    rep_id: int = Field(ge=1, le=MAX_ID, description="The sales rep to give the lead to.")
    reason: str = Field(min_length=1, max_length=400)
