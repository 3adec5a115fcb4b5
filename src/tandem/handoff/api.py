"""The handoff API: the queue, the lead card, and the rep's answers to a lead."""

from typing import Any

from django.contrib.auth.models import User
from ninja import Router, Status

from tandem.core.api_support import ApiRequest
from tandem.core.errors import NotFound
from tandem.core.schemas import READ_ERRORS, WRITE_ERRORS
from tandem.handoff import queries, services
from tandem.handoff.card import LeadCard, lead_card
from tandem.handoff.models import Assignment, Rejection, Touch
from tandem.handoff.schemas import (
    AssignmentOut,
    CardOut,
    QualifyIn,
    QueueItemOut,
    ReassignIn,
    RejectIn,
    RejectionOut,
    TouchIn,
    TouchOut,
)
from tandem.leads.models import Deal, Lead
from tandem.leads.queries import access_lead, require_role
from tandem.leads.schemas import DealOut, LeadOut

router = Router(tags=["handoff"])

NO_SUCH_REP = "There is no active person with id {rep_id}."


@router.get("/queue", response={200: list[QueueItemOut], **READ_ERRORS})
def queue(request: ApiRequest) -> list[Assignment]:
    """The current assignments you work or oversee, undecided first, nearest deadline first."""
    require_role(request.auth)
    return queries.queue(request.auth)


@router.get("/leads/{lead_id}/card", response={200: CardOut, **READ_ERRORS})
def card(request: ApiRequest, lead_id: int) -> dict[str, Any]:
    """The lead card: handoff, briefs, timeline, content, owners, rejections, your actions."""
    lead = access_lead(request.auth, lead_id)
    built: LeadCard = lead_card(request.auth, lead)
    return {"lead_id": lead.pk, **vars(built)}


@router.post("/leads/{lead_id}/accept", response={200: LeadOut, **WRITE_ERRORS})
def accept(request: ApiRequest, lead_id: int) -> Lead:
    """Accept the lead (MQL → SAL)."""
    return services.accept(lead=access_lead(request.auth, lead_id), by=request.auth)


@router.post("/leads/{lead_id}/reject", response={201: RejectionOut, **WRITE_ERRORS})
def reject(request: ApiRequest, lead_id: int, payload: RejectIn) -> Status[Rejection]:
    """Reject the lead with one of the active agreement's reasons and a note: recycled or
    disqualified, as the reason says."""
    lead = access_lead(request.auth, lead_id)
    return Status(
        201, services.reject(lead=lead, by=request.auth, reason=payload.reason, note=payload.note)
    )


@router.post("/leads/{lead_id}/touches", response={201: TouchOut, **WRITE_ERRORS})
def touch(request: ApiRequest, lead_id: int, payload: TouchIn) -> Status[Touch]:
    """Log a call, email or meeting; the first of an assignment is its speed to lead."""
    lead = access_lead(request.auth, lead_id)
    return Status(201, services.log_touch(lead=lead, by=request.auth, **payload.model_dump()))


@router.post("/leads/{lead_id}/qualify", response={201: DealOut, **WRITE_ERRORS})
def qualify(request: ApiRequest, lead_id: int, payload: QualifyIn) -> Status[Deal]:
    """Qualify the lead (→ SQL, accepting an MQL first) and open its deal."""
    lead = access_lead(request.auth, lead_id)
    return Status(201, services.qualify(lead=lead, by=request.auth, **payload.model_dump()))


@router.post("/leads/{lead_id}/reassign", response={201: AssignmentOut, **WRITE_ERRORS})
def reassign(request: ApiRequest, lead_id: int, payload: ReassignIn) -> Status[Assignment]:
    """Give the lead to another rep, saying why (sales managers and admins)."""
    lead = access_lead(request.auth, lead_id)
    rep = User.objects.filter(pk=payload.rep_id, is_active=True).first()
    if rep is None:
        raise NotFound(NO_SUCH_REP.format(rep_id=payload.rep_id))
    return Status(201, services.reassign(lead=lead, to=rep, by=request.auth, reason=payload.reason))
