"""The demo's lead agreement: a first version both teams signed, and a stricter proposal that
waits for the sales manager, so its what-if and the comparison have something to show."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from tandem.agreement import services as agreement_services
from tandem.agreement.models import AgreementVersion
from tandem.agreement.starter import STARTER_TERMS
from tandem.leads.models import Event
from tandem.scoring import activity
from tandem.scoring.models import LeadActivity

MARKETING_LEAD = "lena.lead"
SALES_MANAGER = "morgan.manager"
FIRST_SUMMARY = (
    "What we agreed at the alignment workshop: decision makers at mid-market and enterprise "
    "companies are a fit, and a demo request or sustained interest in pricing makes an MQL."
)
STRICTER_SUMMARY = (
    "Sales asks for fewer, better MQLs: grade B leads need a score of 70, and grade A leads 50. "
    "Check the what-if before signing."
)
# Grade A from 50 points, grade B from 70: stricter than the first version's "A or B, 40".
STRICTER_MQL = {"any_of": [{"grades": ["A"], "min_score": 50}, {"grades": ["B"], "min_score": 70}]}


@dataclass(frozen=True)
class DemoAgreement:
    active: AgreementVersion
    proposal: AgreementVersion


@transaction.atomic
def write_agreement(people: dict[str, User]) -> DemoAgreement | None:
    """Sign the first version (every lead is scored) and propose the stricter one; None when
    the database already holds an agreement."""
    if AgreementVersion.objects.exists():
        return None
    if Event.objects.exists() and not LeadActivity.objects.exists():
        # Bulk-written demo data skips the services that keep activity.
        activity.rebuild_activity()
    lead, manager = people[MARKETING_LEAD], people[SALES_MANAGER]
    first = agreement_services.create_draft(
        by=lead, title="Our first lead agreement", summary=FIRST_SUMMARY, content=STARTER_TERMS
    )
    agreement_services.propose_version(version=first, by=lead)
    agreement_services.sign_version(version=first, by=lead)
    active = agreement_services.sign_version(version=first, by=manager)
    proposal = agreement_services.create_draft(
        by=lead,
        title="Fewer, better MQLs",
        summary=STRICTER_SUMMARY,
        content={**STARTER_TERMS, "mql": STRICTER_MQL},
    )
    agreement_services.propose_version(version=proposal, by=lead)
    agreement_services.sign_version(version=proposal, by=lead)
    proposal.refresh_from_db()
    return DemoAgreement(active=active, proposal=proposal)
