"""The lead card a rep works from: everything about one lead on one page.

Who the person and company are, how they came in, the brief of every campaign they touched, what
they did and read, why they became an MQL, who had them before and why they were rejected, and
what the rep may do now. Every read is by the lead's own indexes, so the card costs the same
with a thousand leads in the database or a million.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from tandem.agreement.queries import active_version
from tandem.agreement.rules import RejectionReason, parse_terms
from tandem.campaigns.models import Campaign
from tandem.core.roles import WORKS_LEADS, Role
from tandem.core.time import now
from tandem.handoff.models import Assignment, Rejection, Touch
from tandem.handoff.services import REASSIGNS
from tandem.leads.lifecycle import OPEN_STAGES
from tandem.leads.models import Event, EventType, Lead, Stage, StageChange
from tandem.people.queries import role_of

# The lead's latest events read for the card: enough for the timeline and for what they read,
# bounded so a lead with a long history costs no more than one with a short one.
EVENTS_READ = 500
TIMELINE_LENGTH = 40
CONTENT_LINES = 15
# Calls that say who someone is rather than what they did.
NOT_ACTIVITY = frozenset({EventType.IDENTIFY, EventType.GROUP, EventType.ALIAS})


@dataclass(frozen=True)
class Moment:
    """One line of the timeline: something the lead did, a rep's touch, or a stage change."""

    at: dt.datetime
    kind: str
    title: str
    detail: str = ""
    campaign: str = ""


@dataclass(frozen=True)
class ContentLine:
    """A page, download or email the lead consumed, with how often and when last."""

    title: str
    kind: str
    times: int
    last_at: dt.datetime


@dataclass(frozen=True)
class Deadline:
    at: dt.datetime
    met_at: dt.datetime | None

    @property
    def is_missed(self) -> bool:
        return (self.met_at or now()) > self.at

    @property
    def is_open(self) -> bool:
        return self.met_at is None


@dataclass(frozen=True)
class Actions:
    """What the person looking may do with the lead now."""

    accept: bool
    reject: bool
    touch: bool
    qualify: bool
    reassign: bool

    @property
    def any(self) -> bool:
        return self.accept or self.reject or self.touch or self.qualify or self.reassign


@dataclass(frozen=True)
class LeadCard:
    current: Assignment | None
    accept_by: Deadline | None
    first_touch_by: Deadline | None
    assignments: list[Assignment]
    rejections: list[Rejection]
    touches: list[Touch]
    campaigns: list[Campaign]
    entry_form: str
    became_mql: StageChange | None
    # The stage ledger, oldest first.
    history: list[StageChange]
    timeline: list[Moment]
    content: list[ContentLine]
    actions: Actions
    reasons: list[RejectionReason]


def lead_card(actor: User, lead: Lead) -> LeadCard:
    """The card of a lead the actor may see (the caller fetched it with `access_lead`)."""
    events = list(
        Event.objects.filter(lead=lead)
        .only("type", "name", "properties", "occurred_at", "campaign_id")
        .order_by("-occurred_at", "-id")[:EVENTS_READ]
    )
    assignments = list(
        Assignment.objects.filter(lead=lead)
        .select_related("rep", "rule", "assigned_by")
        .order_by("-assigned_at", "-id")
    )
    current = next((a for a in assignments if a.ended_at is None), None)
    touches = list(Touch.objects.filter(lead=lead).select_related("rep").order_by("-at", "-id"))
    changes = list(
        StageChange.objects.filter(lead=lead)
        .select_related("actor", "agreement_version")
        .order_by("-at", "-id")
    )
    campaigns = _campaigns(lead, events)
    actions = _actions(actor, lead, current)
    return LeadCard(
        current=current,
        accept_by=_deadline(current, "accept_by", "decided_at"),
        first_touch_by=_deadline(current, "first_touch_by", "first_touch_at"),
        assignments=assignments,
        rejections=list(
            Rejection.objects.filter(lead=lead).select_related("rep").order_by("-at", "-id")
        ),
        touches=touches,
        campaigns=campaigns,
        entry_form=_entry_form(events),
        became_mql=next((change for change in changes if change.to_stage == Stage.MQL), None),
        history=changes[::-1],
        timeline=_timeline(events, touches, changes, {c.pk: c.name for c in campaigns}),
        content=_content(events),
        actions=actions,
        # Read only for someone who may reject: the form offers them.
        reasons=agreed_rejection_reasons() if actions.reject else [],
    )


def _deadline(assignment: Assignment | None, due: str, met: str) -> Deadline | None:
    if assignment is None or getattr(assignment, due) is None:
        return None
    return Deadline(at=getattr(assignment, due), met_at=getattr(assignment, met))


def _campaigns(lead: Lead, events: list[Event]) -> list[Campaign]:
    """Every campaign that touched the lead, first touch first and last touch last, each with
    its brief."""
    ids: list[int] = []
    for campaign_id in (
        lead.first_touch_campaign_id,
        *(event.campaign_id for event in reversed(events)),
        lead.last_touch_campaign_id,
    ):
        if campaign_id is not None and campaign_id not in ids:
            ids.append(campaign_id)
    if not ids:
        return []
    found = {campaign.pk: campaign for campaign in Campaign.objects.filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def _entry_form(events: list[Event]) -> str:
    """The first form the lead filled in, as far as the events read go back."""
    forms = [event for event in events if event.type == EventType.FORM]
    if not forms:
        return ""
    first = forms[-1]
    return first.name or str(first.properties.get("form", ""))


def _title(event: Event) -> str:
    properties = event.properties if isinstance(event.properties, dict) else {}
    label = properties.get("title") or properties.get("path") or properties.get("url") or ""
    name = event.name or event.get_type_display()
    if label and str(label) != name:
        return f"{name} · {label}"
    return name


def _timeline(
    events: Iterable[Event],
    touches: Iterable[Touch],
    changes: Iterable[StageChange],
    campaign_names: dict[int, str],
) -> list[Moment]:
    moments = [
        Moment(
            at=event.occurred_at,
            kind=event.type,
            title=_title(event),
            campaign=campaign_names.get(event.campaign_id, "") if event.campaign_id else "",
        )
        for event in events
        if event.type not in NOT_ACTIVITY
    ]
    moments += [
        Moment(
            at=touch.at,
            kind="touch",
            title=f"{touch.get_kind_display()} by {_name(touch.rep)}",
            detail=touch.note,
        )
        for touch in touches
    ]
    moments += [
        Moment(
            at=change.at,
            kind="stage",
            title=f"{Stage(change.to_stage).label}"
            + (f" from {Stage(change.from_stage).label}" if change.from_stage else " (entered)"),
            detail=change.reason,
        )
        for change in changes
    ]
    moments.sort(key=lambda moment: moment.at, reverse=True)
    return moments[:TIMELINE_LENGTH]


def _content(events: Iterable[Event]) -> list[ContentLine]:
    """What the lead read, watched, downloaded or clicked: the same item counted once."""
    seen: dict[tuple[str, str], list[Any]] = {}
    for event in events:
        if event.type in NOT_ACTIVITY:
            continue
        key = (event.type, _title(event))
        if key in seen:
            seen[key][0] += 1
        else:
            seen[key] = [1, event.occurred_at]
    lines = [
        ContentLine(title=title, kind=EventType(kind).label, times=times, last_at=last_at)
        for (kind, title), (times, last_at) in seen.items()
    ]
    lines.sort(key=lambda line: (line.times, line.last_at), reverse=True)
    return lines[:CONTENT_LINES]


def _actions(actor: User, lead: Lead, current: Assignment | None) -> Actions:
    role = role_of(actor)
    works = role in WORKS_LEADS and (
        role != Role.SALES_REP or (current is not None and current.rep_id == actor.pk)
    )
    handed_over = lead.stage in (Stage.MQL, Stage.SAL)
    return Actions(
        accept=works and lead.stage == Stage.MQL and current is not None,
        reject=works and handed_over,
        touch=works and lead.stage in OPEN_STAGES,
        qualify=works and handed_over,
        reassign=role in REASSIGNS and lead.stage in OPEN_STAGES,
    )


def agreed_rejection_reasons() -> list[RejectionReason]:
    version = active_version()
    return list(parse_terms(version.content).rejection_reasons) if version else []


def _name(person: User) -> str:
    return person.get_full_name() or person.username
