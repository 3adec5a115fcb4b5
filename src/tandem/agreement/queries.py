"""Reads of the lead agreement: the permission-checked fetch of a version, the lists pages and the
API show, the terms described section by section, and what changed between two versions."""

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Prefetch, QuerySet

from tandem.agreement import wording
from tandem.agreement.models import AgreementVersion, Signature, VersionStatus
from tandem.agreement.rules import Terms
from tandem.core.errors import NotFound, PermissionDenied
from tandem.core.roles import DRAFTS_AGREEMENT, Role
from tandem.leads.queries import require_role
from tandem.people.queries import role_of

VERSION_NOT_FOUND = "There is no version {number} of the lead agreement."
NOT_A_DRAFTER = (
    "Only a marketing lead, a sales manager or an admin may draft or change the lead agreement; "
    "your role is {role}."
)


def require_agreement_drafter(actor: User) -> Role:
    """The actor's role, if it may draft, edit, propose and withdraw versions."""
    role = require_role(actor)
    if role not in DRAFTS_AGREEMENT:
        raise PermissionDenied(NOT_A_DRAFTER.format(role=role.label))
    return role


def may_draft(actor: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether the actor may draft and change versions; pages use it to offer their buttons."""
    return role_of(actor) in DRAFTS_AGREEMENT


def versions() -> QuerySet[AgreementVersion]:
    """Every version, latest first, with what the pages and the API show of each."""
    return AgreementVersion.objects.select_related(
        "based_on", "created_by", "proposed_by"
    ).prefetch_related(Prefetch("signatures", queryset=Signature.objects.select_related("signer")))


def version_list(actor: User) -> QuerySet[AgreementVersion]:
    """The versions the actor may read: all of them, for anyone on a team."""
    require_role(actor)
    return versions()


def access_version(actor: User, number: int, *, write: bool = False) -> AgreementVersion:
    """Version `number`, if the actor may read it (and draft, with `write`)."""
    require_role(actor)
    version = versions().filter(number=number).first()
    if version is None:
        raise NotFound(VERSION_NOT_FOUND.format(number=number))
    if write:
        require_agreement_drafter(actor)
    return version


def active_version() -> AgreementVersion | None:
    """The version in force, if any; scoring and handoff read their rules from it."""
    return AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).first()


def signers_still_needed(version: AgreementVersion) -> list[Role]:
    """The roles that must still sign before the version activates, in the terms' order.

    A draft still needs every required role: signatures are only taken once it is proposed.
    Active and superseded versions need nobody.
    """
    if version.status not in {VersionStatus.DRAFT, VersionStatus.PROPOSED}:
        return []
    signed = {signature.role for signature in version.signatures.all()}
    return [Role(role) for role in version.terms.required_signers if role not in signed]


def signature_of(version: AgreementVersion, person: User) -> Signature | None:
    return next(
        (signature for signature in version.signatures.all() if signature.signer_id == person.pk),
        None,
    )


def may_sign(actor: User, version: AgreementVersion) -> bool:
    """Whether the actor may sign the version now; the page offers the button only then."""
    return (
        version.status == VersionStatus.PROPOSED
        and role_of(actor) in version.terms.required_signers
        and signature_of(version, actor) is None
    )


@dataclass(frozen=True)
class VersionActions:
    """What a person may do to a version now, and what its page should warn about."""

    may_edit: bool
    may_propose: bool
    may_withdraw: bool
    may_sign: bool
    # A draft or proposal: it can still be changed or signed, so its what-if is worth showing.
    is_open: bool
    # Drafted while another version was in force: signing it would drop that one's changes
    # unless they were carried over, which only a comparison shows.
    drafted_before_active: bool


def version_actions(
    actor: User, version: AgreementVersion, active: AgreementVersion | None
) -> VersionActions:
    drafter = may_draft(actor)
    is_open = version.status in {VersionStatus.DRAFT, VersionStatus.PROPOSED}
    return VersionActions(
        may_edit=drafter and version.status == VersionStatus.DRAFT,
        may_propose=drafter and version.status == VersionStatus.DRAFT,
        may_withdraw=drafter and version.status == VersionStatus.PROPOSED,
        may_sign=may_sign(actor, version),
        is_open=is_open,
        drafted_before_active=is_open and active is not None and version.based_on_id != active.pk,
    )


# Reading and comparing terms -------------------------------------------------------------


@dataclass(frozen=True)
class TermLine:
    """One term of a section, e.g. a fit rule or a service level, in words."""

    # Identifies the term across versions: a rule's name, a reason's code, a fixed name.
    key: str
    subject: str
    text: str
    detail: str = ""

    @property
    def full_text(self) -> str:
        return f"{self.text} ({self.detail})" if self.detail else self.text


@dataclass(frozen=True)
class TermSection:
    key: str
    title: str
    lines: list[TermLine]


def describe_terms(terms: Terms) -> list[TermSection]:
    """The terms section by section, each term a line people can read."""
    levels = terms.service_levels
    hours = levels.business_hours
    return [
        TermSection(
            "fit_rules",
            "Fit rules",
            [
                TermLine(f"rule:{rule.name}", rule.name, wording.fit_rule(rule))
                for rule in terms.fit.rules
            ],
        ),
        TermSection(
            "fit_grades",
            "Fit grades",
            [
                TermLine(f"grade:{grade}", f"Grade {grade}", text)
                for grade, text in wording.grade_boundaries(terms.fit.grades)
            ],
        ),
        TermSection(
            "engagement",
            "Engagement rules",
            [
                *(
                    TermLine(f"rule:{rule.name}", rule.name, wording.engagement_rule(rule))
                    for rule in terms.engagement.rules
                ),
                TermLine("half_life", "Fading", wording.half_life(terms.engagement.half_life_days)),
            ],
        ),
        TermSection("mql", "MQL rule", [TermLine("mql", "MQL", wording.mql_sentence(terms.mql))]),
        TermSection(
            "service_levels",
            "Service levels",
            [
                TermLine(
                    "accept",
                    "Sales accepts or rejects an MQL within",
                    wording.hours(levels.accept_within_hours),
                ),
                TermLine(
                    "first_contact",
                    "Sales first contacts an MQL within",
                    wording.hours(levels.first_contact_within_hours),
                ),
                TermLine("undecided", "Undecided MQLs", wording.undecided(levels.when_undecided)),
                TermLine(
                    "mqls_per_month",
                    "Marketing delivers each month",
                    f"{wording.number(levels.mqls_per_month)} MQLs",
                ),
                *(
                    TermLine(
                        f"segment:{segment}",
                        f"… of which from {segment}",
                        f"{wording.number(count)} MQLs",
                    )
                    # By name: PostgreSQL does not keep the order they were written in.
                    for segment, count in sorted(levels.mqls_per_month_by_segment.items())
                ),
                TermLine(
                    "business_hours",
                    "Business hours",
                    wording.business_hours(
                        hours.days, hours.starts_at, hours.ends_at, hours.time_zone
                    ),
                ),
            ],
        ),
        TermSection(
            "rejection_reasons",
            "Rejection reasons",
            [
                TermLine(
                    f"reason:{reason.code}",
                    reason.label,
                    f"The lead is {wording.outcome(reason.outcome)}.",
                    f"code {reason.code}",
                )
                for reason in terms.rejection_reasons
            ],
        ),
        TermSection(
            "recycle",
            "Recycling",
            [TermLine("recycle", "Idle leads", wording.recycle(terms.recycle.idle_days))],
        ),
        TermSection(
            "glossary",
            "Glossary",
            [
                TermLine(
                    f"term:{term.term.casefold()}",
                    term.term,
                    term.definition,
                    f"owned by {wording.owner(term.owner).lower()}",
                )
                for term in terms.glossary
            ],
        ),
        TermSection(
            "signers",
            "Sign-off",
            [
                TermLine(
                    "required_signers",
                    "Must be signed by",
                    wording.signers(terms.required_signers),
                )
            ],
        ),
    ]


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    SAME = "same"


@dataclass(frozen=True)
class ComparedLine:
    """One term in both versions; `before` is None when it is new, `after` when it is gone."""

    subject: str
    before: TermLine | None
    after: TermLine | None

    @property
    def change(self) -> Change:
        if self.before is None:
            return Change.ADDED
        if self.after is None:
            return Change.REMOVED
        if (self.before.subject, self.before.full_text) != (
            self.after.subject,
            self.after.full_text,
        ):
            return Change.CHANGED
        return Change.SAME

    @property
    def before_text(self) -> str | None:
        return self._text(self.before)

    @property
    def after_text(self) -> str | None:
        return self._text(self.after)

    def _text(self, line: TermLine | None) -> str | None:
        if line is None:
            return None
        # A term renamed but kept (a reason's new label, same code) shows its name on each side.
        renamed = (
            self.before is not None
            and self.after is not None
            and self.before.subject != self.after.subject
        )
        return f"{line.subject}: {line.full_text}" if renamed else line.full_text


@dataclass(frozen=True)
class ComparedSection:
    key: str
    title: str
    lines: list[ComparedLine]

    @property
    def differences(self) -> list[ComparedLine]:
        return [line for line in self.lines if line.change != Change.SAME]


@dataclass(frozen=True)
class Comparison:
    old: AgreementVersion
    new: AgreementVersion
    sections: list[ComparedSection]

    @property
    def difference_count(self) -> int:
        return sum(len(section.differences) for section in self.sections)


def compare_versions(old: AgreementVersion, new: AgreementVersion) -> Comparison:
    """What `new` changes against `old`, section by section, term by term.

    Terms are matched by what identifies them (a rule's name, a reason's code, a glossary
    term), so a renamed rule reads as one removed and one added. Within a section the terms
    keep `new`'s order; the ones `new` drops follow, in `old`'s order.
    """
    sections = []
    for before, after in zip(describe_terms(old.terms), describe_terms(new.terms), strict=True):
        old_lines = {line.key: line for line in before.lines}
        new_keys = {line.key for line in after.lines}
        lines = [ComparedLine(line.subject, old_lines.get(line.key), line) for line in after.lines]
        lines += [
            ComparedLine(line.subject, line, None)
            for line in before.lines
            if line.key not in new_keys
        ]
        sections.append(ComparedSection(after.key, after.title, lines))
    return Comparison(old=old, new=new, sections=sections)
