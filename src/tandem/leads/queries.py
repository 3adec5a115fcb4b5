"""Reads of leads, companies and deals, and the `access_*` permission-checked fetches.

Views and API handlers fetch protected objects only through the functions here. A row the actor
may not see raises the same `NotFound` as a missing one, so ids cannot be probed.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from tandem.core.errors import NotFound, PermissionDenied
from tandem.core.roles import (
    EDITS_COMPANIES,
    EDITS_DEALS,
    EDITS_LEADS,
    SALES_ROLES,
    SEES_ALL_LEADS,
    SEES_OWN_LEADS,
    SEES_TEAM_LEADS,
    Role,
)
from tandem.leads.models import Company, Deal, Lead, StageChange
from tandem.people.queries import membership_of, role_of

# Who may own leads and deals: people in sales, and admins.
LEAD_OWNER_ROLES = frozenset({*SALES_ROLES, Role.ADMIN})

LEAD_NOT_FOUND = "There is no lead {lead_id}."
COMPANY_NOT_FOUND = "There is no company {company_id}."
DEAL_NOT_FOUND = "There is no deal {deal_id}."
NOT_ON_A_TEAM = "You are not on a team, so you can see no leads. Ask an admin to add you."
READ_ONLY_ROLE = "Your role ({role}) may read {things} but not change them."


def require_role(actor: User) -> Role:
    """The actor's role; someone on no team is refused everything."""
    role = role_of(actor)
    if role is None:
        raise PermissionDenied(NOT_ON_A_TEAM)
    return role


def visible_leads(actor: User) -> QuerySet[Lead]:
    """Every lead the actor may see."""
    role = role_of(actor)
    leads = Lead.objects.all()
    if role in SEES_ALL_LEADS:
        return leads
    if role in SEES_TEAM_LEADS:
        membership = membership_of(actor)
        if membership is None:
            return leads.none()
        return leads.filter(
            Q(owner__membership__team_id=membership.team_id) | Q(owner__isnull=True)
        )
    if role in SEES_OWN_LEADS:
        return leads.filter(owner=actor)
    return leads.none()


def may_edit_leads(actor: User) -> bool:
    """Whether the actor may change the leads they see; pages use it to offer their forms."""
    return role_of(actor) in EDITS_LEADS


def sees_only_own_leads(actor: User) -> bool:
    """Whether the actor sees just the leads they own (a list by owner would mean nothing)."""
    return role_of(actor) in SEES_OWN_LEADS


def access_lead(actor: User, lead_id: int, *, write: bool = False) -> Lead:
    """The lead, if the actor may see it (and change it, with `write`)."""
    require_role(actor)
    lead = (
        visible_leads(actor)
        .select_related("company", "owner", "first_touch_campaign", "last_touch_campaign")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise NotFound(LEAD_NOT_FOUND.format(lead_id=lead_id))
    if write:
        require_editor(actor, roles=EDITS_LEADS, things="leads")
    return lead


def lead_owners(actor: User) -> QuerySet[User]:
    """The people who may own leads, as far as the actor deals with them: a sales manager only
    with their own team."""
    owners = User.objects.filter(is_active=True, membership__role__in=LEAD_OWNER_ROLES)
    if role_of(actor) == Role.SALES_MANAGER:
        membership = membership_of(actor)
        if membership is None:
            return owners.none()
        owners = owners.filter(membership__team_id=membership.team_id)
    return owners.order_by("first_name", "last_name", "username")


def visible_companies(actor: User) -> QuerySet[Company]:
    """Companies are shared reference data: everyone on a team sees them all."""
    require_role(actor)
    return Company.objects.all()


def access_company(actor: User, company_id: int, *, write: bool = False) -> Company:
    require_role(actor)
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        raise NotFound(COMPANY_NOT_FOUND.format(company_id=company_id))
    if write:
        require_editor(actor, roles=EDITS_COMPANIES, things="companies")
    return company


def visible_deals(actor: User) -> QuerySet[Deal]:
    """The deals of the leads the actor sees."""
    require_role(actor)
    return Deal.objects.filter(lead__in=visible_leads(actor))


def access_deal(actor: User, deal_id: int, *, write: bool = False) -> Deal:
    require_role(actor)
    deal = (
        visible_deals(actor).select_related("lead", "company", "owner").filter(pk=deal_id).first()
    )
    if deal is None:
        raise NotFound(DEAL_NOT_FOUND.format(deal_id=deal_id))
    if write:
        require_editor(actor, roles=EDITS_DEALS, things="deals")
    return deal


def require_editor(actor: User, *, roles: frozenset[Role], things: str) -> Role:
    """The actor's role, if it is one of `roles` that may change `things`."""
    role = require_role(actor)
    if role not in roles:
        raise PermissionDenied(READ_ONLY_ROLE.format(role=role.label, things=things))
    return role


def require_deal_editor(actor: User) -> None:
    require_editor(actor, roles=EDITS_DEALS, things="deals")


def require_lead_editor(actor: User) -> None:
    require_editor(actor, roles=EDITS_LEADS, things="leads")


def require_company_editor(actor: User) -> None:
    require_editor(actor, roles=EDITS_COMPANIES, things="companies")


@dataclass(frozen=True)
class LeadFilter:
    """What a lead list may be narrowed by; every field optional."""

    search: str = ""
    stage: str = ""
    source: str = ""
    owner_id: int | None = None
    company_id: int | None = None
    campaign_id: int | None = None
    segment: str = ""


def filter_leads(leads: QuerySet[Lead], criteria: LeadFilter) -> QuerySet[Lead]:
    if criteria.search:
        term = criteria.search
        leads = leads.filter(
            Q(email__icontains=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(company__name__icontains=term)
            | Q(external_id__startswith=term)
        )
    if criteria.stage:
        leads = leads.filter(stage=criteria.stage)
    if criteria.source:
        leads = leads.filter(source=criteria.source)
    if criteria.owner_id is not None:
        leads = leads.filter(owner_id=criteria.owner_id)
    if criteria.company_id is not None:
        leads = leads.filter(company_id=criteria.company_id)
    if criteria.campaign_id is not None:
        leads = leads.filter(
            Q(first_touch_campaign_id=criteria.campaign_id)
            | Q(last_touch_campaign_id=criteria.campaign_id)
        )
    if criteria.segment:
        leads = leads.filter(company__segment=criteria.segment)
    return leads


def lead_list(actor: User, criteria: LeadFilter) -> QuerySet[Lead]:
    """The leads the actor sees, narrowed by `criteria`, newest stage change first."""
    require_role(actor)
    return filter_leads(visible_leads(actor), criteria).select_related("company", "owner")


def stage_history(lead: Lead) -> QuerySet[StageChange]:
    """The lead's ledger, oldest first."""
    return (
        StageChange.objects.filter(lead=lead)
        .select_related("actor", "agreement_version")
        .order_by("at", "id")
    )


def lead_deals(lead: Lead) -> QuerySet[Deal]:
    return Deal.objects.filter(lead=lead).select_related("owner").order_by("-opened_on", "-id")
