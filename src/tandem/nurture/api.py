"""The nurture API. Everyone on a team reads sequences; marketing (and admins) create them."""

from typing import Any

from django.db.models import QuerySet
from ninja import Query, Router, Status

from tandem.core.api_support import ApiRequest, page_of
from tandem.core.schemas import READ_ERRORS, WRITE_ERRORS, PageQuery
from tandem.leads.queries import access_lead
from tandem.nurture import services
from tandem.nurture.models import Enrolment, Sequence
from tandem.nurture.queries import (
    access_sequence,
    lead_enrolments,
    require_nurture_editor,
    sequence_list,
)
from tandem.nurture.schemas import EnrolmentOut, SequenceIn, SequenceOut, SequencePage

router = Router(tags=["nurture"])


@router.get("/sequences", response={200: SequencePage, **READ_ERRORS})
def list_sequences(request: ApiRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Every sequence with its emails, in the order they take recycled leads."""
    return page_of(sequence_list(request.auth), page)


@router.post("/sequences", response={201: SequenceOut, **WRITE_ERRORS})
def create_sequence(request: ApiRequest, payload: SequenceIn) -> Status[Sequence]:
    """Create a sequence with its emails, all or nothing."""
    require_nurture_editor(request.auth)
    fields = payload.model_dump(exclude={"steps"})
    steps = [services.StepSpec(**step.model_dump()) for step in payload.steps]
    created = services.create_sequence(by=request.auth, steps=steps, **fields)
    return Status(201, access_sequence(request.auth, created.pk))


@router.get("/sequences/{sequence_id}", response={200: SequenceOut, **READ_ERRORS})
def get_sequence(request: ApiRequest, sequence_id: int) -> Sequence:
    return access_sequence(request.auth, sequence_id)


@router.get("/leads/{lead_id}/enrolments", response={200: list[EnrolmentOut], **READ_ERRORS})
def list_lead_enrolments(request: ApiRequest, lead_id: int) -> QuerySet[Enrolment]:
    """The sequences a lead you can see was in, latest first."""
    return lead_enrolments(access_lead(request.auth, lead_id))
