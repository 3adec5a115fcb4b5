"""The shapes of the lead agreement API."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.queries import Change, ComparedLine, signers_still_needed
from tandem.agreement.rules import Terms
from tandem.agreement.services import SUMMARY_MAX_LENGTH, TITLE_MAX_LENGTH
from tandem.agreement.whatif import DEFAULT_MONTHS, MAX_MONTHS
from tandem.core.roles import Role
from tandem.core.schemas import MAX_INTEGER, InSchema, PersonRef, patch_field

CONTENT_DESCRIPTION = (
    "The terms: fit rules and grade boundaries, engagement rules, the MQL rule, service levels, "
    "rejection reasons, the recycle rule, the glossary and the roles that must sign. Checked "
    "whole on every write; a mistake is named by its path, e.g. `content.fit.rules.0.points`."
)


def _inline_references(schema: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        reference = schema.get("$ref", "")
        if reference.startswith("#/$defs/"):
            return _inline_references(definitions[reference.removeprefix("#/$defs/")], definitions)
        return {key: _inline_references(value, definitions) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inline_references(item, definitions) for item in schema]
    return schema


def _terms_schema() -> dict[str, Any]:
    """The JSON schema of the terms with its definitions written in place.

    The API takes and gives the terms as a JSON object the service checks, so that a mistake is
    reported by its path like any other domain error; the OpenAPI document still shows their
    whole structure, without adding each part of it to the API's named schemas.
    """
    schema = Terms.model_json_schema()
    definitions = schema.pop("$defs", {})
    inlined: dict[str, Any] = _inline_references(schema, definitions)
    inlined.pop("title", None)
    return inlined


TERMS_SCHEMA = _terms_schema()


def _terms_content(schema: dict[str, Any]) -> None:
    kept = {key: schema[key] for key in ("description", "default") if key in schema}
    schema.clear()
    schema.update(TERMS_SCHEMA, **kept)


class SignatureOut(Schema):
    signer: PersonRef = Field(description="Who signed.")
    role: Role = Field(description="The role they signed in, the one they held then.")
    signed_at: dt.datetime = Field(description="When they signed.")


class VersionSummaryOut(Schema):
    number: int = Field(description="The version's number, counting up from 1.")
    status: VersionStatus = Field(
        description="draft (being written), proposed (collecting signatures), active (in "
        "force), or superseded (replaced by a later version)."
    )
    title: str = Field(description="The version's title.")
    summary: str = Field(description="What the version changes and why, for the signers.")
    based_on: int | None = Field(
        description="The number of the version that was active when this one was drafted."
    )
    created_by: PersonRef | None = Field(description="Who started the draft.")
    created_at: dt.datetime = Field(description="When the draft was started.")
    updated_at: dt.datetime = Field(description="When the version last changed.")
    proposed_at: dt.datetime | None = Field(description="When it was proposed for signature.")
    proposed_by: PersonRef | None = Field(description="Who proposed it.")
    activated_at: dt.datetime | None = Field(description="When it came into force.")
    superseded_at: dt.datetime | None = Field(description="When a later version replaced it.")
    signatures: list[SignatureOut] = Field(description="Its signatures, earliest first.")
    signers_still_needed: list[Role] = Field(
        description="The roles that must still sign before it comes into force; empty once it has."
    )

    @staticmethod
    def resolve_based_on(version: AgreementVersion) -> int | None:
        return version.based_on.number if version.based_on is not None else None

    @staticmethod
    def resolve_signatures(version: AgreementVersion) -> list[Any]:
        return list(version.signatures.all())

    @staticmethod
    def resolve_signers_still_needed(version: AgreementVersion) -> list[Role]:
        return signers_still_needed(version)


class VersionOut(VersionSummaryOut):
    content: dict[str, Any] = Field(
        description=CONTENT_DESCRIPTION, json_schema_extra=_terms_content
    )
    activation_summary: dict[str, Any] = Field(
        description="What rescoring did when the version came into force: how many leads were "
        "scored, met the MQL rule, moved to MQL or stopped qualifying, and how long it took."
    )

    @staticmethod
    def resolve_content(version: AgreementVersion) -> dict[str, Any]:
        # Through the terms, so the keys come in the schema's order on every database.
        return version.terms.model_dump(mode="json")


class VersionPage(Schema):
    count: int = Field(description="How many versions there are.")
    items: list[VersionSummaryOut] = Field(description="This page of versions, latest first.")


class VersionIn(InSchema):
    title: str = Field(
        min_length=1, max_length=TITLE_MAX_LENGTH, description="The version's title."
    )
    summary: str = Field(
        "",
        max_length=SUMMARY_MAX_LENGTH,
        description="What the version changes and why, for the signers.",
    )
    content: dict[str, Any] | None = Field(
        None,
        description="The terms. Left out, the draft starts from the active version's terms, "
        "or from a starter set when no version is active yet.",
        json_schema_extra=_terms_content,
    )


class VersionPatch(InSchema):
    """Only the fields sent are changed, and only while the version is a draft."""

    title: str = patch_field(
        min_length=1, max_length=TITLE_MAX_LENGTH, description="The version's title."
    )
    summary: str = patch_field(
        max_length=SUMMARY_MAX_LENGTH,
        description="What the version changes and why, for the signers.",
    )
    content: dict[str, Any] = patch_field(
        description="The whole terms, replacing the draft's.", json_schema_extra=_terms_content
    )


class CompareQuery(Schema):
    with_: int | None = Field(
        None,
        alias="with",
        ge=1,
        le=MAX_INTEGER,
        description="The number of the version to compare with; the active one when left out.",
    )


class ChangeOut(Schema):
    subject: str = Field(description="The term that changed, e.g. a rule's name.")
    change: Change = Field(description="added, removed or changed.")
    before: str | None = Field(description="The term in the earlier version, in words.")
    after: str | None = Field(description="The term in this version, in words.")

    @staticmethod
    def resolve_before(line: ComparedLine) -> str | None:
        return line.before_text

    @staticmethod
    def resolve_after(line: ComparedLine) -> str | None:
        return line.after_text


class SectionChangesOut(Schema):
    key: str = Field(description="The section's stable name, e.g. `fit_rules`.")
    title: str = Field(description="The section's title, e.g. `Fit rules`.")
    changes: list[ChangeOut] = Field(
        description="What differs in the section; empty when nothing does."
    )


class ComparisonOut(Schema):
    old: int = Field(description="The number of the version compared with.")
    new: int = Field(description="The number of the version asked about.")
    sections: list[SectionChangesOut] = Field(description="Every section, in the terms' order.")


class WhatIfQuery(Schema):
    months: int = Field(
        DEFAULT_MONTHS,
        ge=1,
        le=MAX_MONTHS,
        description=f"How many months of history to replay, up to {MAX_MONTHS}.",
    )


class OutcomesOut(Schema):
    mqls: int = Field(description="Leads that would have become MQLs.")
    accepted: int = Field(description="Of those, how many sales accepted.")
    sql: int = Field(description="Of those, how many reached SQL.")
    won: int = Field(description="Of those, how many were won.")
    revenue: Decimal = Field(description="The revenue they brought in.")


class WhatIfRowOut(Schema):
    key: str = Field(description="The month (`2026-03`) or the segment's name.")
    proposal: OutcomesOut = Field(description="Under the version asked about.")
    active: OutcomesOut | None = Field(
        description="Under the active version; null when no version is active."
    )


class WhatIfOut(Schema):
    version_number: int = Field(description="The version replayed.")
    active_number: int | None = Field(description="The active version it is compared with.")
    months: int = Field(description="How many months were replayed.")
    starts_on: dt.date = Field(description="The first day replayed.")
    ends_on: dt.date = Field(description="The last day replayed.")
    total: WhatIfRowOut = Field(description="The whole period.")
    by_month: list[WhatIfRowOut] = Field(description="Month by month, earliest first.")
    by_segment: list[WhatIfRowOut] = Field(description="Segment by segment.")
    leads_replayed: int = Field(description="How many leads the replay read.")
    events_replayed: int = Field(description="How many events the replay read.")
