"""The shapes of the nurture API."""

import datetime as dt

from ninja import Field, Schema

from tandem.core.schemas import InSchema, PersonRef
from tandem.nurture.models import EndReason
from tandem.nurture.services import MAX_STEPS, MAX_WAIT_DAYS

WAIT_DESCRIPTION = (
    "Days to wait before sending: after the previous email, or after the lead was recycled for "
    "the first one."
)


class StepOut(Schema):
    id: int = Field(description="The email's id.")
    position: int = Field(description="Its place in the sequence, from 1.")
    subject: str = Field(description="The email's subject.")
    body: str = Field(description="The email's text, before greeting, link and unsubscribe line.")
    content_url: str = Field(description="The page the email's link opens.")
    content_title: str = Field(description="The words of the email's link.")
    wait_days: int = Field(description=WAIT_DESCRIPTION)


class SequenceOut(Schema):
    id: int = Field(description="The sequence's id.")
    name: str = Field(description="The sequence's name.")
    description: str = Field(description="What the sequence is for; recipients never see it.")
    is_active: bool = Field(description="Whether it takes new leads and sends emails.")
    position: int = Field(
        description="Recycled leads join the first active sequence, lowest first."
    )
    segment: str = Field(description="Only leads of companies in this segment; empty for all.")
    created_by: PersonRef | None = Field(description="Who created the sequence.")
    steps: list[StepOut] = Field(description="The emails, in order.")
    created_at: dt.datetime = Field(description="When the sequence was created.")
    updated_at: dt.datetime = Field(description="When the sequence last changed.")

    @staticmethod
    def resolve_steps(sequence: object) -> list[object]:
        return list(sequence.steps.all())  # type: ignore[attr-defined]


class SequencePage(Schema):
    count: int = Field(description="How many sequences there are, over all pages.")
    items: list[SequenceOut] = Field(
        description="This page of sequences, in the order they take leads."
    )


class StepIn(InSchema):
    subject: str = Field(min_length=1, max_length=200, description="The email's subject.")
    body: str = Field(
        min_length=1, max_length=20_000, description="The email's text, in plain text."
    )
    content_url: str = Field(
        min_length=1, max_length=500, description="The page the link opens: an http(s) address."
    )
    content_title: str = Field(
        min_length=1, max_length=200, description="The words of the email's link."
    )
    wait_days: int = Field(ge=0, le=MAX_WAIT_DAYS, description=WAIT_DESCRIPTION)


class SequenceIn(InSchema):
    name: str = Field(min_length=1, max_length=200, description="The sequence's name.")
    description: str = Field(
        "", max_length=5_000, description="What the sequence is for; recipients never see it."
    )
    segment: str = Field(
        "", max_length=100, description="Only leads of companies in this segment; empty for all."
    )
    is_active: bool = Field(True, description="Whether it takes new leads and sends emails.")
    position: int = Field(
        1, ge=1, le=1000, description="Recycled leads join the first active sequence, lowest first."
    )
    steps: list[StepIn] = Field(
        [], max_length=MAX_STEPS, description="The emails, in the order they go out."
    )


class SequenceRef(Schema):
    id: int = Field(description="The sequence's id.")
    name: str = Field(description="The sequence's name.")


class EnrolmentOut(Schema):
    id: int = Field(description="The enrolment's id.")
    sequence: SequenceRef = Field(description="The sequence the lead is, or was, in.")
    started_at: dt.datetime = Field(description="When the lead joined the sequence.")
    emails_sent: int = Field(description="How many of the sequence's emails the lead was sent.")
    next_position: int | None = Field(description="The position of the next email, if any.")
    next_send_at: dt.datetime | None = Field(description="When the next email is due, if any.")
    ended_at: dt.datetime | None = Field(description="When the lead left the sequence.")
    end_reason: EndReason | None = Field(description="Why the lead left the sequence.")

    @staticmethod
    def resolve_emails_sent(enrolment: object) -> int:
        return int(getattr(enrolment, "sent_count", 0))

    @staticmethod
    def resolve_end_reason(enrolment: object) -> str | None:
        return getattr(enrolment, "end_reason", "") or None
