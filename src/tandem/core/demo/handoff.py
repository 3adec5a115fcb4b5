"""The demo's handoff history: what sales did with each lead the generated history handed over.

The generated ledger already says what became of every MQL: accepted (it went on to SAL or
further), rejected (recycled or disqualified straight from MQL) or still waiting. This writes the
records sales would have left on the way — the assignment to a rep, the decision, the first touch
and, for a rejection, one of the agreement's reasons with a note — so that the lead card, the
closed loop and the service-level figures have a history to show. Campaign briefs are filled in
too, for the card's just-in-time briefing.
"""

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from tandem.agreement.models import AgreementVersion
from tandem.agreement.queries import active_version
from tandem.agreement.rules import RejectionOutcome, parse_terms
from tandem.campaigns.models import Campaign, Channel
from tandem.core.roles import Role
from tandem.handoff import sla
from tandem.handoff.models import (
    Assignment,
    Decision,
    Rejection,
    RoutingRule,
    Touch,
    TouchKind,
)
from tandem.handoff.services import ROUTED
from tandem.leads.models import Lead, Stage, StageChange

# What each kind of campaign sells and says; the audience names the campaign's segment.
BRIEFS: dict[str, dict[str, str]] = {
    Channel.PAID_SEARCH: {
        "product": "Tandem Cloud",
        "message": "One funnel for sales and marketing: every lead scored, handed over and "
        "answered under rules both teams signed.",
        "hook": "Stop arguing about lead quality",
        "offer": "14-day trial with your own CRM data",
    },
    Channel.PAID_SOCIAL: {
        "product": "Tandem Cloud",
        "message": "Your reps see why every lead is theirs: the campaign, the pages read, the "
        "score and the reason it became an MQL.",
        "hook": "Leads that arrive with their story",
        "offer": "Free funnel audit with a revenue-ops specialist",
    },
    Channel.DISPLAY: {
        "product": "Tandem Starter",
        "message": "Marketing and sales on one dashboard, set up in an afternoon.",
        "hook": "Still reconciling two spreadsheets every Monday?",
        "offer": "Starter plan free for three months",
    },
    Channel.PARTNER: {
        "product": "Tandem Cloud with partner onboarding",
        "message": "A certified partner sets up your lead agreement, scoring and routing.",
        "hook": "Recommended by the partner you already trust",
        "offer": "Onboarding package included in the first year",
    },
    Channel.SOCIAL: {
        "product": "Tandem Cloud",
        "message": "Practical advice on the service-level agreement between sales and marketing.",
        "hook": "The one-page agreement that ended our lead fights",
        "offer": "Lead agreement template",
    },
    Channel.EVENT: {
        "product": "Tandem Enterprise",
        "message": "Revenue teams that share one funnel close faster; see it live at our booth.",
        "hook": "Live demo: from click to closed-won in ten minutes",
        "offer": "Architecture review with our solutions team",
    },
    Channel.EMAIL: {
        "product": "Tandem Cloud",
        "message": "The month's best material on aligning sales and marketing.",
        "hook": "Five minutes of reading that saves a meeting",
        "offer": "Guides, benchmarks and templates",
    },
    Channel.WEBINAR: {
        "product": "Tandem Cloud",
        "message": "A working session with practitioners on one part of the revenue funnel.",
        "hook": "Ask the people who fixed it",
        "offer": "Recording, slides and a checklist",
    },
}
AUDIENCE = "Heads of sales and marketing at {segment} software companies"
ANY_SEGMENT = "growing"

# What a rep writes for each of the starter agreement's reasons; other reasons get a plain note.
REJECTION_NOTES: dict[str, tuple[str, ...]] = {
    "not-ready": (
        "Interested, but still researching; asked us to come back later.",
        "Just started in the role; wants to settle in first.",
    ),
    "timing": (
        "Interested, but the budget opens next quarter.",
        "Evaluating in the autumn; asked us to stay in touch.",
    ),
    "no-response": ("Three calls and two emails, no answer yet.", "No reply to five touches."),
    "not-target": (
        "A student researching a thesis, not a buyer.",
        "Consultancy looking for partners, not software.",
    ),
    "too-small": ("Two people in the company; the product is far too big for them.",),
    "duplicate": ("Already a customer under another address.",),
}
OTHER_NOTE = "See the call notes."
TOUCH_KINDS = (TouchKind.CALL, TouchKind.EMAIL, TouchKind.CALL, TouchKind.MEETING)
# The first touch comes this many hours after assignment: mostly quickly, sometimes late.
TOUCH_DELAYS = (0.3, 0.8, 1.5, 2.5, 4.0, 6.0, 9.0, 20.0, 30.0)
ACCEPTED_STAGES = frozenset({Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER})


@transaction.atomic
def write_briefs() -> int:
    """Fill in the brief of every campaign that has none; returns how many."""
    written = 0
    for channel, brief in BRIEFS.items():
        segments = (
            Campaign.objects.filter(channel=channel, product="")
            .values_list("audience_segment", flat=True)
            .distinct()
        )
        for segment in list(segments):
            written += Campaign.objects.filter(
                channel=channel, product="", audience_segment=segment
            ).update(**brief, audience=AUDIENCE.format(segment=segment.lower() or ANY_SEGMENT))
    return written


@dataclass(frozen=True)
class Cycle:
    """One time a lead was handed to sales: when it became an MQL, where it went next and
    when, and when it left sales' work (recycled, disqualified or won later), if it did."""

    lead_id: int
    mql_at: dt.datetime
    next_stage: str
    next_at: dt.datetime
    left_at: dt.datetime | None


OWNER_BATCH = 10_000


@transaction.atomic
def write_handoff_history(*, seed: int, version: AgreementVersion | None = None) -> int:
    """The assignment, decision, first touch and rejection reason of every time the ledger shows
    a lead handed to sales and answered, for the leads with no assignment yet, under `version`
    (by default the active one). Returns how many handoffs."""
    version = version or active_version()
    reps = list(User.objects.filter(is_active=True, membership__role=Role.SALES_REP).order_by("pk"))
    if version is None or not reps:
        return 0
    terms = parse_terms(version.content)
    reasons = defaultdict(list)
    for reason in terms.rejection_reasons:
        reasons[reason.outcome].append(reason)
    cycles = _answered_handoffs()
    if not cycles:
        return 0
    rng = random.Random(f"{seed}:handoff")  # noqa: S311 -- reproducible data
    rule = RoutingRule.objects.order_by("position").first()
    lead_ids = sorted({cycle.lead_id for cycle in cycles})
    owners: dict[int, int | None] = {}
    # In batches: a benchmark's data set hands over hundreds of thousands of leads.
    for start in range(0, len(lead_ids), OWNER_BATCH):
        batch = lead_ids[start : start + OWNER_BATCH]
        owners.update(Lead.objects.filter(pk__in=batch).values_list("pk", "owner_id"))
    rep_ids = {rep.pk for rep in reps}
    assignments: list[Assignment] = []
    rejections: list[tuple[Assignment, RejectionOutcome, dt.datetime]] = []
    touches: list[tuple[Assignment, dt.datetime]] = []
    for cycle in cycles:
        owner = owners.get(cycle.lead_id)
        rep_id = owner if owner in rep_ids else reps[cycle.lead_id % len(reps)].pk
        accept_by, first_touch_by = sla.deadlines(
            assigned_at=cycle.mql_at, levels=terms.service_levels
        )
        rejected = cycle.next_stage in (Stage.RECYCLED, Stage.DISQUALIFIED)
        touched_at = cycle.mql_at + dt.timedelta(hours=rng.choice(TOUCH_DELAYS))
        touched = not rejected or touched_at < cycle.next_at
        first_touch = min(touched_at, cycle.next_at)
        assignment = Assignment(
            lead_id=cycle.lead_id,
            rep_id=rep_id,
            rule=rule,
            reason=ROUTED.format(position=rule.position, name=rule.name) if rule else "",
            assigned_at=cycle.mql_at,
            agreement_version=version,
            accept_by=accept_by,
            first_touch_by=first_touch_by,
            decision=Decision.REJECTED if rejected else Decision.ACCEPTED,
            decided_at=cycle.next_at,
            first_touch_at=first_touch if touched else None,
            accept_breached_at=accept_by if cycle.next_at > accept_by else None,
            touch_breached_at=first_touch_by if touched and first_touch > first_touch_by else None,
            ended_at=cycle.next_at if rejected else cycle.left_at,
        )
        assignments.append(assignment)
        if touched:
            touches.append((assignment, first_touch))
        if rejected:
            outcome = (
                RejectionOutcome.RECYCLE
                if cycle.next_stage == Stage.RECYCLED
                else RejectionOutcome.DISQUALIFY
            )
            rejections.append((assignment, outcome, cycle.next_at))
    Assignment.objects.bulk_create(assignments, batch_size=2_000)
    Touch.objects.bulk_create(
        [
            Touch(
                lead_id=assignment.lead_id,
                assignment=assignment,
                rep_id=assignment.rep_id,
                kind=rng.choice(TOUCH_KINDS),
                at=at,
            )
            for assignment, at in touches
        ],
        batch_size=2_000,
    )
    Rejection.objects.bulk_create(
        [
            Rejection(
                lead_id=assignment.lead_id,
                assignment=assignment,
                rep_id=assignment.rep_id,
                reason_code=(reason := rng.choice(reasons[outcome])).code,
                reason_label=reason.label,
                outcome=outcome,
                note=rng.choice(REJECTION_NOTES.get(reason.code, (OTHER_NOTE,))),
                agreement_version=version,
                at=at,
            )
            for assignment, outcome, at in rejections
        ],
        batch_size=2_000,
    )
    return len(assignments)


def _answered_handoffs() -> list[Cycle]:
    """Every time the ledger shows a lead without assignments become an MQL and move on."""
    rows = (
        StageChange.objects.filter(lead__in=Lead.objects.exclude(assignments__isnull=False))
        .order_by("lead_id", "at", "id")
        .values_list("lead_id", "to_stage", "at")
    )
    by_lead: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for lead_id, to_stage, at in rows.iterator(chunk_size=10_000):
        by_lead[lead_id].append((to_stage, at))
    cycles = []
    for lead_id, changes in by_lead.items():
        for index, (to_stage, at) in enumerate(changes):
            if to_stage != Stage.MQL or index + 1 == len(changes):
                continue
            next_stage, next_at = changes[index + 1]
            left_at = next(
                (
                    later_at
                    for later_stage, later_at in changes[index + 1 :]
                    if later_stage in (Stage.RECYCLED, Stage.DISQUALIFIED, Stage.CUSTOMER)
                ),
                None,
            )
            cycles.append(Cycle(lead_id, at, next_stage, next_at, left_at))
    return cycles
