"""Nurture writes: sequences and their emails, enrolling recycled leads, sending the emails
that are due, and what a recipient does with a link (unsubscribe, click).

The lifecycle tells this app about every stage change (`leads.signals.stage_entered`, connected
in `NurtureConfig.ready`):
- a lead entering `recycled` joins the first active sequence, by position, whose segment is its
  company's or that names none, if it has an email address;
- a lead leaving `recycled` leaves its sequence: back to MQL (by scoring, or by a person) ends it
  as "returned to MQL" and tells the lead's owner and the sequence's creator; any other stage
  ends it as "left recycled".

Consent: the latest marketing-email answer of a lead is in force. A refusal always wins and ends
the enrolment. A lead that never answered is emailed: it came to us, and was handed to sales,
and every email carries a one-click unsubscribe.
"""

import datetime as dt
import logging
import secrets
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse

from tandem.core.errors import Conflict, DomainError, PermissionDenied, check_known_fields
from tandem.core.time import now
from tandem.leads import services as lead_services
from tandem.leads.models import Consent, ConsentPurpose, EventType, Lead, Stage
from tandem.notifications.models import NotificationKind
from tandem.notifications.services import notify_people
from tandem.nurture.models import EndReason, Enrolment, SentEmail, Sequence, Step
from tandem.nurture.queries import EDITS_NURTURE, marketing_consent_in_force
from tandem.people.queries import role_of

logger = logging.getLogger(__name__)

# Enrolments the worker sends to per run; the rest wait for the next run, a minute later.
SEND_BATCH = 200
# How long an enrolment stays open after its last email, so that a late click on that email
# still counts as a return from nurture.
COMPLETES_AFTER = dt.timedelta(days=14)
# Lead ids per statement, within SQLite's limit on parameters.
ID_CHUNK = 5_000
MAX_STEPS = 20
MAX_WAIT_DAYS = 365

CLICK_EVENT = "Email link clicked"
UNSUBSCRIBE_WORDING = "Unsubscribed from nurture emails"
UNSUBSCRIBE_ORIGIN = "nurture:unsubscribe"

MAY_NOT_EDIT = "Your role ({role}) may read nurture sequences but not change them."
NAME_REQUIRED = "A sequence needs a name."
POSITION_TAKEN = "The sequence already has an email at position {position}."
TOO_MANY_STEPS = "A sequence holds at most {max_steps} emails."
SUBJECT_REQUIRED = "An email needs a subject."
BODY_REQUIRED = "An email needs some text."
TITLE_REQUIRED = "Name the content the email links to."
URL_NOT_WEB = "The content link must be a web address starting with http:// or https://."
WAIT_OUT_OF_RANGE = "The wait must be between 0 and {max_days} days."
STEP_WAS_SENT = (
    "This email went out to {count} leads already, and the links in it must keep working: "
    "edit it instead, or turn the sequence off."
)
RETURNED_TITLE = "Back from nurture: {lead}"
RETURNED_BODY = "{lead} is an MQL again, after {sent} of {total} emails of the sequence “{name}”."

SEQUENCE_FIELDS = frozenset({"name", "description", "segment", "is_active", "position"})
STEP_FIELDS = frozenset(
    {"position", "subject", "body", "content_url", "content_title", "wait_days"}
)


@dataclass(frozen=True)
class StepSpec:
    """One email of a sequence being created."""

    subject: str
    body: str
    content_url: str
    content_title: str
    wait_days: int


def base_url() -> str:
    """Where recipients reach this Tandem: the links in emails are absolute."""
    return str(settings.TANDEM_BASE_URL).rstrip("/")


def _check_editor(by: User | None) -> None:
    """Marketing and admins change sequences; None is the system (the demo, the console)."""
    if by is None:
        return
    role = role_of(by)
    if role not in EDITS_NURTURE:
        raise PermissionDenied(MAY_NOT_EDIT.format(role=role.label if role else "none"))


def _check_sequence(sequence: Sequence) -> None:
    if not sequence.name.strip():
        raise DomainError(NAME_REQUIRED, fields={"name": "required"})


def _check_step(step: Step) -> None:
    if not step.subject.strip():
        raise DomainError(SUBJECT_REQUIRED, fields={"subject": "required"})
    if not step.body.strip():
        raise DomainError(BODY_REQUIRED, fields={"body": "required"})
    if not step.content_title.strip():
        raise DomainError(TITLE_REQUIRED, fields={"content_title": "required"})
    # Clicks are redirected to this address, so it must be a web page (never `javascript:`).
    parts = urlsplit(step.content_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DomainError(URL_NOT_WEB, fields={"content_url": "not a web address"})
    if not 0 <= step.wait_days <= MAX_WAIT_DAYS:
        raise DomainError(
            WAIT_OUT_OF_RANGE.format(max_days=MAX_WAIT_DAYS), fields={"wait_days": "out of range"}
        )
    if step.position < 1:
        raise DomainError(POSITION_TAKEN.format(position=step.position), fields={"position": "< 1"})
    clash = Step.objects.filter(sequence_id=step.sequence_id, position=step.position)
    if clash.exclude(pk=step.pk).exists():
        raise Conflict(
            POSITION_TAKEN.format(position=step.position),
            code="taken",
            fields={"position": "taken"},
        )


@transaction.atomic
def create_sequence(
    *,
    by: User | None,
    name: str,
    description: str = "",
    segment: str = "",
    is_active: bool = True,
    position: int = 1,
    steps: Iterable[StepSpec] = (),
) -> Sequence:
    """Create a sequence and, in order, its emails."""
    _check_editor(by)
    sequence = Sequence(
        name=name.strip(),
        description=description,
        segment=segment.strip(),
        is_active=is_active,
        position=position,
        created_by=by,
    )
    _check_sequence(sequence)
    sequence.save()
    for spec in steps:
        add_step(sequence=sequence, by=by, **vars(spec))
    return sequence


@transaction.atomic
def update_sequence(*, sequence: Sequence, by: User | None, changes: Mapping[str, Any]) -> Sequence:
    """Change a sequence's fields. Leads already enrolled stay in it; turned off, it sends
    nothing and takes no new leads, and turned on again it carries on where each lead was."""
    _check_editor(by)
    check_known_fields(changes, SEQUENCE_FIELDS)
    for field, value in changes.items():
        setattr(sequence, field, value.strip() if field in ("name", "segment") else value)
    _check_sequence(sequence)
    sequence.save(update_fields=[*changes, "updated_at"])
    return sequence


@transaction.atomic
def add_step(
    *,
    sequence: Sequence,
    by: User | None,
    subject: str,
    body: str,
    content_url: str,
    content_title: str,
    wait_days: int,
    position: int | None = None,
) -> Step:
    """Add an email to the sequence, after the last one unless `position` says where."""
    _check_editor(by)
    count = sequence.steps.count()
    if count >= MAX_STEPS:
        raise DomainError(TOO_MANY_STEPS.format(max_steps=MAX_STEPS), fields={"steps": "too many"})
    if position is None:
        last = sequence.steps.order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 1
    step = Step(
        sequence=sequence,
        position=position,
        subject=subject.strip(),
        body=body.strip(),
        content_url=content_url.strip(),
        content_title=content_title.strip(),
        wait_days=wait_days,
    )
    _check_step(step)
    step.save()
    return step


@transaction.atomic
def update_step(*, step: Step, by: User | None, changes: Mapping[str, Any]) -> Step:
    """Change an email. Emails already sent keep their text; their links follow the change."""
    _check_editor(by)
    check_known_fields(changes, STEP_FIELDS)
    for field, value in changes.items():
        setattr(step, field, value.strip() if isinstance(value, str) else value)
    _check_step(step)
    step.save(update_fields=list(changes))
    return step


@transaction.atomic
def remove_step(*, step: Step, by: User | None) -> None:
    """Remove an email that never went out. Leads waiting for it get the next one instead."""
    _check_editor(by)
    sent = step.sent_emails.count()
    if sent:
        raise Conflict(STEP_WAS_SENT.format(count=sent), code="sent")
    step.delete()


def _chunks(ids: Collection[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), ID_CHUNK):
        yield ordered[start : start + ID_CHUNK]


def enrol_leads(*, lead_ids: Collection[int], at: dt.datetime | None = None) -> int:
    """Put each of the leads in the first active sequence that takes it; returns how many were
    enrolled.

    A lead without an email address, or already in a sequence, is left out. Reads the
    sequences once and the leads once per few thousand, however many leads.
    """
    sequences = list(
        Sequence.objects.filter(is_active=True)
        .annotate(step_count=Count("steps"))
        .filter(step_count__gt=0)
        .order_by("position", "id")
    )
    if not sequences or not lead_ids:
        return 0
    # The first step of each sequence: rows come last-first, so the first one stays.
    first_steps: dict[int, tuple[int, int]] = {}
    for sequence_id, position, wait_days in (
        Step.objects.filter(sequence__in=sequences)
        .order_by("sequence_id", "-position")
        .values_list("sequence_id", "position", "wait_days")
    ):
        first_steps[sequence_id] = (position, wait_days)
    moment = at or now()
    made: list[Enrolment] = []
    for chunk in _chunks(lead_ids):
        leads = (
            Lead.objects.filter(pk__in=chunk)
            .exclude(email="")
            .exclude(
                Exists(Enrolment.objects.filter(lead_id=OuterRef("pk"), ended_at__isnull=True))
            )
            .values_list("pk", "company__segment")
        )
        for lead_id, segment in leads:
            sequence = next(
                (s for s in sequences if not s.segment or s.segment == (segment or "")), None
            )
            if sequence is None:
                continue
            made.append(
                Enrolment(
                    lead_id=lead_id,
                    sequence=sequence,
                    started_at=moment,
                    next_position=first_steps[sequence.pk][0],
                    next_send_at=moment + dt.timedelta(days=first_steps[sequence.pk][1]),
                )
            )
    # A concurrent enrolment of the same lead loses quietly to the one-open-enrolment rule.
    Enrolment.objects.bulk_create(made, ignore_conflicts=True)
    return len(made)


def end_enrolments(
    *, lead_ids: Collection[int], reason: EndReason, at: dt.datetime | None = None
) -> int:
    """End the open enrolments of these leads with `reason`; returns how many ended."""
    moment = at or now()
    ended = 0
    for chunk in _chunks(lead_ids):
        ended += Enrolment.objects.filter(lead_id__in=chunk, ended_at__isnull=True).update(
            ended_at=moment, end_reason=reason, next_send_at=None
        )
    return ended


def return_to_mql(*, lead_ids: Collection[int], at: dt.datetime | None = None) -> int:
    """End the open enrolments of leads that became MQLs again, and tell each lead's owner and
    the sequence's creator. Returns how many enrolments ended."""
    moment = at or now()
    returned: list[Enrolment] = []
    for chunk in _chunks(lead_ids):
        returned += list(
            Enrolment.objects.filter(lead_id__in=chunk, ended_at__isnull=True)
            .select_related("lead__owner", "sequence__created_by")
            .annotate(sent_count=Count("emails", distinct=True))
            .annotate(step_count=Count("sequence__steps", distinct=True))
        )
    if not returned:
        return 0
    end_enrolments(
        lead_ids=[enrolment.lead_id for enrolment in returned],
        reason=EndReason.RETURNED_TO_MQL,
        at=moment,
    )
    for enrolment in returned:
        notify_returned(enrolment)
    return len(returned)


def notify_returned(enrolment: Enrolment) -> None:
    """Tell the lead's owner and the sequence's creator that the lead came back as an MQL."""
    lead, sequence = enrolment.lead, enrolment.sequence
    recipients = [
        person
        for person in (lead.owner, sequence.created_by)
        if person is not None and person.is_active
    ]
    if not recipients:
        return
    notify_people(
        recipients=recipients,
        kind=NotificationKind.LEAD_RETURNED,
        title=RETURNED_TITLE.format(lead=lead.display_name)[:200],
        body=RETURNED_BODY.format(
            lead=lead.display_name,
            sent=getattr(enrolment, "sent_count", 0),
            total=getattr(enrolment, "step_count", 0),
            name=sequence.name,
        ),
        url=reverse("leads:detail", args=[lead.pk]),
    )


def follow_stage_changes(*, stage: str, lead_ids: list[int], **_: object) -> None:
    """Enrol leads entering `recycled`, and end the enrolment of leads leaving it (connected to
    `leads.signals.stage_entered`; runs in the transaction of the change)."""
    if stage == Stage.RECYCLED:
        enrol_leads(lead_ids=lead_ids)
    elif stage == Stage.MQL:
        return_to_mql(lead_ids=lead_ids)
    else:
        end_enrolments(lead_ids=lead_ids, reason=EndReason.LEFT_RECYCLED)


def new_token() -> str:
    """256 random bits, URL-safe: the only key of an email's links."""
    return secrets.token_urlsafe(32)


def _end_if_unchanged(enrolment: Enrolment, reason: EndReason, moment: dt.datetime) -> bool:
    return bool(
        Enrolment.objects.filter(
            pk=enrolment.pk,
            ended_at__isnull=True,
            next_position=enrolment.next_position,
            next_send_at=enrolment.next_send_at,
        ).update(ended_at=moment, end_reason=reason, next_send_at=None)
    )


def _message(email: SentEmail, lead: Lead, step: Step) -> EmailMultiAlternatives:
    """The email as it goes out: plain text and simple HTML, with the list headers that let a
    mail program offer a one-click unsubscribe (RFC 2369, RFC 8058)."""
    base = base_url()
    unsubscribe_url = base + reverse("nurture:unsubscribe", args=[email.token])
    context = {
        "lead": lead,
        "step": step,
        "content_link": base + reverse("nurture:click", args=[email.token]),
        "unsubscribe_url": unsubscribe_url,
    }
    message = EmailMultiAlternatives(
        subject=step.subject,
        body=render_to_string("nurture/email/message.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[lead.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string("nurture/email/message.html", context), "text/html")
    return message


def _claim(
    enrolment: Enrolment, step: Step, following: Step | None, moment: dt.datetime
) -> SentEmail | None:
    """Move the enrolment past `step` if no one else did, and record the email as sent.

    The conditional update is the claim: of two workers reading the same due enrolment, only
    one sees its update change a row.
    """
    after: tuple[int | None, dt.datetime]
    if following is not None:
        after = (following.position, moment + dt.timedelta(days=following.wait_days))
    else:
        after = (None, moment + COMPLETES_AFTER)
    with transaction.atomic():
        claimed = Enrolment.objects.filter(
            pk=enrolment.pk,
            ended_at__isnull=True,
            next_position=enrolment.next_position,
            next_send_at=enrolment.next_send_at,
        ).update(next_position=after[0], next_send_at=after[1])
        if not claimed:
            return None
        return SentEmail.objects.create(
            enrolment=enrolment, step=step, sent_at=moment, token=new_token()
        )


def _release(email: SentEmail, enrolment: Enrolment) -> None:
    """Undo a claim whose email could not be sent, so the next run tries again."""
    with transaction.atomic():
        email.delete()
        Enrolment.objects.filter(pk=enrolment.pk, ended_at__isnull=True).update(
            next_position=enrolment.next_position, next_send_at=enrolment.next_send_at
        )


def send_due_emails(*, at: dt.datetime | None = None, limit: int = SEND_BATCH) -> int:
    """Send the next email of every enrolment that is due; returns how many were sent. The
    worker runs it every minute; several workers may run it at once.

    Each send is claimed first (see `_claim`) and sent after that commits, so an email goes out
    at most once: a send that fails is released and tried again at the next run, and a worker
    that dies between the two loses that one email. Enrolments of a lead that refused marketing
    email, or has no address any more, end instead; those past their last email complete.
    """
    moment = at or now()
    due = list(
        Enrolment.objects.filter(
            ended_at__isnull=True, next_send_at__lte=moment, sequence__is_active=True
        )
        .select_related("lead")
        .annotate(consent=marketing_consent_in_force())
        .order_by("next_send_at", "id")[:limit]
    )
    steps: dict[int, list[Step]] = {}
    for step in Step.objects.filter(sequence_id__in={e.sequence_id for e in due}).order_by(
        "position"
    ):
        steps.setdefault(step.sequence_id, []).append(step)
    if not due:
        return 0
    sent = 0
    # One connection to the mail server for the whole batch, opened at the first send.
    connection = get_connection()
    try:
        for enrolment in due:
            steps_of = steps.get(enrolment.sequence_id, [])
            sent += _send_next(enrolment, steps_of, moment, connection)
    finally:
        connection.close()
    return sent


def _send_next(
    enrolment: Enrolment, steps: list[Step], moment: dt.datetime, connection: BaseEmailBackend
) -> int:
    lead = enrolment.lead
    if getattr(enrolment, "consent", None) is False:
        _end_if_unchanged(enrolment, EndReason.CONSENT_REFUSED, moment)
        return 0
    if not lead.email:
        _end_if_unchanged(enrolment, EndReason.NO_ADDRESS, moment)
        return 0
    # The step at the enrolment's position, or the next one after it when that was removed.
    position = enrolment.next_position
    remaining = [step for step in steps if position is not None and step.position >= position]
    if not remaining:
        _end_if_unchanged(enrolment, EndReason.COMPLETED, moment)
        return 0
    step = remaining[0]
    email = _claim(enrolment, step, remaining[1] if len(remaining) > 1 else None, moment)
    if email is None:
        return 0
    try:
        message = _message(email, lead, step)
        message.connection = connection
        message.send()
    except Exception:
        logger.exception("A nurture email to lead %s could not be sent; retrying later.", lead.pk)
        _release(email, enrolment)
        return 0
    return 1


def _consent_in_force(lead: Lead) -> Consent | None:
    return (
        Consent.objects.filter(lead=lead, purpose=ConsentPurpose.MARKETING_EMAIL)
        .order_by("-at", "-id")
        .first()
    )


@transaction.atomic
def unsubscribe(*, email: SentEmail, at: dt.datetime | None = None) -> Consent:
    """Record the recipient's refusal of marketing email and end their enrolment; returns the
    consent in force. Unsubscribing twice records one refusal."""
    moment = at or now()
    lead = email.enrolment.lead
    current = _consent_in_force(lead)
    if current is None or current.granted:
        current = Consent.objects.create(
            lead=lead,
            purpose=ConsentPurpose.MARKETING_EMAIL,
            granted=False,
            wording=UNSUBSCRIBE_WORDING,
            origin=UNSUBSCRIBE_ORIGIN,
            at=moment,
        )
    end_enrolments(lead_ids=[lead.pk], reason=EndReason.UNSUBSCRIBED, at=moment)
    return current


@transaction.atomic
def record_click(*, email: SentEmail, at: dt.datetime | None = None) -> str:
    """Record a click on the email's content link as an email event of the lead, which scoring
    takes in (it may make the lead an MQL again); returns the address to send the reader to,
    which is always the one stored on the step."""
    step, sequence = email.step, email.enrolment.sequence
    lead_services.record_event(
        type=EventType.EMAIL,
        name=CLICK_EVENT,
        properties={"sequence": sequence.name, "step": step.position, "url": step.content_url},
        lead=email.enrolment.lead,
        occurred_at=at or now(),
    )
    return step.content_url
