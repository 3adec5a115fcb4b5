"""A form submission, once the pipeline has taken it: the lead, its consent and its first touch."""

import json

import pytest
from django.test import Client

from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.starter import STARTER_TERMS
from tandem.campaigns.models import Campaign
from tandem.core.testing import Personas, make_lead
from tandem.leads.models import Consent, Event, Lead, Stage
from tandem.people.models import Source
from tandem.scoring.models import LeadScore
from tandem.tracking import pipeline
from tandem.tracking.form_services import create_form
from tandem.tracking.models import Form
from tandem.tracking.tests.form_fixtures import LANDING_URL, WORDING, campaign, filled, form, source

pytestmark = pytest.mark.django_db

__all__ = ["campaign", "form", "source"]


def test_a_submission_creates_the_lead_with_what_the_person_typed(
    client: Client, form: Form
) -> None:
    client.post(f"/f/{form.key}/", filled(form))

    pipeline.process_pending()

    lead = Lead.objects.get()
    assert (lead.email, lead.first_name, lead.last_name, lead.country, lead.company.name) == (
        "ann.lee@example.com", "Ann", "Lee", "FR", "Example Ltd"
    )  # fmt: skip
    assert lead.stage == Stage.INQUIRY
    assert Event.objects.get().lead == lead


def test_the_lead_keeps_the_consent_with_its_wording(client: Client, form: Form) -> None:
    client.post(f"/f/{form.key}/", filled(form))

    pipeline.process_pending()

    consent = Consent.objects.get()
    assert (consent.lead, consent.granted, consent.wording, consent.origin) == (
        Lead.objects.get(), True, WORDING, f"form:{form.key}"
    )  # fmt: skip
    assert consent.at == Event.objects.get().occurred_at


def test_the_lead_is_credited_to_the_campaign_and_page_it_came_from(
    client: Client, form: Form, campaign: Campaign
) -> None:
    client.post(f"/f/{form.key}/", filled(form))

    pipeline.process_pending()

    lead = Lead.objects.get()
    assert (lead.first_touch_campaign, lead.utm_source, lead.utm_medium) == (
        campaign, "linkedin", "paid_social"
    )  # fmt: skip
    assert lead.landing_page == LANDING_URL


def test_a_submission_updates_the_lead_with_that_email(client: Client, form: Form) -> None:
    existing = make_lead(email="ann.lee@example.com", first_name="Annie")

    client.post(
        f"/f/{form.key}/",
        json.dumps(filled(form, consent=None)),
        content_type="application/json",
    )
    pipeline.process_pending()

    existing.refresh_from_db()
    assert Lead.objects.get() == existing
    assert (existing.first_name, existing.last_name) == ("Ann", "Lee")
    assert Consent.objects.get().granted is False


def test_a_demo_request_form_counts_as_one_under_the_starter_agreement(
    client: Client, personas: Personas, source: Source
) -> None:
    AgreementVersion.objects.create(
        number=1, status=VersionStatus.ACTIVE, title="v1", content=STARTER_TERMS
    )
    demo = create_form(by=personas.marketer, name="Demo request", source=source, fields=["email"])
    client.post(f"/f/{demo.key}/", filled(demo))

    pipeline.process_pending()

    # The demo-or-contact rule (40) and any form (15).
    assert LeadScore.objects.get().score == 55
