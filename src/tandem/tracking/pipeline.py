"""The tracking pipeline: stored events attached to leads, leads kept current, and scored.

The tracking API stores events and answers at once (`tracking.ingest`); the pipeline takes the
received batches in order, many at a time, and in one transaction per run:

1. attaches each event to its lead by the ids it carries (`leads.identities`);
2. carries out identify, form, alias and group calls: a lead created or updated from traits,
   its ids linked and its anonymous history stitched, consent recorded, a company linked;
3. records first- and last-touch campaign and landing page from `context.campaign` and
   `context.page`;
4. adds the events to the leads' activity and scores those leads under the active agreement,
   which may move them to MQL through the lifecycle;
5. marks the batches processed.

One run handles thousands of events with a fixed number of statements for the common case
(events of leads already known); only identity calls go one by one through the lead services.
Runs are serialised — one process at a time does this work — so two runs never stitch the same
person differently.
"""

import datetime as dt
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import close_old_connections, connection, transaction
from django.db.models import Sum

from tandem.core.errors import DomainError
from tandem.core.jobs import Schedule
from tandem.core.sql import in_list, update_rows
from tandem.core.time import now
from tandem.leads import identities
from tandem.leads import services as lead_services
from tandem.leads.identities import IdentityKey, Stitched
from tandem.leads.models import Company, Consent, ConsentPurpose, Event, Lead, Stage
from tandem.people.models import Source
from tandem.scoring import activity
from tandem.scoring import services as scoring_services
from tandem.tracking import traits as trait_fields
from tandem.tracking.ingest import unpack_ids
from tandem.tracking.models import ReceivedBatch

logger = logging.getLogger(__name__)

DEFAULT_MAX_EVENTS = 2_000
SQLITE_MAX_EVENTS = 1_000
TRACKING_LABEL = "tracking"
IDENTIFIED = "Identified by {source}."
SUBMITTED_FORM = "Submitted the form {form}."
IDENTITY_CALLS = frozenset({"identify", "form", "alias", "group"})
# An arbitrary constant naming the pipeline's lock among PostgreSQL's advisory locks.
PIPELINE_LOCK_KEY = 7_305_118_001


@dataclass(frozen=True)
class PipelineRun:
    batches: int = 0
    events: int = 0
    leads_created: int = 0
    leads_scored: int = 0
    moved_to_mql: int = 0
    seconds: float = 0.0


@dataclass
class _Event:
    id: int
    lead_id: int | None
    anonymous_id: str
    user_id: str
    type: str
    name: str
    properties: dict[str, Any]
    # As the database hands it back: the key under which its EventKind is remembered.
    properties_text: str
    context: dict[str, Any]
    occurred_at: dt.datetime
    campaign_id: int | None
    source_id: int | None

    @property
    def keys(self) -> list[IdentityKey]:
        return identities.keys_of(user_id=self.user_id, anonymous_id=self.anonymous_id)


EVENT_COLUMNS = (
    "id, lead_id, anonymous_id, user_id, type, name, properties, context, occurred_at, "
    "campaign_id, source_id"
)


def _json(value: Any) -> Any:
    # Both databases hand JSON to a plain cursor as text; a dict is taken as it comes.
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode()
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _time(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    # SQLite keeps naive UTC text.
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


def _load_events(event_ids: Iterable[int]) -> list[_Event]:
    """The events, in the order they arrived; plain SQL, as this reads thousands per run."""
    ids = sorted(set(event_ids))
    if not ids:
        return []
    matches, params = in_list("id", ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {EVENT_COLUMNS} FROM {Event._meta.db_table} "  # noqa: S608
            f"WHERE {matches} ORDER BY id",
            params,
        )
        rows = cursor.fetchall()
    return [
        _Event(
            id=row[0],
            lead_id=row[1],
            anonymous_id=row[2],
            user_id=row[3],
            type=row[4],
            name=row[5],
            properties=_json(row[6]),
            properties_text=_text(row[6]),
            context=_json(row[7]),
            occurred_at=_time(row[8]),
            campaign_id=row[9],
            source_id=row[10],
        )
        for row in rows
    ]


@dataclass
class _Run:
    """What one run has learned and done so far."""

    leads: dict[IdentityKey, int]
    sources: dict[int, str]
    traits: dict[int, dict[str, Any]]
    # Leads that identity calls name by email, and the leads those calls concern, read for
    # all the run's calls at once.
    emails: dict[str, int] = field(default_factory=dict)
    people: dict[int, Lead] = field(default_factory=dict)
    # The companies group calls name, by group id and by domain.
    groups: dict[str, Company] = field(default_factory=dict)
    domains: dict[str, Company] = field(default_factory=dict)
    # The company group calls put each lead in, written together at the end of the calls.
    companies_of_leads: dict[int, int] = field(default_factory=dict)
    stitched: Stitched = field(default_factory=Stitched)
    created: int = 0

    def person(self, lead_id: int) -> Lead:
        if lead_id not in self.people:
            self.people[lead_id] = Lead.objects.get(pk=lead_id)
        return self.people[lead_id]

    def read_people(self, events: list[_Event]) -> None:
        calls = [event for event in events if event.type in IDENTITY_CALLS]
        emails = {
            email
            for event in calls
            if (email := trait_fields.email_of(self.traits.get(event.id, {})))
        }
        self.emails = dict(
            Lead.objects.filter(email__in=emails)
            .exclude(email="")  # the unique index's condition, for SQLite to use it
            .values_list("email", "pk")
        )
        lead_ids = {lead for event in calls if (lead := self.lead_of(event)) is not None}
        self.people = Lead.objects.in_bulk([*lead_ids, *self.emails.values()])
        groups = [event for event in calls if event.type == "group"]
        if groups:
            self.groups = {
                company.external_id: company
                for company in Company.objects.filter(
                    import_source=TRACKING_LABEL, external_id__in={e.name for e in groups}
                ).exclude(external_id="")
            }
            domains = {
                domain
                for event in groups
                if (
                    domain := trait_fields.company_fields(self.traits.get(event.id, {})).get(
                        "domain"
                    )
                )
            }
            self.domains = {
                company.domain: company
                for company in Company.objects.filter(domain__in=domains).exclude(domain="")
            }

    def lead_of(self, event: _Event) -> int | None:
        return identities.lead_of(event.keys, self.leads)

    def link(self, keys: Iterable[IdentityKey], lead_id: int) -> None:
        for key in keys:
            if key not in self.leads:
                self.leads[key] = identities.link(key, lead_id, self.stitched)


def _lock() -> None:
    # SQLite's IMMEDIATE transactions already hold the one write lock.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PIPELINE_LOCK_KEY])


def _pending_batches(max_events: int) -> list[tuple[int, list[int]]]:
    taken: list[tuple[int, list[int]]] = []
    total = 0
    pending = (
        ReceivedBatch.objects.filter(processed_at__isnull=True)
        .order_by("id")
        .values_list("id", "event_ids", "event_count")
    )
    for batch_id, blob, count in pending.iterator(chunk_size=200):
        if taken and total + count > max_events:
            break
        taken.append((batch_id, unpack_ids(blob)))
        total += count
    return taken


def process_pending(*, max_events: int = DEFAULT_MAX_EVENTS) -> PipelineRun:
    """Process the oldest received batches, up to about `max_events` events (at least one
    batch); returns what was done."""
    started = time.perf_counter()
    with transaction.atomic():
        _lock()
        batches = _pending_batches(max_events)
        if not batches:
            return PipelineRun()
        events = _load_events(event_id for _, ids in batches for event_id in ids)
        run = _Run(
            leads=identities.known_leads({key for event in events for key in event.keys}),
            sources=dict(Source.objects.values_list("pk", "name")),
            traits=_traits_of(event.id for event in events if event.type in IDENTITY_CALLS),
        )
        run.read_people(events)
        _create_new_people(events, run)
        for event in events:
            if event.type in IDENTITY_CALLS:
                _carry_out(event, run)
        lead_services.set_companies(run.companies_of_leads)
        attached = _attach(events, run)
        stitched_elsewhere = _load_events(set(run.stitched.events) - {e.id for e in events})
        for event in stitched_elsewhere:
            event.lead_id = run.stitched.events[event.id]
        new_activity = [event for event in attached + stitched_elsewhere if event.lead_id]
        kinds, new_kinds = _KINDS.ids_of(new_activity)
        activity.append_activity(_by_lead(new_activity, kinds))
        _record_touches(new_activity)
        lead_ids = sorted({event.lead_id for event in new_activity if event.lead_id})
        summary = scoring_services.score_leads(lead_ids=lead_ids)
        ReceivedBatch.objects.filter(pk__in=[batch_id for batch_id, _ in batches]).update(
            processed_at=now()
        )
    # Remembered only once committed: a rolled-back run's kinds do not exist.
    if not connection.in_atomic_block:
        _KINDS.remember(new_kinds)
    return PipelineRun(
        batches=len(batches),
        events=len(events),
        leads_created=run.created,
        leads_scored=len(lead_ids),
        moved_to_mql=summary.moved_to_mql if summary else 0,
        seconds=round(time.perf_counter() - started, 4),
    )


def _carry_out(event: _Event, run: _Run) -> None:
    """One identity call; a call that cannot be carried out is logged and skipped, its event
    kept."""
    # Each write is in a savepoint of its own, so a refused one leaves the run's others; a call
    # that changes nothing (most of them: a known person saying who they are again) writes
    # nothing and costs no savepoint.
    try:
        if event.type in ("identify", "form"):
            _identify(event, run)
        elif event.type == "alias":
            with transaction.atomic():
                lead_id = identities.alias(
                    user_id=event.user_id, previous_id=event.name, stitched=run.stitched
                )
            if lead_id is not None:
                run.leads[(identities.USER, event.user_id)] = lead_id
                run.leads[(identities.ANONYMOUS, event.name)] = lead_id
        elif event.type == "group":
            _group(event, run)
    except DomainError as error:
        logger.warning("Tracking event %s was stored but not applied: %s", event.id, error)


def _traits_of(event_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The traits of identity calls, read apart: other events have none."""
    rows = Event.objects.filter(pk__in=list(event_ids)).values_list("pk", "traits")
    return {pk: traits for pk, traits in rows if isinstance(traits, dict)}


def _identify(event: _Event, run: _Run) -> None:
    traits = run.traits.get(event.id, {})
    fields = trait_fields.lead_fields(traits)
    # Who says who they are: their user id, else their email. The browser they use decides
    # only when they give neither: on a shared computer a new user id or email is a new person.
    lead_id = run.leads.get((identities.USER, event.user_id)) if event.user_id else None
    if lead_id is None and fields.get("email"):
        lead_id = run.emails.get(fields["email"])
    if lead_id is None and not event.user_id and not fields.get("email"):
        lead_id = run.lead_of(event)
    if lead_id is None and not fields and not event.user_id:
        return
    company_name = trait_fields.company_name_of(traits)
    if lead_id is not None:
        _identify_known(event, run, lead_id, fields, company_name)
        return
    with transaction.atomic():
        if company_name:
            fields["company_id"] = _company_named(company_name)
        lead = lead_services.create_lead(
            by=None,
            stage=Stage.INQUIRY if event.type == "form" else Stage.LEAD,
            reason=_entry_reason(event, run),
            actor_label=TRACKING_LABEL,
            at=min(event.occurred_at, now()),
            source=run.sources.get(event.source_id or 0, "")[:60],
            scored=False,
            **fields,
        )
        lead_id = lead.pk
        run.people[lead_id] = lead
        if lead.email:
            run.emails[lead.email] = lead_id
        run.created += 1
        run.link(event.keys, lead_id)
        if event.type == "form":
            _record_consent(event, lead_id)
    event.lead_id = lead_id


def _identify_known(
    event: _Event, run: _Run, lead_id: int, fields: dict[str, Any], company_name: str
) -> None:
    lead = run.person(lead_id)
    changes = _lead_changes(lead, fields)
    needs_company = bool(company_name) and lead.company_id is None
    unlinked = [key for key in event.keys if key not in run.leads]
    if changes or needs_company or unlinked or event.type == "form":
        with transaction.atomic():
            if needs_company:
                changes["company_id"] = _company_named(company_name)
            if changes:
                lead_services.update_lead(lead=lead, by=None, changes=changes, scored=False)
            run.link(unlinked, lead_id)
            if event.type == "form":
                _record_consent(event, lead_id)
    event.lead_id = lead_id


def _create_new_people(events: list[_Event], run: _Run) -> None:
    """Create, in one go, the leads of the run's identify and form calls that name a user id or
    email Tandem does not know yet, and link their ids. The calls are then carried out in
    order as for anyone known. (Calls naming neither are rare and left to `_identify`.)"""
    planned: dict[tuple[str, str], _Event] = {}
    entries = []
    for event in events:
        if event.type not in ("identify", "form"):
            continue
        traits = run.traits.get(event.id, {})
        fields = trait_fields.lead_fields(traits)
        email = fields.get("email", "")
        keys = [("user", event.user_id)] if event.user_id else []
        keys += [("email", email)] if email else []
        known = (event.user_id and (identities.USER, event.user_id) in run.leads) or (
            email in run.emails
        )
        if not keys or known or any(key in planned for key in keys):
            continue
        planned.update(dict.fromkeys(keys, event))
        if company_name := trait_fields.company_name_of(traits):
            fields["company_id"] = _company_named(company_name)
        fields["source"] = run.sources.get(event.source_id or 0, "")[:60]
        stage = Stage.INQUIRY if event.type == "form" else Stage.LEAD
        at = min(event.occurred_at, now())
        entries.append((fields, stage, at, _entry_reason(event, run), event))
    if not entries:
        return
    leads = lead_services.create_leads_in_bulk(
        entries=[entry[:4] for entry in entries], actor_label=TRACKING_LABEL
    )
    links: dict[IdentityKey, int] = {}
    for lead, entry in zip(leads, entries, strict=True):
        run.people[lead.pk] = lead
        if lead.email:
            run.emails[lead.email] = lead.pk
        for key in entry[4].keys:
            if key not in run.leads:
                links.setdefault(key, lead.pk)
    run.leads.update(identities.link_many(links, run.stitched))
    run.created += len(leads)


def _entry_reason(event: _Event, run: _Run) -> str:
    if event.type == "form":
        return SUBMITTED_FORM.format(form=event.name)
    return IDENTIFIED.format(source=run.sources.get(event.source_id or 0, "a tracking call"))


def _lead_changes(lead: Lead, fields: dict[str, Any]) -> dict[str, Any]:
    """What of `fields` would change the lead."""
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "attributes":
            merged = {**lead.attributes, **value}
            if merged != lead.attributes:
                changes["attributes"] = merged
        elif name == "email":
            # A lead's email is changed by people, not by a tracking call naming another one.
            if not lead.email and not Lead.objects.filter(email=value).exclude(email="").exists():
                changes["email"] = value
        elif getattr(lead, name) != value:
            changes[name] = value
    return changes


def _company_named(name: str) -> int:
    found = Company.objects.filter(name__iexact=name).values_list("pk", flat=True).first()
    if found is not None:
        return found
    return lead_services.create_company(by=None, name=name).pk


def _record_consent(event: _Event, lead_id: int) -> None:
    consent = event.context.get("consent")
    if not isinstance(consent, dict) or not isinstance(consent.get("wording"), str):
        return
    Consent.objects.create(
        lead_id=lead_id,
        purpose=ConsentPurpose.MARKETING_EMAIL,
        granted=consent.get("granted") is True,
        wording=consent["wording"],
        origin=f"form:{event.context.get('form', event.name)}"[:200],
        at=event.occurred_at,
    )


def _group(event: _Event, run: _Run) -> None:
    fields = trait_fields.company_fields(run.traits.get(event.id, {}))
    group_id = event.name
    company = run.groups.get(group_id)
    if company is None and fields.get("domain"):
        company = run.domains.get(fields["domain"])
        if company is not None and not company.external_id:
            # Found by its website: later calls naming only the group id find it too.
            lead_services.name_import_identity(
                company=company, import_source=TRACKING_LABEL, external_id=group_id
            )
            run.groups[group_id] = company
    if company is None:
        with transaction.atomic():
            company = lead_services.create_company(
                by=None,
                name=fields.pop("name", group_id),
                import_source=TRACKING_LABEL,
                external_id=group_id,
                **fields,
            )
        run.groups[group_id] = company
        if company.domain:
            run.domains[company.domain] = company
    else:
        changes = {
            name: value
            for name, value in fields.items()
            if name != "domain" and getattr(company, name) != value
        }
        if changes:
            with transaction.atomic():
                lead_services.update_company(company=company, by=None, changes=changes)
    lead_id = run.lead_of(event)
    if lead_id is not None and run.person(lead_id).company_id != company.pk:
        run.person(lead_id).company_id = company.pk
        run.companies_of_leads[lead_id] = company.pk


def _attach(events: list[_Event], run: _Run) -> list[_Event]:
    """Give each event of the run its lead, writing it where the event was stored without one
    (its ids were unknown then); returns the events now attached to a lead."""
    updates = []
    for event in events:
        if event.id in run.stitched.events:
            event.lead_id = run.stitched.events[event.id]
        elif event.lead_id is None and (lead_id := run.lead_of(event)) is not None:
            event.lead_id = lead_id
            updates.append((lead_id, event.id))
    update_rows(Event, ["lead"], updates)
    return [event for event in events if event.lead_id is not None]


def _by_lead(events: list[_Event], kinds: list[int]) -> dict[int, list[activity.NewEvent]]:
    grouped: dict[int, list[activity.NewEvent]] = defaultdict(list)
    for event, kind in zip(events, kinds, strict=True):
        assert event.lead_id is not None  # noqa: S101 (only attached events come here)
        grouped[event.lead_id].append((kind, event.occurred_at))
    return grouped


KindKey = tuple[str, str, str]


class _KindIds:
    """EventKind ids by (type, name, properties as stored), remembered by this process: most
    events are of a few kinds, and working a kind out (a canonical dump, a hash, a look-up)
    would cost more than the rest of an event's processing."""

    LIMIT = 200_000

    def __init__(self) -> None:
        self.known: dict[KindKey, int] = {}

    def ids_of(self, events: list[_Event]) -> tuple[list[int], dict[KindKey, int]]:
        """The kind of each event, and the kinds not remembered before."""
        keys = [(event.type, event.name, event.properties_text) for event in events]
        missing = {
            key: event for key, event in zip(keys, events, strict=True) if key not in self.known
        }
        ids = activity.intern_kinds(
            [(event.type, event.name, event.properties) for event in missing.values()]
        )
        new = dict(zip(missing, ids, strict=True))
        return [self.known.get(key) or new[key] for key in keys], new

    def remember(self, kinds: dict[KindKey, int]) -> None:
        if len(self.known) + len(kinds) > self.LIMIT:
            self.known.clear()
        self.known.update(kinds)


_KINDS = _KindIds()


def forget_kinds() -> None:
    """Drop remembered kinds, as when the database was emptied under this process."""
    _KINDS.known.clear()


def _record_touches(events: list[_Event]) -> None:
    """First and last touch of each lead the events bring a campaign or a page for."""
    touches: dict[int, list[lead_services.Touch]] = defaultdict(list)
    for event in sorted(events, key=lambda event: (event.occurred_at, event.id)):
        touch = _touch_of(event)
        if touch is not None and event.lead_id is not None:
            touches[event.lead_id].append(touch)
    if touches:
        lead_services.record_touches(touches)


def _touch_of(event: _Event) -> "lead_services.Touch | None":
    campaign = event.context.get("campaign")
    page = event.context.get("page")
    url = ""
    if isinstance(page, dict) and isinstance(page.get("url"), str):
        url = page["url"]
    elif event.type == "page" and isinstance(event.properties.get("url"), str):
        url = event.properties["url"]
    utm = _utm(campaign) if isinstance(campaign, Mapping) else {}
    if not utm and not url:
        return None
    return lead_services.Touch(
        at=event.occurred_at, utm=utm, campaign_id=event.campaign_id, landing_page=url
    )


# Segment's context.campaign keys, the lead field each sets and that field's length.
UTM_KEYS = {
    key: (field, trait_fields.max_length(Lead, field))
    for key, field in (
        ("source", "utm_source"),
        ("medium", "utm_medium"),
        ("name", "utm_campaign"),
        ("term", "utm_term"),
        ("content", "utm_content"),
    )
}


def _utm(campaign: Mapping[str, Any]) -> dict[str, str]:
    return {
        field: value.strip()[:length]
        for key, (field, length) in UTM_KEYS.items()
        if isinstance(value := campaign.get(key), str) and value.strip()
    }


def pending_count() -> int:
    """Events received and not processed yet."""
    waiting = ReceivedBatch.objects.filter(processed_at__isnull=True)
    return int(waiting.aggregate(events=Sum("event_count"))["events"] or 0)


# Processed batches are kept this long: the tracking page's figures look back a day, and a
# month is enough to look into a problem.
BATCH_RETENTION = dt.timedelta(days=30)


def prune_processed_batches(*, older_than: dt.timedelta = BATCH_RETENTION) -> int:
    """Delete the records of batches processed longer ago than `older_than` (their events
    stay); returns how many."""
    deleted, _ = ReceivedBatch.objects.filter(
        processed_at__isnull=False, received_at__lt=now() - older_than
    ).delete()
    return deleted


def run_forever(
    *, poll_seconds: float = 0.05, stop: threading.Event | None = None, max_events: int = 0
) -> None:
    """Process batches as they arrive until `stop` is set; a failed run is logged and tried
    again, so one bad moment does not stop tracking."""
    stop = stop or threading.Event()
    # SQLite has one writer: a shorter run lets tracking calls store their events in between.
    max_events = max_events or (
        SQLITE_MAX_EVENTS if connection.vendor == "sqlite" else DEFAULT_MAX_EVENTS
    )
    failures = 0
    schedule = Schedule()
    while not stop.is_set():
        close_old_connections()
        schedule.run_due()
        try:
            run = process_pending(max_events=max_events)
            failures = 0
        except Exception:
            failures += 1
            logger.exception("The tracking pipeline failed; trying again.")
            stop.wait(min(30.0, 0.5 * 2**failures))
            continue
        if run.events == 0:
            stop.wait(poll_seconds)
