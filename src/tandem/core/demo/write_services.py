"""Write a demo plan through the real services, as people and the tracking API would.

Slow per row but faithful: every lead enters the lifecycle through `leads.services.create_lead`,
every later move goes through `leads.lifecycle.change_stage`, so the ledger, the reach table
and the funnel rollup are exactly what the live system keeps. Meant for demo-sized plans.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from tandem.campaigns import services as campaign_services
from tandem.campaigns.models import Campaign
from tandem.core.demo.plan import Plan
from tandem.core.demo.records import LeadPlan, PersonPlan, TeamPlan
from tandem.core.progress import Progress, no_progress
from tandem.leads import lifecycle
from tandem.leads import services as lead_services
from tandem.leads.models import Company
from tandem.people import services as people_services

# Called as `progress(phase, done, total)` while a writer advances.
CHUNK_SIZE = 500


@dataclass
class Written:
    """How many rows of each kind a writer added."""

    companies: int = 0
    campaigns: int = 0
    leads: int = 0
    stage_changes: int = 0
    deals: int = 0
    events: int = 0


def write_people(
    teams: tuple[TeamPlan, ...], people: tuple[PersonPlan, ...], *, password: str | None
) -> dict[str, User]:
    """Create the plan's teams and people (those not there yet); returns everyone by username."""
    by_name = {
        team.name: people_services.create_team(name=team.name, kind=team.kind) for team in teams
    }
    existing = {
        user.username: user
        for user in User.objects.filter(username__in=[p.username for p in people])
    }
    for person in people:
        if person.username in existing:
            continue
        existing[person.username] = people_services.create_person(
            username=person.username,
            password=password,
            team=by_name[person.team],
            role=person.role,
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
        )
    return existing


@transaction.atomic
def write_with_services(
    plan: Plan, *, password: str | None = None, progress: Progress = no_progress
) -> Written:
    """Write `plan` into the database through the services, in one transaction.

    `password` is given to every person of the plan (None: accounts that cannot log in).
    `progress(phase, done, total)` is called as each phase advances.
    """
    users = write_people(plan.teams, plan.people, password=password)
    progress("people", len(users), len(plan.people))
    companies: list[Company] = [
        lead_services.create_company(
            by=None,
            name=company.name,
            domain=company.domain,
            segment=company.segment,
            industry=company.industry,
            employee_count=company.employee_count,
            country=company.country,
        )
        for company in plan.companies
    ]
    progress("companies", len(companies), len(plan.companies))
    campaigns: list[Campaign] = [
        campaign_services.create_campaign(
            by=users[campaign.owner],
            name=campaign.name,
            utm_key=campaign.utm_key,
            channel=campaign.channel,
            audience_segment=campaign.audience_segment,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
        )
        for campaign in plan.campaigns
    ]
    progress("campaigns", len(campaigns), len(plan.campaigns))
    written = Written(companies=len(companies), campaigns=len(campaigns))
    for chunk in plan.lead_chunks(CHUNK_SIZE):
        for lead in chunk:
            _write_lead(lead, users=users, companies=companies, campaigns=campaigns)
            written.stage_changes += len(lead.changes)
            written.deals += lead.deal is not None
            written.events += len(lead.events)
        written.leads += len(chunk)
        progress("leads", written.leads, plan.lead_count)
    return written


def _write_lead(
    planned: LeadPlan,
    *,
    users: dict[str, User],
    companies: list[Company],
    campaigns: list[Campaign],
) -> None:
    def user(username: str | None) -> User | None:
        return users[username] if username is not None else None

    def campaign(key: int | None) -> Campaign | None:
        return campaigns[key] if key is not None else None

    entry, *moves = planned.changes
    owner = user(planned.owner)
    first_touch = campaign(planned.first_touch)
    last_touch = campaign(planned.last_touch)
    lead = lead_services.create_lead(
        by=None,
        stage=entry.to_stage,
        reason=entry.reason,
        at=entry.at,
        actor_label=entry.actor_label,
        email=planned.email,
        first_name=planned.first_name,
        last_name=planned.last_name,
        job_title=planned.job_title,
        country=planned.country,
        company_id=companies[planned.company].pk,
        source=planned.source,
        first_touch_campaign_id=first_touch.pk if first_touch is not None else None,
        last_touch_campaign_id=last_touch.pk if last_touch is not None else None,
        utm_source=planned.utm_source,
        utm_medium=planned.utm_medium,
        utm_campaign=planned.utm_campaign,
        utm_term=planned.utm_term,
        utm_content=planned.utm_content,
        landing_page=planned.landing_page,
        owner_id=owner.pk if owner is not None else None,
    )
    for move in moves:
        lifecycle.change_stage(
            lead=lead,
            to_stage=move.to_stage,
            by=user(move.actor),
            reason=move.reason,
            at=move.at,
            actor_label=move.actor_label or "system",
        )
    deal = planned.deal
    if deal is not None:
        # Created after the moves: a won deal's lead is a customer already, at the planned time.
        lead_services.create_deal(
            lead=lead,
            by=owner,
            name=deal.name,
            amount=deal.amount,
            currency=deal.currency,
            stage=deal.stage,
            opened_on=deal.opened_on,
            closed_on=deal.closed_on,
            lost_reason=deal.lost_reason,
            owner_id=owner.pk if owner is not None else None,
        )
    for event in planned.events:
        lead_services.record_event(
            type=event.kind.type,
            occurred_at=event.occurred_at,
            lead=lead,
            name=event.kind.name,
            properties=dict(event.kind.properties),
            campaign=campaign(event.campaign),
            received_at=event.received_at,
        )
