"""Writes for companies, leads, deals and events. Stage changes go through `leads.lifecycle`."""

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction

from tandem.campaigns.models import Campaign
from tandem.core.errors import Conflict, DomainError, PermissionDenied, check_known_fields
from tandem.core.roles import ASSIGNS_LEADS, Role
from tandem.core.sql import in_list, update_rows
from tandem.core.time import now
from tandem.leads import lifecycle
from tandem.leads.models import Company, Deal, DealStage, Event, Lead, Stage
from tandem.leads.queries import LEAD_OWNER_ROLES
from tandem.people.queries import membership_of, role_of
from tandem.scoring import services as scoring_services

EMAIL_TAKEN = "Another lead already has the email {email}."
DOMAIN_TAKEN = "Another company already has the domain {domain}."
EXTERNAL_ID_TAKEN = "Another company is already known by that id in that source."
NO_SUCH_COMPANY = "There is no company {company_id}."
NO_SUCH_CAMPAIGN = "There is no campaign {campaign_id}."
NO_SUCH_OWNER = "There is no active person {owner_id} to own this."
OWNER_NOT_IN_SALES = "{name} is not in sales, so cannot own leads or deals."
MAY_NOT_ASSIGN = "Your role ({role}) may not assign leads to someone else."
MANAGER_ASSIGNS_OWN_TEAM = "A sales manager assigns leads only within their own team."
CLOSED_DEAL_NEEDS_DATE = "A won or lost deal needs the date it closed."
LOST_DEAL_NEEDS_REASON = "A lost deal needs a reason."
CLOSED_BEFORE_OPENED = "A deal cannot close ({closed_on}) before it opened ({opened_on})."

LEAD_FIELDS = frozenset(
    {
        "email",
        "first_name",
        "last_name",
        "job_title",
        "phone",
        "country",
        "company_id",
        "source",
        "first_touch_campaign_id",
        "last_touch_campaign_id",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "landing_page",
        "owner_id",
        "attributes",
    }
)
COMPANY_FIELDS = frozenset(
    {"name", "domain", "segment", "industry", "employee_count", "country", "attributes"}
)
# Where an imported row came from; set once, at creation.
IMPORT_IDENTITY = frozenset({"import_source", "external_id"})
DEAL_FIELDS = frozenset(
    {"name", "amount", "currency", "stage", "opened_on", "closed_on", "lost_reason", "owner_id"}
)


def _check_references(changes: Mapping[str, Any]) -> None:
    company_id = changes.get("company_id")
    if company_id is not None and not Company.objects.filter(pk=company_id).exists():
        raise DomainError(
            NO_SUCH_COMPANY.format(company_id=company_id), fields={"company_id": "no such company"}
        )
    campaign_fields = {
        changes[field]: field
        for field in ("last_touch_campaign_id", "first_touch_campaign_id")
        if changes.get(field) is not None
    }
    if campaign_fields:
        existing = set(Campaign.objects.filter(pk__in=campaign_fields).values_list("pk", flat=True))
        for campaign_id, field in campaign_fields.items():
            if campaign_id not in existing:
                raise DomainError(
                    NO_SUCH_CAMPAIGN.format(campaign_id=campaign_id),
                    fields={field: "no such campaign"},
                )


def _check_owner(*, owner_id: int, by: User | None) -> None:
    """An owner must be an active person in sales; the assigner must be allowed to assign."""
    owner = User.objects.filter(pk=owner_id, is_active=True).select_related("membership").first()
    if owner is None:
        raise DomainError(
            NO_SUCH_OWNER.format(owner_id=owner_id), fields={"owner_id": "no such person"}
        )
    if role_of(owner) not in LEAD_OWNER_ROLES:
        raise DomainError(
            OWNER_NOT_IN_SALES.format(name=owner.get_full_name() or owner.username),
            fields={"owner_id": "not in sales"},
        )
    if by is None or owner_id == by.pk:
        return
    role = role_of(by)
    if role not in ASSIGNS_LEADS:
        raise PermissionDenied(MAY_NOT_ASSIGN.format(role=role.label if role else "none"))
    if role == Role.SALES_MANAGER:
        mine, theirs = membership_of(by), membership_of(owner)
        if mine is None or theirs is None or mine.team_id != theirs.team_id:
            raise PermissionDenied(MANAGER_ASSIGNS_OWN_TEAM, fields={"owner_id": "other team"})


def _save_unique(instance: Lead | Company, *, field: str, message: str) -> None:
    """Save, turning a clash on a unique field into a clear error instead of a 500."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise Conflict(message, code="taken", fields={field: "taken"}) from None


@transaction.atomic
def create_company(*, by: User | None, name: str, **fields: Any) -> Company:
    """Create a company."""
    check_known_fields(fields, (COMPANY_FIELDS - {"name"}) | IMPORT_IDENTITY)
    domain = str(fields.get("domain", "")).lower()
    if domain and Company.objects.filter(domain=domain).exclude(domain="").exists():
        raise Conflict(DOMAIN_TAKEN.format(domain=domain), code="taken", fields={"domain": "taken"})
    company = Company(name=name, **{**fields, "domain": domain})
    _save_unique(company, field="domain", message=DOMAIN_TAKEN.format(domain=domain))
    return company


@transaction.atomic
def update_company(*, company: Company, by: User | None, changes: Mapping[str, Any]) -> Company:
    """Change a company's fields; its leads are graded again."""
    check_known_fields(changes, COMPANY_FIELDS)
    for field, value in changes.items():
        setattr(company, field, value.lower() if field == "domain" else value)
    if (
        company.domain
        and Company.objects.filter(domain=company.domain)
        .exclude(domain="")
        .exclude(pk=company.pk)
        .exists()
    ):
        raise Conflict(
            DOMAIN_TAKEN.format(domain=company.domain), code="taken", fields={"domain": "taken"}
        )
    _save_unique(company, field="domain", message=DOMAIN_TAKEN.format(domain=company.domain))
    scoring_services.score_leads(lead_ids=list(company.leads.values_list("pk", flat=True)))
    return company


def name_import_identity(*, company: Company, import_source: str, external_id: str) -> None:
    """Record where a company found by other means is known in a source, once: a company that
    already has an import identity keeps it."""
    if company.external_id:
        return
    company.import_source, company.external_id = import_source, external_id
    _save_unique(company, field="external_id", message=EXTERNAL_ID_TAKEN)


@transaction.atomic
def create_lead(
    *,
    by: User | None,
    stage: str = Stage.LEAD,
    reason: str = "",
    at: dt.datetime | None = None,
    actor_label: str = "system",
    scored: bool = True,
    **fields: Any,
) -> Lead:
    """Create a lead and enter it into the lifecycle at `stage`.

    A sales rep who creates a lead without an owner becomes its owner, so they can see it.
    `scored=False` leaves scoring to a caller that scores many leads at once, in the same
    transaction.
    """
    check_known_fields(fields, LEAD_FIELDS | IMPORT_IDENTITY)
    _check_references(fields)
    if by is not None and role_of(by) == Role.SALES_REP and fields.get("owner_id") is None:
        fields["owner_id"] = by.pk
    if fields.get("owner_id") is not None:
        _check_owner(owner_id=fields["owner_id"], by=by)
    email = str(fields.get("email", "")).lower()
    if email and Lead.objects.filter(email=email).exclude(email="").exists():
        raise Conflict(EMAIL_TAKEN.format(email=email), code="taken", fields={"email": "taken"})
    lead = Lead(**{**fields, "email": email})
    lifecycle.enter_lifecycle(
        lead=lead, stage=stage, by=by, reason=reason, at=at, actor_label=actor_label
    )
    if scored:
        _score_fit(lead)
    return lead


def create_leads_in_bulk(
    *, entries: Sequence[tuple[dict[str, Any], str, dt.datetime, str]], actor_label: str
) -> list[Lead]:
    """Create many leads at once, each from (fields, stage, when, reason), for the system; the
    caller scores them, in the same transaction.

    For the tracking pipeline, which creates the leads of a run's new visitors together. Their
    emails must be new: the caller has looked them up.
    """
    prepared = []
    for fields, stage, at, reason in entries:
        check_known_fields(fields, LEAD_FIELDS)
        _check_references(fields)
        lead = Lead(**{**fields, "email": str(fields.get("email", "")).lower()})
        prepared.append(lifecycle.Entry(lead=lead, stage=stage, at=at, reason=reason))
    return lifecycle.enter_lifecycle_in_bulk(entries=prepared, actor_label=actor_label)


def set_companies(companies: Mapping[int, int]) -> None:
    """Put many leads (lead id → company id) in their companies in one statement batch, for the
    system; the caller scores them, in the same transaction."""
    if not companies:
        return
    stamp = now()
    update_rows(
        Lead,
        ["company_id", "updated_at"],
        [(company_id, stamp, lead_id) for lead_id, company_id in companies.items()],
    )


def set_owners(owners: Mapping[int, int]) -> None:
    """Give many leads (lead id → owner id) their owners in one statement batch, for the system,
    which has chosen people in sales (routing)."""
    stamp = now()
    update_rows(
        Lead,
        ["owner", "updated_at"],
        [(owner_id, stamp, lead_id) for lead_id, owner_id in owners.items()],
    )


def _score_fit(lead: Lead) -> None:
    """Grade the lead under the active agreement; it may meet the MQL rule at once."""
    summary = scoring_services.score_leads(lead_ids=[lead.pk])
    if summary is not None and summary.moved_to_mql:
        lead.refresh_from_db(fields=["stage", "stage_changed_at"])


@transaction.atomic
def update_lead(
    *, lead: Lead, by: User | None, changes: Mapping[str, Any], scored: bool = True
) -> Lead:
    """Change a lead's fields (not its stage: that is `lifecycle.change_stage`).

    `scored=False` as for `create_lead`.
    """
    check_known_fields(changes, LEAD_FIELDS)
    _check_references(changes)
    if "owner_id" in changes and changes["owner_id"] != lead.owner_id:
        if changes["owner_id"] is None:
            role = role_of(by) if by is not None else None
            if by is not None and role not in ASSIGNS_LEADS:
                raise PermissionDenied(MAY_NOT_ASSIGN.format(role=role.label if role else "none"))
        else:
            _check_owner(owner_id=changes["owner_id"], by=by)
    if "email" in changes:
        changes = {**changes, "email": str(changes["email"]).lower()}
        taken = Lead.objects.filter(email=changes["email"]).exclude(email="").exclude(pk=lead.pk)
        if changes["email"] and taken.exists():
            raise Conflict(
                EMAIL_TAKEN.format(email=changes["email"]), code="taken", fields={"email": "taken"}
            )
    for field, value in changes.items():
        setattr(lead, field, value)
    lead.save(update_fields=[*changes, "updated_at"])
    if scored:
        _score_fit(lead)
    return lead


def _check_deal(deal: Deal) -> None:
    if deal.stage in (DealStage.WON, DealStage.LOST) and deal.closed_on is None:
        raise DomainError(CLOSED_DEAL_NEEDS_DATE, fields={"closed_on": "required when closed"})
    if deal.stage == DealStage.LOST and not deal.lost_reason:
        raise DomainError(LOST_DEAL_NEEDS_REASON, fields={"lost_reason": "required when lost"})
    if deal.closed_on is not None and deal.closed_on < deal.opened_on:
        raise DomainError(
            CLOSED_BEFORE_OPENED.format(closed_on=deal.closed_on, opened_on=deal.opened_on),
            fields={"closed_on": "before opened_on"},
        )


def _make_customer_if_won(deal: Deal, by: User | None) -> None:
    """A won deal makes its lead a customer, when the lifecycle allows it."""
    lead = deal.lead
    if deal.stage != DealStage.WON or lead.stage == Stage.CUSTOMER:
        return
    if lifecycle.is_allowed(lead.stage, Stage.CUSTOMER):
        lifecycle.change_stage(
            lead=lead, to_stage=Stage.CUSTOMER, by=by, reason=f"Deal won: {deal.name}"
        )


@transaction.atomic
def create_deal(
    *,
    lead: Lead,
    by: User | None,
    name: str,
    amount: Decimal,
    currency: str,
    stage: str = DealStage.QUALIFICATION,
    opened_on: dt.date | None = None,
    closed_on: dt.date | None = None,
    lost_reason: str = "",
    owner_id: int | None = None,
    attributes: dict[str, Any] | None = None,
    import_source: str = "",
    external_id: str = "",
) -> Deal:
    """Open a deal for `lead`; a deal created as won makes the lead a customer."""
    owner_id = owner_id if owner_id is not None else lead.owner_id
    if owner_id is not None and owner_id != lead.owner_id:
        _check_owner(owner_id=owner_id, by=by)
    deal = Deal(
        lead=lead,
        company_id=lead.company_id,
        name=name,
        amount=amount,
        currency=currency.upper(),
        stage=stage,
        opened_on=opened_on or now().date(),
        closed_on=closed_on,
        lost_reason=lost_reason,
        owner_id=owner_id,
        attributes=attributes or {},
        import_source=import_source,
        external_id=external_id,
    )
    _check_deal(deal)
    deal.save()
    _make_customer_if_won(deal, by)
    return deal


@transaction.atomic
def update_deal(*, deal: Deal, by: User | None, changes: Mapping[str, Any]) -> Deal:
    """Change a deal; winning it makes the lead a customer."""
    check_known_fields(changes, DEAL_FIELDS)
    if changes.get("owner_id") is not None and changes["owner_id"] != deal.owner_id:
        _check_owner(owner_id=changes["owner_id"], by=by)
    for field, value in changes.items():
        setattr(deal, field, value.upper() if field == "currency" else value)
    _check_deal(deal)
    deal.save(update_fields=[*changes, "updated_at"])
    _make_customer_if_won(deal, by)
    return deal


@transaction.atomic
def record_event(
    *,
    type: str,
    occurred_at: dt.datetime,
    lead: Lead | None = None,
    anonymous_id: str = "",
    name: str = "",
    properties: dict[str, Any] | None = None,
    campaign: Campaign | None = None,
    received_at: dt.datetime | None = None,
) -> Event:
    """Store one activity of a lead or of an anonymous visitor; a lead's score takes it in."""
    event = Event.objects.create(
        lead=lead,
        anonymous_id=anonymous_id,
        type=type,
        name=name,
        properties=properties or {},
        campaign=campaign,
        occurred_at=occurred_at,
        received_at=received_at or now(),
    )
    if lead is not None:
        scoring_services.score_lead_events(lead=lead, events=[event])
    return event


@dataclass(frozen=True)
class Touch:
    """A visit that says how a lead came: its UTM parameters, their campaign, the page."""

    at: dt.datetime
    utm: Mapping[str, str] = dataclasses.field(default_factory=dict)
    campaign_id: int | None = None
    landing_page: str = ""


TOUCH_FIELDS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "first_touch_campaign_id",
    "last_touch_campaign_id",
    "landing_page",
    "last_touch_landing_page",
)


def _touched(lead: dict[str, Any], touches: Sequence[Touch]) -> bool:
    """Apply `touches` (oldest first) to a lead's touch fields; True if they changed."""
    before = dict(lead)
    campaign_touches = [touch for touch in touches if touch.utm or touch.campaign_id]
    has_first_touch = lead["first_touch_campaign_id"] is not None or any(
        lead[name] for name in ("utm_source", "utm_medium", "utm_campaign")
    )
    if campaign_touches and not has_first_touch:
        first = campaign_touches[0]
        lead.update(first.utm)
        lead["first_touch_campaign_id"] = first.campaign_id
        if first.landing_page and not lead["landing_page"]:
            lead["landing_page"] = first.landing_page[:500]
    if not lead["landing_page"]:
        lead["landing_page"] = next((t.landing_page for t in touches if t.landing_page), "")[:500]
    if campaign_touches:
        last = campaign_touches[-1]
        if last.campaign_id is not None:
            lead["last_touch_campaign_id"] = last.campaign_id
        if last.landing_page:
            lead["last_touch_landing_page"] = last.landing_page[:500]
    return before != lead


def record_touches(touches: Mapping[int, Sequence[Touch]]) -> None:
    """Record first- and last-touch campaign and landing page of many leads at once: the
    first campaign a lead came from stays; the latest one is its last touch.

    Plain SQL, as the tracking pipeline calls this for thousands of leads a second. The caller
    scores the leads afterwards (fit rules may test these fields).
    """
    table = Lead._meta.db_table
    columns = ", ".join(TOUCH_FIELDS)
    matches, params = in_list("id", sorted(touches))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {columns} FROM {table} WHERE {matches}", params)  # noqa: S608
        leads = {row[0]: dict(zip(TOUCH_FIELDS, row[1:], strict=True)) for row in cursor.fetchall()}
    stamp = now()
    changed = [
        (*lead.values(), stamp, lead_id)
        for lead_id, lead in leads.items()
        if _touched(lead, touches[lead_id])
    ]
    update_rows(Lead, [*TOUCH_FIELDS, "updated_at"], changed)
