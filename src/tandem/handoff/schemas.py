"""What the handoff API reads and writes: the queue, the lead card, the rep's answers."""

import datetime as dt

from ninja import Field, Schema

from tandem.core.schemas import CURRENCY_PATTERN, MAX_ID, InSchema
from tandem.handoff.models import Decision, TouchKind
from tandem.leads.models import Stage
from tandem.leads.schemas import Amount

NOTE_MAX = 2000


class AssignmentOut(Schema):
    """A lead given to a rep, with its service-level deadlines and what came of it."""

    id: int = Field(description="The assignment's id.")
    lead_id: int = Field(description="The lead assigned.")
    rep_id: int = Field(description="The rep the lead is assigned to.")
    rule_id: int | None = Field(
        description="The routing rule that chose the rep; null if a person did."
    )
    assigned_by_id: int | None = Field(description="Who assigned it by hand; null for a rule.")
    reason: str = Field(description="Why this rep: the rule, or the manager's words.")
    assigned_at: dt.datetime = Field(description="When the lead was assigned.")
    accept_by: dt.datetime | None = Field(
        description="Accept or reject by then, in the agreement's business hours; null when no "
        "agreement was active."
    )
    first_touch_by: dt.datetime | None = Field(description="Make the first contact by then.")
    decision: Decision | None = Field(
        description="Accepted, accepted by default or rejected; null while undecided."
    )
    decided_at: dt.datetime | None = Field(description="When it was decided.")
    first_touch_at: dt.datetime | None = Field(
        description="The first touch logged: speed to lead is this less `assigned_at`."
    )
    accept_breached_at: dt.datetime | None = Field(
        description="When the accept-by deadline was found missed."
    )
    touch_breached_at: dt.datetime | None = Field(
        description="When the first-touch deadline was found missed."
    )
    ended_at: dt.datetime | None = Field(
        description="When the assignment ended (rejected or reassigned); null while current."
    )

    @staticmethod
    def resolve_decision(assignment: object) -> str | None:
        return getattr(assignment, "decision", "") or None


class QueueItemOut(AssignmentOut):
    lead_name: str = Field(description="The lead's name, or its email.")
    lead_stage: Stage = Field(description="The lead's stage now.")

    @staticmethod
    def resolve_lead_name(assignment: object) -> str:
        return assignment.lead.display_name  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_lead_stage(assignment: object) -> str:
        return assignment.lead.stage  # type: ignore[attr-defined,no-any-return]


class TouchOut(Schema):
    id: int = Field(description="The touch's id.")
    lead_id: int = Field(description="The lead contacted.")
    assignment_id: int | None = Field(description="The assignment it was logged under.")
    rep_id: int = Field(description="Who made the contact.")
    kind: TouchKind = Field(description="Call, email or meeting.")
    note: str = Field(description="What the rep noted.")
    at: dt.datetime = Field(description="When the contact happened.")


class RejectionOut(Schema):
    id: int = Field(description="The rejection's id.")
    lead_id: int = Field(description="The lead rejected.")
    assignment_id: int | None = Field(description="The assignment it ended.")
    rep_id: int = Field(description="Who rejected the lead.")
    reason_code: str = Field(description="The agreement's code for the reason.")
    reason_label: str = Field(description="The reason as the agreement worded it then.")
    outcome: str = Field(description="`recycle` (back to nurture) or `disqualify`.")
    note: str = Field(description="The rep's note for marketing.")
    agreement_version: int = Field(description="The number of the agreement version in force.")
    at: dt.datetime = Field(description="When the lead was rejected.")

    @staticmethod
    def resolve_agreement_version(rejection: object) -> int:
        return rejection.agreement_version.number  # type: ignore[attr-defined,no-any-return]


class BriefOut(Schema):
    """A campaign's brief, as sales reads it on the card."""

    id: int = Field(description="The campaign's id.")
    name: str = Field(description="The campaign's name.")
    channel: str = Field(description="The campaign's channel.")
    product: str = Field(description="What the campaign sells.")
    message: str = Field(description="Its message.")
    hook: str = Field(description="What makes people act.")
    offer: str = Field(description="What people were offered.")
    audience: str = Field(description="Whom the campaign is for.")
    audience_segment: str = Field(description="The segment it targets.")


class MomentOut(Schema):
    at: dt.datetime = Field(description="When it happened.")
    kind: str = Field(description="An event type, `touch` or `stage`.")
    title: str = Field(description="What happened, in a few words.")
    detail: str = Field(description="A touch's note or a stage change's reason.")
    campaign: str = Field(description="The campaign that brought the event, if any.")


class ContentOut(Schema):
    title: str = Field(description="The page, download or email.")
    kind: str = Field(description="The kind of event.")
    times: int = Field(description="How many times.")
    last_at: dt.datetime = Field(description="The latest time.")


class ActionsOut(Schema):
    accept: bool = Field(description="You may accept the lead.")
    reject: bool = Field(description="You may reject it.")
    touch: bool = Field(description="You may log a touch.")
    qualify: bool = Field(description="You may qualify it.")
    reassign: bool = Field(description="You may give it to another rep.")


class BecameMqlOut(Schema):
    at: dt.datetime = Field(description="When the lead last became an MQL.")
    reason: str = Field(description="Why, as the ledger says.")
    agreement_version: int | None = Field(
        description="The agreement version whose rule made it an MQL; null if a person did."
    )

    @staticmethod
    def resolve_agreement_version(change: object) -> int | None:
        version = getattr(change, "agreement_version", None)
        return version.number if version is not None else None


class CardOut(Schema):
    """Everything sales needs about one lead, beside `/leads/{id}` and `/leads/{id}/score`."""

    lead_id: int = Field(description="The lead.")
    current: AssignmentOut | None = Field(description="The current assignment, if any.")
    assignments: list[AssignmentOut] = Field(description="Every assignment, newest first.")
    rejections: list[RejectionOut] = Field(description="Every rejection, newest first.")
    touches: list[TouchOut] = Field(description="Every touch, newest first.")
    campaigns: list[BriefOut] = Field(description="Every campaign that touched the lead.")
    entry_form: str = Field(description="The first form the lead filled in, if any.")
    became_mql: BecameMqlOut | None = Field(description="Why the lead last became an MQL.")
    timeline: list[MomentOut] = Field(
        description="Events, touches and stage changes, newest first."
    )
    content: list[ContentOut] = Field(description="What the lead read, watched or clicked.")
    actions: ActionsOut = Field(description="What you may do with the lead now.")


class RejectIn(InSchema):
    reason: str = Field(min_length=1, max_length=60, description="A rejection reason's code.")
    note: str = Field(min_length=1, max_length=NOTE_MAX, description="Why, for marketing.")


class TouchIn(InSchema):
    kind: TouchKind = Field(description="Call, email or meeting.")
    note: str = Field("", max_length=NOTE_MAX, description="What happened.")
    at: dt.datetime | None = Field(None, description="When it happened; now if left out.")


class QualifyIn(InSchema):
    deal_name: str = Field(min_length=1, max_length=200, description="The deal's name.")
    amount: Amount
    currency: str = Field(pattern=CURRENCY_PATTERN, description="ISO 4217 currency code.")
    note: str = Field("", max_length=NOTE_MAX, description="Why the lead qualifies.")


class ReassignIn(InSchema):
    rep_id: int = Field(ge=1, le=MAX_ID, description="The sales rep to give the lead to.")
    reason: str = Field(min_length=1, max_length=400, description="Why, for the record.")
