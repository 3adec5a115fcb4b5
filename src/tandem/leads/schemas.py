"""The shapes of the leads, companies and deals API.

Each resource has separate In (create), Patch (change), Out and Filter schemas. Every string and
list a client sends is bounded, and input schemas refuse fields they do not know.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, FilterLookup, FilterSchema, Schema

from tandem.core.schemas import (
    COUNTRY_PATTERN,
    CURRENCY_PATTERN,
    EMAIL_PATTERN,
    MAX_ID,
    MAX_INTEGER,
    Attributes,
    InSchema,
    PersonRef,
    patch_field,
    text_pattern,
)
from tandem.leads import lifecycle
from tandem.leads.models import DealStage, Lead, Stage, StageChange
from tandem.leads.queries import LeadFilter as LeadCriteria

# Companies --------------------------------------------------------------------------------


class CompanyRef(Schema):
    id: int = Field(description="The company's id.")
    name: str = Field(description="The company's name.")


class CompanyOut(Schema):
    id: int = Field(description="The company's id.")
    name: str = Field(description="The company's name.")
    domain: str = Field(description="Web domain, lower case; unique among companies when set.")
    segment: str = Field(description="Market segment, as the lead agreement names it.")
    industry: str = Field(description="Industry.")
    employee_count: int | None = Field(description="Number of employees, when known.")
    country: str = Field(description="ISO 3166-1 alpha-2 country code, or empty.")
    attributes: dict[str, Any] = Field(description="Custom attributes.")
    created_at: dt.datetime = Field(description="When the company was created.")
    updated_at: dt.datetime = Field(description="When the company last changed.")


class CompanyIn(InSchema):
    name: str = Field(min_length=1, max_length=200, description="The company's name.")
    domain: str = Field(
        "", max_length=200, description="Web domain; unique among companies when set."
    )
    segment: str = Field("", max_length=100, description="Market segment.")
    industry: str = Field("", max_length=100, description="Industry.")
    employee_count: int | None = Field(
        None, ge=0, le=MAX_INTEGER, description="Number of employees, when known."
    )
    country: str = Field(
        "", max_length=2, pattern=COUNTRY_PATTERN, description="ISO 3166-1 alpha-2 country code."
    )
    attributes: Attributes = Field(default_factory=dict)


class CompanyPatch(InSchema):
    """Only the fields sent are changed."""

    name: str = patch_field(min_length=1, max_length=200, description="The company's name.")
    domain: str = patch_field(
        max_length=200, description="Web domain; unique among companies when set."
    )
    segment: str = patch_field(max_length=100, description="Market segment.")
    industry: str = patch_field(max_length=100, description="Industry.")
    employee_count: int | None = patch_field(
        ge=0, le=MAX_INTEGER, description="Number of employees, or null when unknown."
    )
    country: str = patch_field(
        max_length=2, pattern=COUNTRY_PATTERN, description="ISO 3166-1 alpha-2 country code."
    )
    attributes: Attributes = patch_field()


class CompanyFilter(FilterSchema):
    search: Annotated[str | None, FilterLookup(["name__icontains", "domain__icontains"])] = Field(
        None, max_length=100, description="Text the company's name or domain contains."
    )
    segment: Annotated[str | None, FilterLookup("segment")] = Field(
        None, max_length=100, description="Only companies in this segment."
    )


class CompanyPage(Schema):
    count: int = Field(description="How many companies match, over all pages.")
    items: list[CompanyOut] = Field(description="This page of companies, by name.")


# Leads ------------------------------------------------------------------------------------


class LeadOut(Schema):
    id: int = Field(description="The lead's id.")
    display_name: str = Field(description="The lead's name, or email, for showing to people.")
    email: str = Field(description="Email address, lower case; unique among leads when set.")
    first_name: str = Field(description="First name.")
    last_name: str = Field(description="Last name.")
    job_title: str = Field(description="Job title.")
    phone: str = Field(description="Phone number.")
    country: str = Field(description="ISO 3166-1 alpha-2 country code, or empty.")
    company: CompanyRef | None = Field(description="The lead's company, if known.")
    source: str = Field(description="How the lead came in.")
    first_touch_campaign_id: int | None = Field(description="The campaign that first drew them.")
    last_touch_campaign_id: int | None = Field(description="The latest campaign that touched them.")
    utm_source: str = Field(description="utm_source of the visit that captured the lead.")
    utm_medium: str = Field(description="utm_medium of the visit that captured the lead.")
    utm_campaign: str = Field(description="utm_campaign of the visit that captured the lead.")
    utm_term: str = Field(description="utm_term of the visit that captured the lead.")
    utm_content: str = Field(description="utm_content of the visit that captured the lead.")
    landing_page: str = Field(description="The page the lead landed on.")
    last_touch_landing_page: str = Field(
        description="The page the latest campaign brought the lead to (set by tracking)."
    )
    owner: PersonRef | None = Field(description="The person in sales who owns the lead.")
    stage: Stage = Field(description="Where the lead stands in the funnel.")
    stage_changed_at: dt.datetime = Field(description="When the lead entered its current stage.")
    allowed_moves: list[Stage] = Field(
        description="The stages the lead may move to next, in funnel order."
    )
    attributes: dict[str, Any] = Field(description="Custom attributes.")
    created_at: dt.datetime = Field(description="When the lead was created.")
    updated_at: dt.datetime = Field(description="When the lead last changed.")

    @staticmethod
    def resolve_allowed_moves(lead: Lead) -> list[Stage]:
        return lifecycle.allowed_moves(lead.stage)


class LeadIn(InSchema):
    email: str = Field(
        "",
        max_length=254,
        pattern=EMAIL_PATTERN,
        description="Email address; unique among leads, stored in lower case.",
    )
    first_name: str = Field("", max_length=100, description="First name.")
    last_name: str = Field("", max_length=100, description="Last name.")
    job_title: str = Field("", max_length=150, description="Job title.")
    phone: str = Field("", max_length=40, description="Phone number.")
    country: str = Field(
        "", max_length=2, pattern=COUNTRY_PATTERN, description="ISO 3166-1 alpha-2 country code."
    )
    company_id: int | None = Field(None, ge=1, le=MAX_ID, description="The lead's company.")
    source: str = Field("", max_length=60, description="How the lead came in.")
    first_touch_campaign_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The campaign that first drew them."
    )
    last_touch_campaign_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The latest campaign that touched them."
    )
    utm_source: str = Field("", max_length=100, description="utm_source of the capturing visit.")
    utm_medium: str = Field("", max_length=100, description="utm_medium of the capturing visit.")
    utm_campaign: str = Field(
        "", max_length=120, description="utm_campaign of the capturing visit."
    )
    utm_term: str = Field("", max_length=100, description="utm_term of the capturing visit.")
    utm_content: str = Field("", max_length=100, description="utm_content of the capturing visit.")
    landing_page: str = Field("", max_length=500, description="The page the lead landed on.")
    owner_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="The person in sales who owns the lead. A sales rep who leaves it out "
        "becomes the owner; assigning someone else needs a role that assigns leads.",
    )
    attributes: Attributes = Field(default_factory=dict)
    stage: Stage = Field(
        Stage.LEAD,
        description="The stage the lead enters the funnel at: any stage of the main path "
        "(inquiry to customer).",
    )


class LeadPatch(InSchema):
    """Only the fields sent are changed. The stage changes through `POST /leads/{id}/stage`."""

    email: str = patch_field(
        max_length=254,
        pattern=EMAIL_PATTERN,
        description="Email address; unique among leads, stored in lower case.",
    )
    first_name: str = patch_field(max_length=100, description="First name.")
    last_name: str = patch_field(max_length=100, description="Last name.")
    job_title: str = patch_field(max_length=150, description="Job title.")
    phone: str = patch_field(max_length=40, description="Phone number.")
    country: str = patch_field(
        max_length=2, pattern=COUNTRY_PATTERN, description="ISO 3166-1 alpha-2 country code."
    )
    company_id: int | None = patch_field(
        ge=1, le=MAX_ID, description="The lead's company, or null for none."
    )
    source: str = patch_field(max_length=60, description="How the lead came in.")
    first_touch_campaign_id: int | None = patch_field(
        ge=1, le=MAX_ID, description="The campaign that first drew them, or null."
    )
    last_touch_campaign_id: int | None = patch_field(
        ge=1, le=MAX_ID, description="The latest campaign that touched them, or null."
    )
    utm_source: str = patch_field(max_length=100, description="utm_source of the capturing visit.")
    utm_medium: str = patch_field(max_length=100, description="utm_medium of the capturing visit.")
    utm_campaign: str = patch_field(
        max_length=120, description="utm_campaign of the capturing visit."
    )
    utm_term: str = patch_field(max_length=100, description="utm_term of the capturing visit.")
    utm_content: str = patch_field(
        max_length=100, description="utm_content of the capturing visit."
    )
    landing_page: str = patch_field(max_length=500, description="The page the lead landed on.")
    owner_id: int | None = patch_field(
        ge=1,
        le=MAX_ID,
        description="The person in sales who owns the lead, or null to unassign it. "
        "Assigning someone else needs a role that assigns leads.",
    )
    attributes: Attributes = patch_field()


class LeadFilter(Schema):
    search: str = Field(
        "",
        max_length=100,
        description="Text the lead's email, name or company name contains, or the start of "
        "its external id.",
    )
    stage: Stage | None = Field(None, description="Only leads at this stage.")
    source: str = Field("", max_length=60, description="Only leads from this source.")
    owner_id: int | None = Field(None, ge=1, le=MAX_ID, description="Only leads this person owns.")
    company_id: int | None = Field(None, ge=1, le=MAX_ID, description="Only leads of this company.")
    campaign_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Only leads this campaign touched first or last."
    )
    segment: str = Field(
        "", max_length=100, description="Only leads whose company is in this segment."
    )

    def criteria(self) -> LeadCriteria:
        return LeadCriteria(
            search=self.search.strip(),
            stage=self.stage or "",
            source=self.source,
            owner_id=self.owner_id,
            company_id=self.company_id,
            campaign_id=self.campaign_id,
            segment=self.segment,
        )


class LeadPage(Schema):
    count: int = Field(description="How many leads match, over all pages.")
    items: list[LeadOut] = Field(description="This page of leads, latest stage change first.")


class StageChangeOut(Schema):
    """One row of a lead's append-only stage ledger."""

    id: int = Field(description="The ledger row's id.")
    from_stage: Stage | None = Field(
        description="The stage before, or null when the lead entered the funnel with this row."
    )
    to_stage: Stage = Field(description="The stage after.")
    at: dt.datetime = Field(description="When the change took effect.")
    actor: str | None = Field(description="Username of who made the change; null for the system.")
    actor_label: str = Field(description="Which part of the system made it, when no person did.")
    reason: str = Field(description="Why, as the actor said.")
    agreement_version: int | None = Field(
        description="The number of the lead agreement version whose rule made the change "
        "(e.g. a move to MQL by score); null when no rule made it."
    )

    @staticmethod
    def resolve_agreement_version(change: StageChange) -> int | None:
        version = change.agreement_version
        return version.number if version is not None else None

    @staticmethod
    def resolve_from_stage(change: StageChange) -> str | None:
        return change.from_stage or None

    @staticmethod
    def resolve_actor(change: StageChange) -> str | None:
        return change.actor.username if change.actor is not None else None


class StageMoveIn(InSchema):
    stage: Stage = Field(description="The stage to move the lead to; see the lead's allowed_moves.")
    reason: str = Field("", max_length=500, description="Why, for the stage ledger.")


class StageMoveOut(Schema):
    lead: LeadOut = Field(description="The lead at its new stage.")
    change: StageChangeOut = Field(description="The ledger row the move appended.")


# Deals ------------------------------------------------------------------------------------


class DealOut(Schema):
    id: int = Field(description="The deal's id.")
    lead_id: int = Field(description="The lead the deal is for.")
    company_id: int | None = Field(description="The lead's company when the deal opened.")
    name: str = Field(description="The deal's name.")
    amount: Decimal = Field(description="The deal's value, in `currency`.")
    currency: str = Field(description="ISO 4217 currency code.")
    stage: DealStage = Field(description="Where the deal stands.")
    opened_on: dt.date = Field(description="When the deal opened.")
    closed_on: dt.date | None = Field(description="When the deal was won or lost.")
    lost_reason: str = Field(description="Why a lost deal was lost.")
    owner_id: int | None = Field(description="The person in sales who owns the deal.")
    attributes: dict[str, Any] = Field(description="Custom attributes.")
    created_at: dt.datetime = Field(description="When the deal was created.")
    updated_at: dt.datetime = Field(description="When the deal last changed.")


AMOUNT_DESCRIPTION = "The deal's value, at least 0, with at most 2 decimal places."
AMOUNT_TEXT_PATTERN = r"^\d{1,12}(\.\d{1,2})?$"


# Documents the text form of an amount as precisely as its number form.
document_amount = text_pattern(AMOUNT_TEXT_PATTERN)


# A deal's amount, wherever a client sends a new one.
Amount = Annotated[
    Decimal,
    Field(
        ge=0,
        max_digits=14,
        decimal_places=2,
        description=AMOUNT_DESCRIPTION,
        json_schema_extra=document_amount,
    ),
]


class DealIn(InSchema):
    lead_id: int = Field(ge=1, le=MAX_ID, description="The lead the deal is for.")
    name: str = Field(min_length=1, max_length=200, description="The deal's name.")
    amount: Amount
    currency: str = Field(pattern=CURRENCY_PATTERN, description="ISO 4217 currency code.")
    stage: DealStage = Field(
        DealStage.QUALIFICATION,
        description="Where the deal stands. A deal created as won makes its lead a customer.",
    )
    opened_on: dt.date | None = Field(None, description="When the deal opened; today if left out.")
    closed_on: dt.date | None = Field(
        None, description="When the deal was won or lost; required for those stages."
    )
    lost_reason: str = Field(
        "", max_length=200, description="Why the deal was lost; required when lost."
    )
    owner_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The deal's owner; the lead's owner if left out."
    )
    attributes: Attributes = Field(default_factory=dict)


class DealPatch(InSchema):
    """Only the fields sent are changed. Winning a deal makes its lead a customer."""

    name: str = patch_field(min_length=1, max_length=200, description="The deal's name.")
    amount: Decimal = patch_field(
        ge=0,
        max_digits=14,
        decimal_places=2,
        description=AMOUNT_DESCRIPTION,
        json_schema_extra=document_amount,
    )
    currency: str = patch_field(pattern=CURRENCY_PATTERN, description="ISO 4217 currency code.")
    stage: DealStage = patch_field(description="Where the deal stands.")
    opened_on: dt.date = patch_field(description="When the deal opened.")
    closed_on: dt.date | None = patch_field(
        description="When the deal was won or lost; required for those stages."
    )
    lost_reason: str = patch_field(
        max_length=200, description="Why the deal was lost; required when lost."
    )
    owner_id: int | None = patch_field(
        ge=1, le=MAX_ID, description="The deal's owner, or null for none."
    )


class DealFilter(FilterSchema):
    lead_id: Annotated[int | None, FilterLookup("lead_id")] = Field(
        None, ge=1, le=MAX_ID, description="Only the deals of this lead."
    )
    stage: Annotated[DealStage | None, FilterLookup("stage")] = Field(
        None, description="Only deals at this stage."
    )


class DealPage(Schema):
    count: int = Field(description="How many deals match, over all pages.")
    items: list[DealOut] = Field(description="This page of deals, latest opened first.")
