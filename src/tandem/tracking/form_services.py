"""Forms on any website that post to Tandem: creating and archiving them, and taking a submission.

A submission is stored as one "form" event through `tracking.ingest`, so it reaches leads,
consent and scoring through the same pipeline as every tracked event. Spam is turned away
without any third-party service:

- a honeypot: a field people never see (`website`) that bots fill in;
- timing: a signed time (`started`) the page fetched when it was shown; a person needs more than
  a few seconds to fill a form in, a script does not;
- a rate limit: a few accepted submissions per address in a window, across all forms.

A bot turned away by the first two is answered as if it had succeeded, so it learns nothing. A
rate-limited sender is told, since it may be a real person on a shared address.
"""

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.text import slugify

from tandem.campaigns.models import Campaign
from tandem.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from tandem.core.roles import MANAGES_FORMS, Role
from tandem.core.time import now
from tandem.leads.models import Event, EventType
from tandem.people.models import Membership, Source
from tandem.tracking import ingest
from tandem.tracking.messages import MAX_ID_LENGTH, EventRow
from tandem.tracking.models import Form, FormSubmission, SubmissionOutcome

# The lead fields a form may ask for, in the order a form shows them, with the longest value
# each may hold: the lengths of the lead's own columns, so a kept value always fits.
FIELD_MAX_LENGTHS: dict[str, int] = {
    "email": 254,
    "first_name": 100,
    "last_name": 100,
    "company": 200,
    "job_title": 150,
    "phone": 40,
    "country": 2,
}
FORM_FIELDS = tuple(FIELD_MAX_LENGTHS)
FIELD_LABELS = {
    "email": "Email",
    "first_name": "First name",
    "last_name": "Last name",
    "company": "Company",
    "job_title": "Job title",
    "phone": "Phone",
    "country": "Country",
}

# The hidden fields a page sends besides the lead fields.
HONEYPOT_FIELD = "website"
STARTED_FIELD = "started"
CONSENT_FIELD = "consent"
PAGE_URL_FIELD = "page_url"
REFERRER_FIELD = "referrer"
ANONYMOUS_ID_FIELD = "anonymous_id"
MESSAGE_ID_FIELD = "message_id"
# What browsers and programs send for a ticked checkbox.
TICKED = frozenset({"on", "true", "1", "yes"})

MIN_FILL_SECONDS = 3
MAX_STARTED_AGE = dt.timedelta(days=1)
RATE_LIMIT_COUNT = 5
RATE_LIMIT_WINDOW = dt.timedelta(minutes=10)
# Page addresses, referrers and browser names are kept for reading, cut to a length that bounds
# an event's size; a visitor cannot shorten them, so a long one is never refused.
MAX_URL_LENGTH = 2000
MAX_USER_AGENT_LENGTH = 500
# The longest value of each UTM parameter kept: the lead's own UTM columns.
UTM_MAX_LENGTHS = {
    "utm_campaign": 120,
    "utm_source": 100,
    "utm_medium": 100,
    "utm_term": 100,
    "utm_content": 100,
}
# Segment's names for the UTM parameters in an event's `context.campaign`.
UTM_CONTEXT_KEYS = {
    "utm_campaign": "name",
    "utm_source": "source",
    "utm_medium": "medium",
    "utm_term": "term",
    "utm_content": "content",
}
NAME_MAX_LENGTH = 100
WORDING_MAX_LENGTH = 2000
REDIRECT_MAX_LENGTH = 500

MAY_NOT_MANAGE_FORMS = "Your role ({role}) may not manage forms; ask someone in marketing."
NAME_LENGTH = "A form needs a name of 1 to 100 characters."
NAME_TAKEN = "There is already a form named {name}."
UNKNOWN_FORM_FIELDS = "A form cannot ask for {names}; it may ask for {allowed}."
REPEATED_FORM_FIELDS = "A form asks for each field once; {names} is repeated."
WORDING_TOO_LONG = "The consent wording may be at most 2,000 characters."
REDIRECT_NOT_A_URL = "The page after sending must be a web address starting with https://."
REDIRECT_TOO_LONG = "The page after sending may be at most 500 characters."
SOURCE_REVOKED = "The source {name} was revoked; choose an active one."
ALREADY_ARCHIVED = "The form {name} is already archived."
FORM_NOT_FOUND = "There is no such form, or it no longer takes submissions."

EMAIL_REQUIRED = "Please give your email address."
EMAIL_INVALID = "Please give a valid email address, such as ann@example.com."
VALUE_TOO_LONG = "{label} may be at most {limit} characters."
COUNTRY_INVALID = "Country must be a two-letter code, such as FR or US."
ID_TOO_LONG = "{field} may be at most 100 characters."
RATE_LIMITED = (
    "We have received several forms from your address in the last few minutes. "
    "Please try again in ten minutes."
)


class FormRateLimited(DomainError):
    """Too many accepted submissions from one address; the sender should wait."""

    status_code = 429
    code = "rate_limited"


@dataclass(frozen=True)
class SubmissionResult:
    """What became of a submission the page is told was received: accepted, or spam turned
    away silently."""

    outcome: SubmissionOutcome
    event_id: int | None = None
    # True when the same message id was stored before, e.g. by a double click.
    is_repeat: bool = False


def _check_form_manager(by: User | None) -> None:
    """Marketing people and admins manage forms; None is the console."""
    if by is None:
        return
    role = Membership.objects.filter(user=by).values_list("role", flat=True).first()
    if role not in MANAGES_FORMS:
        label = Role(role).label if role else "none"
        raise PermissionDenied(MAY_NOT_MANAGE_FORMS.format(role=label))


def _checked_fields(fields: Sequence[str]) -> list[str]:
    unknown = [name for name in fields if name not in FIELD_MAX_LENGTHS]
    if unknown:
        raise DomainError(
            UNKNOWN_FORM_FIELDS.format(names=", ".join(unknown), allowed=", ".join(FORM_FIELDS)),
            fields={"fields": "unknown field"},
        )
    repeated = sorted({name for name in fields if list(fields).count(name) > 1})
    if repeated:
        raise DomainError(
            REPEATED_FORM_FIELDS.format(names=", ".join(repeated)),
            fields={"fields": "repeated field"},
        )
    # Email is how the pipeline finds the lead, so every form asks it, first.
    return ["email", *(name for name in fields if name != "email")]


def _checked_redirect(url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    if len(url) > REDIRECT_MAX_LENGTH:
        raise DomainError(REDIRECT_TOO_LONG, fields={"redirect_url": "too long"})
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise DomainError(
            REDIRECT_NOT_A_URL, fields={"redirect_url": "not a web address"}
        ) from None
    return url


@transaction.atomic
def create_form(
    *,
    by: User | None,
    name: str,
    source: Source,
    fields: Sequence[str],
    consent_wording: str = "",
    campaign: Campaign | None = None,
    redirect_url: str = "",
) -> Form:
    """Create a form with a new public key; its submissions are events of `source`."""
    _check_form_manager(by)
    name = name.strip()
    if not 1 <= len(name) <= NAME_MAX_LENGTH:
        raise DomainError(NAME_LENGTH, fields={"name": "1 to 100 characters"})
    if Form.objects.filter(name=name).exists():
        raise Conflict(NAME_TAKEN.format(name=name), code="taken", fields={"name": "taken"})
    if not source.is_active:
        raise DomainError(SOURCE_REVOKED.format(name=source.name), fields={"source": "revoked"})
    consent_wording = consent_wording.strip()
    if len(consent_wording) > WORDING_MAX_LENGTH:
        raise DomainError(WORDING_TOO_LONG, fields={"consent_wording": "too long"})
    return Form.objects.create(
        name=name,
        key=secrets.token_urlsafe(12),
        source=source,
        campaign=campaign,
        fields=_checked_fields(fields),
        consent_wording=consent_wording,
        redirect_url=_checked_redirect(redirect_url),
        created_by=by,
    )


@transaction.atomic
def archive_form(*, by: User | None, form: Form) -> Form:
    """Stop a form taking submissions; it and its submissions are kept."""
    _check_form_manager(by)
    form = Form.objects.select_for_update().get(pk=form.pk)
    if not form.is_active:
        raise Conflict(ALREADY_ARCHIVED.format(name=form.name))
    form.archived_at = now()
    form.save(update_fields=["archived_at", "updated_at"])
    return form


def _started_signer(form: Form) -> signing.TimestampSigner:
    # One salt per form: a value fetched for one form is worthless on another.
    return signing.TimestampSigner(salt=f"tandem.tracking.forms.started:{form.key}")


def started_value(*, form: Form) -> str:
    """The signed time a page puts in the form's hidden `started` field when it shows it."""
    return _started_signer(form).sign(form.key)


def is_filled_by_a_person(*, form: Form, started: str) -> bool:
    """Whether `started` is this form's signed time, at least MIN_FILL_SECONDS and at most
    MAX_STARTED_AGE old."""
    signer = _started_signer(form)
    try:
        signer.unsign(started, max_age=MAX_STARTED_AGE)
    except signing.BadSignature:
        return False
    timestamp = started.rsplit(signer.sep, 2)[1]
    age = now().timestamp() - signing.b62_decode(timestamp)
    return age >= MIN_FILL_SECONDS


def address_digest(client_ip: str) -> str:
    """A keyed hash of the sender's address: enough to count their submissions, not to know
    them."""
    return hmac.new(settings.SECRET_KEY.encode(), client_ip.encode(), hashlib.sha256).hexdigest()


def _lead_traits(form: Form, data: Mapping[str, str]) -> dict[str, str]:
    """The form's lead fields from `data`, checked; fields the form does not ask are ignored.

    Raises DomainError naming every field in need of a correction.
    """
    traits: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name in form.fields:
        value = data.get(name, "").strip()
        limit = FIELD_MAX_LENGTHS[name]
        if name == "email":
            value = value.lower()
            if not value:
                problems[name] = EMAIL_REQUIRED
                continue
        if not value:
            continue
        if name == "country":
            value = value.upper()
            if len(value) != limit or not (value.isascii() and value.isalpha()):
                problems[name] = COUNTRY_INVALID
        elif len(value) > limit:
            problems[name] = VALUE_TOO_LONG.format(label=FIELD_LABELS[name], limit=limit)
        elif name == "email":
            try:
                validate_email(value)
            except ValidationError:
                problems[name] = EMAIL_INVALID
        traits[name] = value
    if problems:
        raise DomainError(" ".join(problems.values()), fields=problems)
    return traits


def _identifier(data: Mapping[str, str], field: str) -> str:
    value = data.get(field, "").strip()
    if len(value) > MAX_ID_LENGTH:
        raise DomainError(ID_TOO_LONG.format(field=field), fields={field: "too long"})
    return value


def _web_address(value: str) -> str:
    value = value.strip()
    if not value.lower().startswith(("http://", "https://")):
        return ""
    return value[:MAX_URL_LENGTH]


def _campaign_context(form: Form, landing_url: str) -> dict[str, str]:
    """The landing address's UTM parameters under Segment's names; the form's own campaign
    when the address names none."""
    query = parse_qs(urlsplit(landing_url).query)
    campaign = {
        UTM_CONTEXT_KEYS[parameter]: value[:limit]
        for parameter, limit in UTM_MAX_LENGTHS.items()
        if (value := query.get(parameter, [""])[0].strip())
    }
    if "name" not in campaign and form.campaign is not None:
        campaign["name"] = form.campaign.utm_key
    return campaign


def _event_context(
    form: Form, data: Mapping[str, str], *, client_ip: str, user_agent: str, referer: str
) -> dict[str, Any]:
    # The page sends its own address; a plain HTML form without the script leaves the browser's
    # Referer header, which is the same address unless the site's referrer policy trims it.
    landing_url = _web_address(data.get(PAGE_URL_FIELD, "")) or _web_address(referer)
    page = {"url": landing_url, "referrer": _web_address(data.get(REFERRER_FIELD, ""))}
    context: dict[str, Any] = {"page": {key: value for key, value in page.items() if value}}
    if campaign := _campaign_context(form, landing_url):
        context["campaign"] = campaign
    context["form"] = form.key
    if form.consent_wording:
        # An unticked box is an answer too: the lead saw the wording and said no.
        granted = data.get(CONSENT_FIELD, "").strip().lower() in TICKED
        context["consent"] = {"granted": granted, "wording": form.consent_wording}
    context["ip"] = client_ip
    if user_agent:
        context["userAgent"] = user_agent[:MAX_USER_AGENT_LENGTH]
    return context


def _record(form: Form, outcome: SubmissionOutcome, digest: str, at: dt.datetime) -> None:
    FormSubmission.objects.create(form=form, received_at=at, outcome=outcome, address_digest=digest)


def submit_form(
    *,
    form: Form,
    data: Mapping[str, str],
    client_ip: str,
    user_agent: str = "",
    referer: str = "",
) -> SubmissionResult:
    """Take one post to `form`: turn spam away, check the fields, store the form event.

    Every post leaves a FormSubmission row with its outcome, except one refused for its fields
    (the person corrects it and sends it again) and a repeat of a message id already stored. An
    accepted post is stored as a "form" event queued for the pipeline, which creates or updates
    the lead, records consent and scores it.

    Raises NotFound for an archived form, DomainError naming the fields to correct, and
    FormRateLimited (after recording the refusal) when the address sent too many.
    """
    if not form.is_active:
        raise NotFound(FORM_NOT_FOUND)
    received_at = now()
    digest = address_digest(client_ip)
    if data.get(HONEYPOT_FIELD, "").strip():
        _record(form, SubmissionOutcome.HONEYPOT, digest, received_at)
        return SubmissionResult(outcome=SubmissionOutcome.HONEYPOT)
    if not is_filled_by_a_person(form=form, started=data.get(STARTED_FIELD, "")):
        _record(form, SubmissionOutcome.TOO_FAST, digest, received_at)
        return SubmissionResult(outcome=SubmissionOutcome.TOO_FAST)
    traits = _lead_traits(form, data)
    anonymous_id = _identifier(data, ANONYMOUS_ID_FIELD) or f"form:{uuid.uuid4().hex}"
    message_id = _identifier(data, MESSAGE_ID_FIELD) or uuid.uuid4().hex
    row = EventRow(
        type=EventType.FORM.value,
        name=form.name,
        anonymous_id=anonymous_id,
        user_id="",
        message_id=message_id,
        # Engagement rules match a form by its slug (a form named "Demo request" is
        # `demo-request`); what the person typed belongs in traits, which rules do not test.
        properties={"form": slugify(form.name)},
        traits=traits,
        context=_event_context(
            form, data, client_ip=client_ip, user_agent=user_agent, referer=referer
        ),
        occurred_at=received_at,
        original_timestamp=None,
        sent_at=None,
    )
    if _sent_too_many(digest, received_at):
        _record(form, SubmissionOutcome.RATE_LIMITED, digest, received_at)
        raise FormRateLimited(RATE_LIMITED)
    return _store(form, row, digest, received_at)


def _sent_too_many(digest: str, at: dt.datetime) -> bool:
    # Two posts from one address at the same moment may both pass on PostgreSQL: one over the
    # limit is harmless, and a lock per address is not worth it.
    accepted_recently = FormSubmission.objects.filter(
        address_digest=digest,
        outcome=SubmissionOutcome.ACCEPTED,
        received_at__gt=at - RATE_LIMIT_WINDOW,
    ).count()
    return accepted_recently >= RATE_LIMIT_COUNT


@transaction.atomic
def _store(form: Form, row: EventRow, digest: str, at: dt.datetime) -> SubmissionResult:
    stored = ingest.store_events(source_id=form.source_id, rows=[row], received_at=at)
    if not stored.event_ids:
        # The page sent this message id before (a double click, a retry): it is stored once,
        # and counted once.
        repeated = Event.objects.filter(source_id=form.source_id, message_id=row.message_id)
        return SubmissionResult(
            outcome=SubmissionOutcome.ACCEPTED,
            event_id=repeated.values_list("pk", flat=True).first(),
            is_repeat=True,
        )
    event_id = stored.event_ids[0]
    FormSubmission.objects.create(
        form=form,
        received_at=at,
        outcome=SubmissionOutcome.ACCEPTED,
        address_digest=digest,
        event_id=event_id,
    )
    return SubmissionResult(outcome=SubmissionOutcome.ACCEPTED, event_id=event_id)
