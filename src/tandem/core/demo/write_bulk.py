"""Write a demo plan with multi-row inserts, for benchmark-sized data.

The same rows as `write_services`, without going through the services one row at a time:
companies, campaigns, leads, the stage ledger, deals and events are inserted in big batches
(SQLite: `executemany` on the raw connection; PostgreSQL: `COPY`), all in one transaction,
and the reach table and funnel rollup are then derived from the ledger by
`leads.funnel.rebuild_funnel`, exactly as the live path would have kept them. The ledger is
append-only for updates and deletes; inserting it directly is allowed.

People and teams are still created through the services: they are few, and passwords must be
hashed the normal way.
"""

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction

from tandem.campaigns.models import Campaign
from tandem.core.demo.plan import Plan
from tandem.core.demo.records import LeadPlan
from tandem.core.demo.write_services import Written, write_people
from tandem.core.progress import Progress, no_progress
from tandem.core.time import month_of, now
from tandem.leads.funnel import rebuild_funnel
from tandem.leads.models import Company, Deal, Event, Lead, StageChange

CHUNK_SIZE = 20_000


class _Table:
    """Inserts rows into one model's table; each row gives `columns` in order.

    Columns the writer does not know (added to the model later) get their field's default, so
    a new column with a default does not break the bulk path.
    """

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        fields = {field.attname: field for field in model._meta.concrete_fields}
        unknown = [name for name in columns if name not in fields]
        if unknown:
            raise ValueError(f"{model.__name__} has no fields {unknown}")
        extra = [field for attname, field in fields.items() if attname not in columns]
        self.table = model._meta.db_table
        self.columns = [fields[name].column for name in columns] + [f.column for f in extra]
        self.extra = tuple(
            field.get_db_prep_save(field.get_default(), connection) for field in extra
        )

    def insert(self, rows: Iterable[tuple[Any, ...]]) -> None:
        if self.extra:
            rows = (row + self.extra for row in rows)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in self.columns)
        connection.ensure_connection()
        raw: Any = connection.connection
        if connection.vendor == "postgresql":
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {quote(self.table)} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(self.columns))
            sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})"  # noqa: S608
            raw.executemany(sql, rows)


def _next_id(model: type[models.Model]) -> int:
    """One past the highest id in `model`'s table (ids are assigned here, not by the database)."""
    found = model._default_manager.aggregate(highest=models.Max("pk"))["highest"]
    return (found or 0) + 1


@transaction.atomic
def write_bulk(
    plan: Plan,
    *,
    password: str | None = None,
    progress: Progress = no_progress,
    chunk_size: int = CHUNK_SIZE,
) -> Written:
    """Write `plan` with bulk inserts in one transaction, then rebuild the funnel from the ledger.

    Gives the same rows as `write_with_services` (ids and bookkeeping times aside).
    """
    connection.ensure_connection()
    written = Written()
    users = write_people(plan.teams, plan.people, password=password)
    progress("people", len(users), len(plan.people))
    user_ids: dict[str | None, int | None] = {name: user.pk for name, user in users.items()}
    user_ids[None] = None
    postgres = connection.vendor == "postgresql"
    moment: Any = now() if postgres else str(now().astimezone(dt.UTC).replace(tzinfo=None))
    when: Callable[[dt.datetime], Any] = _same if postgres else _sqlite_time

    def day(value: dt.date | None) -> Any:
        return value if postgres or value is None else value.isoformat()

    empty_json = "{}"
    company_base = _next_id(Company)
    _Table(
        Company,
        ["id", "created_at", "updated_at", "name", "domain", "segment", "industry",
         "employee_count", "country", "attributes", "import_source", "external_id"],
    ).insert(
        (company_base + c.key, moment, moment, c.name, c.domain, c.segment, c.industry,
         c.employee_count, c.country, empty_json, "", "")
        for c in plan.companies
    )  # fmt: skip
    written.companies = len(plan.companies)
    progress("companies", written.companies, len(plan.companies))
    campaign_base = _next_id(Campaign)
    _Table(
        Campaign,
        ["id", "created_at", "updated_at", "name", "utm_key", "channel", "audience_segment",
         "starts_on", "ends_on", "owner_id"],
    ).insert(
        (campaign_base + c.key, moment, moment, c.name, c.utm_key, c.channel,
         c.audience_segment, day(c.starts_on), day(c.ends_on), user_ids[c.owner])
        for c in plan.campaigns
    )  # fmt: skip
    written.campaigns = len(plan.campaigns)
    progress("campaigns", written.campaigns, len(plan.campaigns))

    def campaign_id(key: int | None) -> int | None:
        return campaign_base + key if key is not None else None

    leads = _Table(
        Lead,
        ["id", "created_at", "updated_at", "email", "first_name", "last_name", "job_title",
         "phone", "country", "company_id", "source", "first_touch_campaign_id",
         "last_touch_campaign_id", "utm_source", "utm_medium", "utm_campaign", "utm_term",
         "utm_content", "landing_page", "owner_id", "stage", "stage_changed_at", "attributes",
         "import_source", "external_id"],
    )  # fmt: skip
    changes = _Table(
        StageChange,
        ["id", "lead_id", "from_stage", "to_stage", "at", "month", "actor_id", "actor_label",
         "reason", "recorded_at"],
    )  # fmt: skip
    deals = _Table(
        Deal,
        ["id", "created_at", "updated_at", "lead_id", "company_id", "name", "amount",
         "currency", "stage", "opened_on", "closed_on", "lost_reason", "owner_id",
         "attributes", "import_source", "external_id"],
    )  # fmt: skip
    events = _Table(
        Event,
        ["id", "lead_id", "anonymous_id", "type", "name", "properties", "campaign_id",
         "occurred_at", "received_at"],
    )  # fmt: skip
    lead_base = _next_id(Lead)
    change_id = _next_id(StageChange)
    deal_id = _next_id(Deal)
    event_id = _next_id(Event)
    properties: dict[int, str] = {}
    for chunk in plan.lead_chunks(chunk_size):
        lead_rows, change_rows, deal_rows, event_rows = [], [], [], []
        for lead in chunk:
            lead_id = lead_base + lead.key
            company_id = company_base + lead.company
            owner_id = user_ids[lead.owner]
            lead_rows.append(
                (lead_id, moment, moment, lead.email, lead.first_name, lead.last_name,
                 lead.job_title, "", lead.country, company_id, lead.source,
                 campaign_id(lead.first_touch), campaign_id(lead.last_touch), lead.utm_source,
                 lead.utm_medium, lead.utm_campaign, lead.utm_term, lead.utm_content,
                 lead.landing_page, owner_id, lead.stage, when(lead.stage_changed_at),
                 empty_json, "", "")
            )  # fmt: skip
            for change in lead.changes:
                change_rows.append(
                    (change_id, lead_id, change.from_stage, change.to_stage, when(change.at),
                     day(month_of(change.at)), user_ids[change.actor],
                     change.actor_label if change.actor is None else "", change.reason, moment)
                )  # fmt: skip
                change_id += 1
            deal = lead.deal
            if deal is not None:
                deal_rows.append(
                    (deal_id, moment, moment, lead_id, company_id, deal.name, str(deal.amount),
                     deal.currency, deal.stage, day(deal.opened_on), day(deal.closed_on),
                     deal.lost_reason, user_ids[deal.owner], empty_json, "", "")
                )  # fmt: skip
                deal_id += 1
            event_rows.extend(_event_rows(lead, lead_id, event_id, campaign_id, when, properties))
            event_id += len(lead.events)
        leads.insert(lead_rows)
        changes.insert(change_rows)
        deals.insert(deal_rows)
        events.insert(event_rows)
        written.leads += len(lead_rows)
        written.stage_changes += len(change_rows)
        written.deals += len(deal_rows)
        written.events += len(event_rows)
        progress("leads", written.leads, plan.lead_count)
    if postgres:
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Company, Campaign, Lead, StageChange, Deal, Event]
            ):
                cursor.execute(sql)
    progress("events", written.events, written.events)
    reaches = rebuild_funnel()
    progress("funnel", reaches, reaches)
    return written


def _sqlite_time(value: dt.datetime) -> str:
    """A plan time as Django stores it in SQLite: naive UTC text. Plan times are whole seconds
    in UTC, so that is the first 19 characters of `str()` (far faster than converting)."""
    return str(value)[:19]


def _same(value: dt.datetime) -> dt.datetime:
    return value


def _event_rows(
    lead: LeadPlan,
    lead_id: int,
    first_id: int,
    campaign_id: Callable[[int | None], int | None],
    when: Callable[[dt.datetime], Any],
    properties: dict[int, str],
) -> list[tuple[Any, ...]]:
    rows = []
    for offset, event in enumerate(lead.events):
        kind = event.kind
        # Event kinds are shared, so each one's JSON is encoded once.
        encoded = properties.get(id(kind))
        if encoded is None:
            encoded = properties[id(kind)] = json.dumps(kind.properties)
        rows.append(
            (first_id + offset, lead_id, "", kind.type, kind.name, encoded,
             campaign_id(event.campaign), when(event.occurred_at), when(event.received_at))
        )  # fmt: skip
    return rows
