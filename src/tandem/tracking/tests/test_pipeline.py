"""The pipeline: events attached to leads, identities stitched, touches recorded, leads scored."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.starter import STARTER_TERMS
from tandem.campaigns.models import Campaign, Channel
from tandem.core.testing import make_lead
from tandem.leads.models import Company, Event, Identity, Lead, Stage, StageChange
from tandem.scoring.models import LeadActivity, LeadScore
from tandem.tracking.models import ReceivedBatch
from tandem.tracking.pipeline import pending_count, process_pending, prune_processed_batches
from tandem.tracking.tests.conftest import Send

pytestmark = pytest.mark.django_db

Processed = Callable[[], None]


@pytest.fixture
def agreement(db: None) -> AgreementVersion:
    return AgreementVersion.objects.create(
        number=1, status=VersionStatus.ACTIVE, title="v1", content=STARTER_TERMS
    )


def page(anonymous_id: str, path: str = "/pricing", **fields: Any) -> dict[str, Any]:
    return {
        "type": "page",
        "anonymousId": anonymous_id,
        "properties": {"path": path, "url": f"https://www.example.com{path}"},
        **fields,
    }


def identify(email: str, **fields: Any) -> dict[str, Any]:
    return {"type": "identify", "traits": {"email": email, **fields.pop("traits", {})}, **fields}


def test_the_pipeline_marks_the_batches_it_processed(send: Send) -> None:
    send("/v1/batch", {"batch": [page("a1"), page("a1")]})
    assert pending_count() == 2
    run = process_pending()
    assert (run.batches, run.events) == (1, 2)
    assert pending_count() == 0
    assert ReceivedBatch.objects.get().processed_at is not None
    assert process_pending().events == 0


def test_identify_with_an_email_creates_the_lead_from_its_traits(
    send: Send, processed: Processed
) -> None:
    send(
        "/v1/identify",
        identify(
            "Ada@Example.com",
            userId="u1",
            traits={"firstName": "Ada", "lastName": "Lovelace", "title": "VP Data", "plan": "pro"},
        ),
    )
    processed()
    lead = Lead.objects.get()
    assert (lead.email, lead.first_name, lead.last_name, lead.job_title) == (
        "ada@example.com", "Ada", "Lovelace", "VP Data"
    )  # fmt: skip
    assert lead.attributes == {"plan": "pro"}
    assert (lead.stage, lead.source) == (Stage.LEAD, "Website")
    assert StageChange.objects.get(lead=lead).actor_label == "tracking"
    assert set(Identity.objects.values_list("kind", "value", "lead")) == {("user", "u1", lead.pk)}


def test_earlier_anonymous_events_are_stitched_to_the_lead_once_identified(
    send: Send, processed: Processed
) -> None:
    send("/v1/batch", {"batch": [page("a1"), page("a1", "/docs"), page("someone-else")]})
    processed()
    assert not Lead.objects.exists()
    send("/v1/identify", identify("ada@example.com", anonymousId="a1"))
    processed()
    lead = Lead.objects.get()
    assert Event.objects.filter(lead=lead).count() == 3
    assert Event.objects.filter(lead__isnull=True, anonymous_id="someone-else").count() == 1
    assert LeadActivity.objects.get(lead=lead).event_count == 3


def test_later_events_of_a_known_visitor_are_attached_when_stored(
    send: Send, processed: Processed
) -> None:
    send("/v1/identify", identify("ada@example.com", anonymousId="a1"))
    processed()
    send("/v1/page", page("a1"))
    assert Event.objects.get(type="page").lead == Lead.objects.get()


def test_identify_of_a_known_email_links_the_ids_to_that_lead(
    send: Send, processed: Processed
) -> None:
    lead = make_lead(email="ada@example.com", first_name="Ada")
    send("/v1/identify", identify("ada@example.com", userId="u1", anonymousId="a1"))
    processed()
    assert Lead.objects.count() == 1
    assert set(Identity.objects.values_list("lead", flat=True)) == {lead.pk}


def test_a_user_id_seen_before_it_is_identified_is_stitched_too(
    send: Send, processed: Processed
) -> None:
    send("/v1/track", {"userId": "u1", "event": "Logged in"})
    processed()
    send("/v1/identify", identify("ada@example.com", userId="u1"))
    processed()
    assert Event.objects.get(type="track").lead == Lead.objects.get()


def test_an_alias_before_identify_waits_then_brings_the_anonymous_history(
    send: Send, processed: Processed
) -> None:
    send("/v1/page", page("a1"))
    send("/v1/alias", {"previousId": "a1", "userId": "u1"})
    processed()
    assert not Lead.objects.exists()
    send("/v1/identify", identify("ada@example.com", userId="u1"))
    processed()
    lead = Lead.objects.get()
    assert Event.objects.get(type="page").lead == lead
    assert Identity.objects.get(value="a1").lead == lead


def test_an_alias_of_a_known_visitor_gives_the_new_user_id_to_their_lead(
    send: Send, processed: Processed
) -> None:
    send("/v1/identify", identify("ada@example.com", anonymousId="a1"))
    send("/v1/alias", {"previousId": "a1", "userId": "u1"})
    send("/v1/track", {"userId": "u1", "event": "Upgraded"})
    processed()
    assert Event.objects.get(type="track").lead == Lead.objects.get()


def test_an_alias_between_two_known_leads_merges_nothing(send: Send, processed: Processed) -> None:
    send("/v1/identify", identify("ada@example.com", userId="u1"))
    send("/v1/identify", identify("bob@example.com", userId="u2"))
    send("/v1/alias", {"previousId": "u1", "userId": "u2"})
    processed()
    assert Lead.objects.count() == 2
    assert Identity.objects.get(value="u1").lead.email == "ada@example.com"


def test_group_links_the_lead_to_its_company_with_the_groups_traits(
    send: Send, processed: Processed
) -> None:
    send("/v1/identify", identify("ada@example.com", userId="u1"))
    traits = {
        "name": "Acme",
        "industry": "Software",
        "employees": 900,
        "website": "https://www.acme.example",
    }
    send("/v1/group", {"userId": "u1", "groupId": "g-1", "traits": traits})
    processed()
    company = Company.objects.get()
    assert (company.name, company.industry, company.employee_count, company.domain) == (
        "Acme", "Software", 900, "acme.example"
    )  # fmt: skip
    assert Lead.objects.get().company == company
    send("/v1/group", {"userId": "u1", "groupId": "g-1", "traits": {"employees": 1200}})
    processed()
    assert Company.objects.get().employee_count == 1200


def test_campaign_and_page_context_set_first_and_last_touch(
    send: Send, processed: Processed
) -> None:
    spring = Campaign.objects.create(name="Spring", utm_key="spring", channel=Channel.PAID_SEARCH)
    autumn = Campaign.objects.create(name="Autumn", utm_key="autumn", channel=Channel.EMAIL)

    def visit(campaign: str, url: str, at: str) -> dict[str, Any]:
        return page(
            "a1",
            timestamp=at,
            context={
                "campaign": {"name": campaign, "source": "google", "medium": "cpc"},
                "page": {"url": url},
            },
        )

    send("/v1/page", visit("spring", "https://www.example.com/lp/spring", "2026-03-01T10:00:00Z"))
    send("/v1/identify", identify("ada@example.com", anonymousId="a1"))
    processed()
    send("/v1/page", visit("autumn", "https://www.example.com/lp/autumn", "2026-10-01T10:00:00Z"))
    processed()
    lead = Lead.objects.get()
    assert lead.first_touch_campaign == spring
    assert (lead.utm_campaign, lead.utm_source) == ("spring", "google")
    assert lead.landing_page == "https://www.example.com/lp/spring"
    assert lead.last_touch_campaign == autumn
    assert lead.last_touch_landing_page == "https://www.example.com/lp/autumn"
    assert Event.objects.filter(campaign=spring).count() == 1


def test_each_event_updates_the_leads_score_under_the_active_agreement(
    send: Send, processed: Processed, agreement: AgreementVersion
) -> None:
    send("/v1/identify", identify("ada@example.com", anonymousId="a1"))
    processed()
    send("/v1/batch", {"batch": [page("a1"), page("a1", "/pricing/teams")]})
    processed()
    score = LeadScore.objects.get(lead=Lead.objects.get())
    # Two pricing pages (10 each) and two pages read (2 each), not yet decayed.
    assert score.score == 24
    assert score.version == agreement


def test_an_event_that_meets_the_mql_rule_moves_the_lead_to_mql_at_once(
    send: Send, processed: Processed, agreement: AgreementVersion
) -> None:
    company = Company.objects.create(
        name="Acme", segment="Enterprise", industry="Software", employee_count=900
    )
    lead = make_lead(email="vp@acme.example", job_title="VP Marketing", company_id=company.pk)
    send("/v1/identify", identify("vp@acme.example", userId="u1"))
    send(
        "/v1/batch",
        {
            "batch": [
                {"type": "track", "userId": "u1", "event": "ROI calculator used"},
                {"type": "track", "userId": "u1", "event": "Webinar attended"},
                {"type": "page", "userId": "u1", "properties": {"path": "/pricing"}},
            ]
        },
    )
    processed()
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL
    mql = StageChange.objects.get(lead=lead, to_stage=Stage.MQL)
    assert (mql.actor_label, mql.agreement_version) == ("scoring", agreement)


def test_a_call_that_cannot_be_applied_is_kept_and_does_not_stop_the_others(
    send: Send, processed: Processed
) -> None:
    send("/v1/identify", identify("ada@example.com", userId="u1"))
    processed()
    # A company name too long for any company is cut, a country that is not a code is left out.
    send(
        "/v1/batch",
        {
            "batch": [
                identify(
                    "bob@example.com",
                    userId="u2",
                    traits={"company": "x" * 500, "country": "Narnia"},
                ),
                page("a9"),
            ]
        },
    )
    processed()
    bob = Lead.objects.get(email="bob@example.com")
    assert (len(bob.company.name), bob.country) == (200, "")
    assert pending_count() == 0


def test_a_second_person_on_a_shared_computer_gets_a_lead_of_their_own(
    send: Send, processed: Processed
) -> None:
    send(
        "/v1/identify",
        identify("ada@example.com", userId="u1", anonymousId="a1", traits={"firstName": "Ada"}),
    )
    processed()
    send(
        "/v1/identify",
        identify("bob@example.com", userId="u2", anonymousId="a1", traits={"firstName": "Bob"}),
    )
    processed()
    ada, bob = Lead.objects.get(email="ada@example.com"), Lead.objects.get(email="bob@example.com")
    assert (ada.first_name, bob.first_name) == ("Ada", "Bob")
    assert Identity.objects.get(value="u2").lead == bob
    assert Identity.objects.get(value="a1").lead == ada


def test_a_company_found_by_its_website_is_found_by_its_group_id_later(
    send: Send, processed: Processed
) -> None:
    company = Company.objects.create(name="Acme", domain="acme.example")
    send("/v1/identify", identify("ada@example.com", userId="u1"))
    send("/v1/group", {"userId": "u1", "groupId": "g-1", "traits": {"website": "acme.example"}})
    send("/v1/group", {"userId": "u1", "groupId": "g-1", "traits": {"plan": "pro"}})
    processed()
    assert Company.objects.get() == company
    assert Lead.objects.get().company == company


def test_records_of_batches_processed_a_month_ago_are_pruned_but_their_events_stay(
    send: Send, processed: Processed
) -> None:
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        send("/v1/page", page("a1"))
        processed()
    send("/v1/page", page("a1"))
    processed()
    assert prune_processed_batches() == 1
    assert ReceivedBatch.objects.count() == 1
    assert Event.objects.count() == 2
