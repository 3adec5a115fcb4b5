"""Writes for the lead agreement: drafting, proposing, withdrawing and signing versions.

A version goes draft → proposed → active → superseded. Only a draft's terms change; a proposal
collects one signature per required role, and the signature that completes the set activates
it in the same transaction, rescoring every lead under the new rules.
"""

import copy
import re
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from pydantic import ValidationError

from tandem.agreement import wording
from tandem.agreement.models import AgreementVersion, Signature, VersionStatus
from tandem.agreement.queries import active_version, require_agreement_drafter
from tandem.agreement.rules import Terms, parse_terms
from tandem.agreement.starter import STARTER_TERMS
from tandem.core.api_errors import field_name, sentence_for
from tandem.core.errors import Conflict, DomainError, PermissionDenied, check_known_fields
from tandem.core.roles import HEARS_OF_AGREEMENT_CHANGES, Role
from tandem.core.time import now
from tandem.leads.queries import require_role
from tandem.notifications.models import NotificationKind
from tandem.notifications.services import notify_people
from tandem.scoring.services import rescore_all

TITLE_MAX_LENGTH = 200
SUMMARY_MAX_LENGTH = 5000
DRAFT_FIELDS = frozenset({"title", "summary", "content"})

TITLE_REQUIRED = "A version needs a title."
TITLE_TOO_LONG = f"A version's title may be at most {TITLE_MAX_LENGTH} characters long."
SUMMARY_TOO_LONG = f"A version's summary may be at most {SUMMARY_MAX_LENGTH} characters long."
NUMBER_TAKEN = "Someone else started a version at the same moment; try again."
NOT_A_DRAFT = "Version {number} is {status}: only a draft can be {done}."
NOT_PROPOSED = "Version {number} is {status}: only a proposed version can be {done}."
NOT_A_SIGNER = (
    "Version {number} is signed by {signers}; your role ({role}) is not one of them, "
    "so you cannot sign it."
)
ALREADY_SIGNED = "You signed version {number} already, as {role}."

PROPOSED_TITLE = "Version {number} of the lead agreement is proposed: {title}"
PROPOSED_BODY = "{actor} proposed it. It takes effect once {signers} sign it."
SIGNED_TITLE = "{actor} signed version {number} of the lead agreement as {role}"
SIGNED_BODY = "Still needed before it takes effect: {signers}."
ACTIVATED_TITLE = "Version {number} of the lead agreement is now in effect: {title}"
ACTIVATED_BODY = (
    "{actor}'s signature completed it{replaces}. Every lead was rescored under its rules."
)
REPLACES = ", replacing version {number}"
WITHDRAWN_TITLE = "Version {number} of the lead agreement was withdrawn: {title}"
WITHDRAWN_BODY = "{actor} took it back to draft; the signatures it had were removed."

# Attempts at the next version number when another version takes it meanwhile.
NUMBER_ATTEMPTS = 3
CONDITIONS = "when"
CONDITION_VALUE = "value"
VALUE_KIND = "{field} must be text, a number, true or false, or a list of those."
ROLE_MEMBER = re.compile(r"Role\.([A-Z_]+)")


def validate_terms(content: Any) -> Terms:
    """The terms in `content`, or a DomainError naming each wrong part by its path.

    Paths start at `content`, e.g. `content.fit.rules.0.points`, and each comes with a sentence
    from the API's error table, so pages and the API explain a mistake the same way.
    """
    try:
        return parse_terms(content)
    except ValidationError as error:
        details: dict[tuple[int | str, ...], list[dict[str, Any]]] = {}
        for detail in error.errors():
            location = _readable_location(("content", *detail["loc"]))
            details.setdefault(location, []).append({**detail, "loc": location})
        problems = {
            ".".join(str(part) for part in location): _sentence(found)
            for location, found in details.items()
        }
        raise DomainError(" ".join(dict.fromkeys(problems.values())), fields=problems) from None


def _readable_location(location: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """The location up to a condition's value: pydantic goes on to name the union member it
    tried (`list[union[str,int,float,bool]]`), which means nothing to whoever wrote the terms."""
    for index, part in enumerate(location):
        if part == CONDITION_VALUE and index >= 2 and location[index - 2] == CONDITIONS:
            return location[: index + 1]
    return location


def _sentence(details: list[dict[str, Any]]) -> str:
    """One sentence for what is wrong at one place."""
    if len(details) > 1:
        # A value every member of a union refused: say what a value may be, unless one member
        # took its type and only refused a bound (text too long), which is then the problem.
        bounds = [detail for detail in details if not _is_type_error(detail["type"])]
        if not bounds:
            return VALUE_KIND.format(field=field_name(details[0]["loc"]))
        details = bounds
    sentence = sentence_for(details[0])
    # Signer roles are enum members in the schema; people write their values.
    return ROLE_MEMBER.sub(
        lambda match: repr(Role[match[1]].value) if match[1] in Role.__members__ else match[0],
        sentence,
    )


def _is_type_error(kind: str) -> bool:
    return kind.endswith(("_type", "_parsing")) or kind == "none_required"


def _check_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise DomainError(TITLE_REQUIRED, fields={"title": TITLE_REQUIRED})
    if len(title) > TITLE_MAX_LENGTH:
        raise DomainError(TITLE_TOO_LONG, fields={"title": TITLE_TOO_LONG})
    return title


def _check_summary(summary: str) -> str:
    if len(summary) > SUMMARY_MAX_LENGTH:
        raise DomainError(SUMMARY_TOO_LONG, fields={"summary": SUMMARY_TOO_LONG})
    return summary


def _next_number() -> int:
    latest = AgreementVersion.objects.aggregate(latest=Max("number"))["latest"]
    return (latest or 0) + 1


@transaction.atomic
def create_draft(
    *, by: User, title: str, summary: str = "", content: dict[str, Any] | None = None
) -> AgreementVersion:
    """Start a draft, from `content` or else from the active version's terms (the starter
    terms when none is active yet). The draft is numbered after the latest version."""
    require_agreement_drafter(by)
    base = active_version()
    if content is None:
        content = copy.deepcopy(base.content if base is not None else STARTER_TERMS)
    version = AgreementVersion(
        title=_check_title(title),
        summary=_check_summary(summary),
        content=validate_terms(content).model_dump(mode="json"),
        based_on=base,
        created_by=by,
    )
    for attempt in range(1, NUMBER_ATTEMPTS + 1):
        version.number = _next_number()
        try:
            # A savepoint, so that losing the number to someone else leaves the rest usable.
            with transaction.atomic():
                version.save()
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS:
                raise Conflict(NUMBER_TAKEN) from None
        else:
            break
    return version


def _lock(version: AgreementVersion) -> AgreementVersion:
    """The version's row, locked and read afresh: its status may have moved since it was read."""
    return (
        # Only the version's own row: PostgreSQL cannot lock the nullable side of a join.
        AgreementVersion.objects.select_for_update(of=("self",))
        .select_related("based_on", "created_by", "proposed_by")
        .get(pk=version.pk)
    )


def _status_label(version: AgreementVersion) -> str:
    return VersionStatus(version.status).label.lower()


def _require_draft(version: AgreementVersion, *, done: str) -> None:
    if version.status != VersionStatus.DRAFT:
        raise Conflict(
            NOT_A_DRAFT.format(number=version.number, status=_status_label(version), done=done)
        )


def _require_proposal(version: AgreementVersion, *, done: str) -> None:
    if version.status != VersionStatus.PROPOSED:
        raise Conflict(
            NOT_PROPOSED.format(number=version.number, status=_status_label(version), done=done)
        )


@transaction.atomic
def update_draft(
    *, version: AgreementVersion, by: User, changes: Mapping[str, Any]
) -> AgreementVersion:
    """Change a draft's title, summary or terms; the terms are checked whole before saving."""
    require_agreement_drafter(by)
    check_known_fields(changes, DRAFT_FIELDS)
    version = _lock(version)
    _require_draft(version, done="changed")
    if "title" in changes:
        version.title = _check_title(changes["title"])
    if "summary" in changes:
        version.summary = _check_summary(changes["summary"])
    if "content" in changes:
        version.content = validate_terms(changes["content"]).model_dump(mode="json")
        # `terms` is cached on the instance; the next read must see the new content.
        version.__dict__.pop("terms", None)
    version.save(update_fields=[*changes, "updated_at"])
    return version


@transaction.atomic
def propose_version(*, version: AgreementVersion, by: User) -> AgreementVersion:
    """Put a draft up for signature. Notifies the people who hear of agreement changes."""
    require_agreement_drafter(by)
    version = _lock(version)
    _require_draft(version, done="proposed")
    # The terms were checked when written; the rules may have grown stricter since.
    terms = validate_terms(version.content)
    version.status = VersionStatus.PROPOSED
    version.proposed_at = now()
    version.proposed_by = by
    version.save(update_fields=["status", "proposed_at", "proposed_by", "updated_at"])
    _announce(
        version,
        by=by,
        kind=NotificationKind.AGREEMENT_PROPOSED,
        title=PROPOSED_TITLE.format(number=version.number, title=version.title),
        body=PROPOSED_BODY.format(actor=_name(by), signers=wording.signers(terms.required_signers)),
    )
    return version


@transaction.atomic
def withdraw_proposal(*, version: AgreementVersion, by: User) -> AgreementVersion:
    """Take a proposal back to draft and remove its signatures, so that whatever is proposed
    next is signed afresh. Tells the people who had signed it, among the usual ones."""
    require_agreement_drafter(by)
    version = _lock(version)
    _require_proposal(version, done="withdrawn")
    signers = [signature.signer for signature in version.signatures.select_related("signer")]
    version.signatures.all().delete()
    version.status = VersionStatus.DRAFT
    version.proposed_at = None
    version.proposed_by = None
    version.save(update_fields=["status", "proposed_at", "proposed_by", "updated_at"])
    _announce(
        version,
        by=by,
        kind=NotificationKind.AGREEMENT_WITHDRAWN,
        title=WITHDRAWN_TITLE.format(number=version.number, title=version.title),
        body=WITHDRAWN_BODY.format(actor=_name(by)),
        also=signers,
    )
    return version


@transaction.atomic
def sign_version(*, version: AgreementVersion, by: User) -> AgreementVersion:
    """Sign a proposal in the role `by` holds; the signature that completes the required
    roles activates the version.

    Side effects: the announcement of the signature, or of the activation when this signature
    completes the set (one notice for one act); on activation the previous version is
    superseded and every lead is rescored, all in this transaction.
    """
    # The lock serialises signatures: two last signatures at once would each see the other
    # missing, and the version would never activate.
    version = _lock(version)
    _require_proposal(version, done="signed")
    role = require_role(by)
    required = version.terms.required_signers
    if role not in required:
        raise PermissionDenied(
            NOT_A_SIGNER.format(
                number=version.number, signers=wording.signers(required), role=role.label
            )
        )
    if version.signatures.filter(signer=by).exists():
        raise Conflict(ALREADY_SIGNED.format(number=version.number, role=role.label.lower()))
    Signature.objects.create(version=version, signer=by, role=role, signed_at=now())
    signed = set(version.signatures.values_list("role", flat=True))
    still_needed = [needed for needed in required if needed not in signed]
    if still_needed:
        _announce(
            version,
            by=by,
            kind=NotificationKind.AGREEMENT_SIGNED,
            title=SIGNED_TITLE.format(
                actor=_name(by), number=version.number, role=role.label.lower()
            ),
            body=SIGNED_BODY.format(signers=wording.signers(still_needed)),
        )
        return version
    previous = _activate(version)
    _announce(
        version,
        by=by,
        kind=NotificationKind.AGREEMENT_ACTIVATED,
        title=ACTIVATED_TITLE.format(number=version.number, title=version.title),
        body=ACTIVATED_BODY.format(
            actor=_name(by),
            replaces=REPLACES.format(number=previous.number) if previous is not None else "",
        ),
    )
    return version


def _activate(version: AgreementVersion) -> AgreementVersion | None:
    """Put the version in force and rescore every lead; returns the version it supersedes.

    Must run inside the transaction that holds the version's lock.
    """
    moment = now()
    # Every version row is locked, not only the active one: two proposals completing at once
    # then activate one after the other, and the second supersedes the first. (Locking only
    # "the active version" would let both see the same one, or none, and collide.)
    locked = AgreementVersion.objects.select_for_update().order_by("pk")
    previous = next(
        (row for row in locked if row.status == VersionStatus.ACTIVE and row.pk != version.pk),
        None,
    )
    # The previous version steps down first: one version at a time may be active.
    if previous is not None:
        previous.status = VersionStatus.SUPERSEDED
        previous.superseded_at = moment
        previous.save(update_fields=["status", "superseded_at", "updated_at"])
    version.status = VersionStatus.ACTIVE
    version.activated_at = moment
    version.save(update_fields=["status", "activated_at", "updated_at"])
    summary = rescore_all(version=version)
    version.activation_summary = summary.as_dict()
    version.save(update_fields=["activation_summary", "updated_at"])
    return previous


def _name(person: User) -> str:
    return person.get_full_name() or person.username


def _announce(
    version: AgreementVersion,
    *,
    by: User,
    kind: NotificationKind,
    title: str,
    body: str,
    also: list[User] | None = None,
) -> None:
    """Tell everyone who signed an earlier version, everyone whose role hears of agreement
    changes or must sign this version, and `also`; never the person who acted."""
    roles = {*HEARS_OF_AGREEMENT_CHANGES, *version.terms.required_signers}
    recipients = (
        User.objects.filter(is_active=True)
        .filter(
            Q(membership__role__in=roles)
            | Q(
                pk__in=Signature.objects.filter(version__number__lt=version.number).values("signer")
            )
            | Q(pk__in=[person.pk for person in also or []])
        )
        .exclude(pk=by.pk)
        .order_by("pk")
    )
    notify_people(
        recipients=recipients,
        kind=kind,
        title=title[:TITLE_MAX_LENGTH],
        body=body,
        url=reverse("agreement:version-detail", kwargs={"number": version.number}),
    )
