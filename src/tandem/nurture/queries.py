"""Reads of nurture sequences and enrolments, and their permission-checked fetches.

Sequences are marketing's: everyone on a team reads them (sales sees where its recycled leads
went), marketing and admins change them.
"""

from collections.abc import Collection
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery

from tandem.core.errors import NotFound
from tandem.core.roles import MARKETING_ROLES, Role
from tandem.leads.models import Consent, ConsentPurpose, Lead
from tandem.leads.queries import require_editor, require_role
from tandem.nurture.models import EndReason, Enrolment, SentEmail, Sequence, Step
from tandem.people.queries import role_of

EDITS_NURTURE = frozenset({*MARKETING_ROLES, Role.ADMIN})
SEQUENCE_NOT_FOUND = "There is no nurture sequence {sequence_id}."
STEP_NOT_FOUND = "There is no email {step_id} in this sequence."
LINK_NOT_FOUND = "This link is not valid. It may have been copied incompletely."
RECENT_ENROLMENTS = 50


def may_edit_nurture(actor: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether pages should offer the actor the forms that change sequences."""
    return role_of(actor) in EDITS_NURTURE


def require_nurture_editor(actor: User) -> Role:
    return require_editor(actor, roles=EDITS_NURTURE, things="nurture sequences")


def _with_steps(sequences: QuerySet[Sequence]) -> QuerySet[Sequence]:
    return sequences.select_related("created_by").prefetch_related(
        Prefetch("steps", queryset=Step.objects.order_by("position"))
    )


def access_sequence(actor: User, sequence_id: int, *, write: bool = False) -> Sequence:
    """The sequence with its steps, for anyone on a team (and an editor, with `write`)."""
    require_role(actor)
    sequence = _with_steps(Sequence.objects.filter(pk=sequence_id)).first()
    if sequence is None:
        raise NotFound(SEQUENCE_NOT_FOUND.format(sequence_id=sequence_id))
    if write:
        require_nurture_editor(actor)
    return sequence


def access_step(actor: User, sequence: Sequence, step_id: int) -> Step:
    """A step of `sequence`, for an editor."""
    require_nurture_editor(actor)
    step = Step.objects.filter(sequence=sequence, pk=step_id).first()
    if step is None:
        raise NotFound(STEP_NOT_FOUND.format(step_id=step_id))
    return step


def sequence_list(actor: User) -> QuerySet[Sequence]:
    """Every sequence with its steps, in the order they take leads."""
    require_role(actor)
    return _with_steps(Sequence.objects.all())


@dataclass(frozen=True)
class SequenceCounts:
    enrolled: int = 0
    # Still in the sequence: no end yet.
    active: int = 0
    sent: int = 0
    unsubscribed: int = 0
    returned: int = 0


def sequence_counts(sequence_ids: Collection[int]) -> dict[int, SequenceCounts]:
    """Per sequence, its enrolments by outcome and its emails sent: two grouped queries
    however many sequences."""
    by_reason: dict[int, dict[str, int]] = {}
    rows = (
        Enrolment.objects.filter(sequence_id__in=sequence_ids)
        .values_list("sequence_id", "end_reason")
        .annotate(count=Count("id"))
        .order_by()
    )
    for sequence_id, reason, count in rows:
        by_reason.setdefault(sequence_id, {})[reason] = count
    sent = dict(
        SentEmail.objects.filter(enrolment__sequence_id__in=sequence_ids)
        .values_list("enrolment__sequence_id")
        .annotate(count=Count("id"))
        .order_by()
        .values_list("enrolment__sequence_id", "count")
    )
    return {
        pk: SequenceCounts(
            enrolled=sum(by_reason.get(pk, {}).values()),
            active=by_reason.get(pk, {}).get("", 0),
            sent=sent.get(pk, 0),
            unsubscribed=by_reason.get(pk, {}).get(EndReason.UNSUBSCRIBED, 0),
            returned=by_reason.get(pk, {}).get(EndReason.RETURNED_TO_MQL, 0),
        )
        for pk in sequence_ids
    }


def recent_enrolments(sequence: Sequence, *, limit: int = RECENT_ENROLMENTS) -> list[Enrolment]:
    """The sequence's latest enrolments with their leads and how many emails each was sent."""
    return list(
        sequence.enrolments.select_related("lead")
        .annotate(sent_count=Count("emails"))
        .order_by("-started_at", "-id")[:limit]
    )


def lead_enrolments(lead: Lead) -> QuerySet[Enrolment]:
    """A lead's enrolments, latest first; the caller fetched the lead with `access_lead`."""
    return (
        Enrolment.objects.filter(lead=lead)
        .select_related("sequence")
        .annotate(sent_count=Count("emails"))
        .order_by("-started_at", "-id")
    )


def sent_email_by_token(token: str) -> SentEmail:
    """The email a link's token names; the token is the only key, so anyone holding the link
    may use it (the email's recipient, or whoever they forwarded it to)."""
    email = (
        SentEmail.objects.select_related("step", "enrolment__lead", "enrolment__sequence")
        .filter(token=token)
        .first()
    )
    if email is None:
        raise NotFound(LINK_NOT_FOUND)
    return email


def marketing_consent_in_force() -> Subquery:
    """For a query over rows with a `lead_id`, the lead's latest marketing-email answer:
    True, False, or None when it never answered."""
    return Subquery(
        Consent.objects.filter(lead_id=OuterRef("lead_id"), purpose=ConsentPurpose.MARKETING_EMAIL)
        .order_by("-at", "-id")
        .values("granted")[:1]
    )
