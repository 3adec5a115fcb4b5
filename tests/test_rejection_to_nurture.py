"""From a rep's rejection to nurture and back: a lead rejected with a recycling reason enters the
drip, receives its first email with working links, and a click on its content brings it back to
MQL under the agreement, with the ledger showing each step and the lead routed to sales again."""

import copy
import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from tandem.agreement import services as agreement_services
from tandem.agreement.starter import STARTER_TERMS
from tandem.core.testing import Personas, make_lead
from tandem.handoff import services as handoff_services
from tandem.handoff.models import Assignment, RoutingRule
from tandem.leads import services as lead_services
from tandem.leads.models import Consent, Lead, Stage, StageChange
from tandem.nurture import services as nurture_services

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC)
LINK = re.compile(r"https://tandem\.example(/n/[cu]/[^/\s\"]+/)")
# The starter terms, with reading nurture content worth an MQL for a grade A or B lead.
TERMS = {
    **copy.deepcopy(STARTER_TERMS),
    "engagement": {
        "rules": [
            {
                "name": "Nurture content read",
                "event_type": "email",
                "event_name": "Email link clicked",
                "points": 40,
            }
        ],
        "half_life_days": 30,
    },
}


@pytest.fixture
def rejected_lead(personas: Personas, settings) -> Lead:  # type: ignore[no-untyped-def]
    """A fit lead, routed to the rep as an MQL, rejected by them as not ready to buy."""
    settings.TANDEM_BASE_URL = "https://tandem.example"
    version = agreement_services.create_draft(
        by=personas.marketing_lead, title="Nurture counts", content=TERMS
    )
    agreement_services.propose_version(version=version, by=personas.marketing_lead)
    agreement_services.sign_version(version=version, by=personas.marketing_lead)
    agreement_services.sign_version(version=version, by=personas.manager)
    RoutingRule.objects.create(name="Rep", position=1, rep=personas.sales_rep)
    nurture_services.create_sequence(
        by=personas.marketer,
        name="Not now",
        steps=[
            nurture_services.StepSpec(
                subject="The buyer's guide",
                body="What our customers read before they choose.",
                content_url="https://example.com/guide",
                content_title="Read the guide",
                wait_days=1,
            )
        ],
    )
    company = lead_services.create_company(
        by=None, name="Acme", segment="Enterprise", industry="Software", employee_count=900
    )
    lead = make_lead(
        stage=Stage.MQL,
        email="vera@acme.example",
        first_name="Vera",
        job_title="VP Marketing",
        company_id=company.pk,
    )
    handoff_services.reject(lead=lead, by=personas.sales_rep, reason="timing", note="Q3 budget")
    return lead


def _links() -> dict[str, str]:
    [email] = mail.outbox
    found = LINK.findall(email.body)
    return {path[3]: path for path in found}


def test_a_recycled_rejection_is_nurtured_and_a_click_brings_it_back_to_mql(
    client: Client, personas: Personas, rejected_lead: Lead
) -> None:
    assert Lead.objects.get(pk=rejected_lead.pk).stage == Stage.RECYCLED
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1, hours=1)):
        assert nurture_services.send_due_emails() == 1
        links = _links()

        response = client.get(links["c"])

    assert (response.status_code, response["Location"]) == (302, "https://example.com/guide")
    stages = list(StageChange.objects.filter(lead=rejected_lead).values_list("to_stage", flat=True))
    assert stages == [Stage.MQL, Stage.RECYCLED, Stage.MQL]
    back = StageChange.objects.filter(lead=rejected_lead).last()
    assert back is not None
    assert back.agreement_version is not None
    assert Assignment.objects.filter(lead=rejected_lead, ended_at__isnull=True).count() == 1


def test_the_emails_unsubscribe_link_records_the_refusal(
    client: Client, rejected_lead: Lead
) -> None:
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1, hours=1)):
        nurture_services.send_due_emails()
        unsubscribe = _links()["u"]

        assert client.get(unsubscribe).status_code == 200
        client.post(unsubscribe)

    refusal = Consent.objects.get(lead=rejected_lead)
    assert (refusal.granted, refusal.origin) == (False, "nurture:unsubscribe")
