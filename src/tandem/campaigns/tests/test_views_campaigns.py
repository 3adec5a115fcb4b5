"""The campaign pages: the list, a campaign's brief, closed loop and rejections, the campaign
form, and the closed loop by dimension."""

import datetime as dt

import pytest
from django.test import Client

from tandem.campaigns.models import Campaign
from tandem.campaigns.services import UTM_KEY_TAKEN
from tandem.campaigns.tests.conftest import WEBINAR_PAGE, Funnel
from tandem.core.testing import Personas

pytestmark = pytest.mark.django_db

EVERYONE = ["marketer", "marketing_lead", "sales_rep", "manager", "executive", "admin"]
EDITORS = ["marketer", "marketing_lead", "admin"]
READERS = ["sales_rep", "manager", "executive"]
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def signed_in(client: Client, personas: Personas, persona: str) -> Client:
    client.force_login(personas.by_name(persona))
    return client


def form_data(**changes: str) -> dict[str, str]:
    return {
        "name": "Autumn webinar",
        "utm_key": "autumn-webinar",
        "channel": "webinar",
        "audience_segment": "SMB",
        "starts_on": "2026-09-01",
        "ends_on": "2026-09-30",
        "owner": "",
        "product": "Tandem Pro",
        "message": "Close the loop",
        "hook": "Know why leads are rejected",
        "offer": "A free audit",
        "audience": "Marketing leads",
        **changes,
    }


@pytest.mark.parametrize("persona", EVERYONE)
def test_everyone_on_a_team_sees_the_campaigns_with_their_figures(
    client: Client, personas: Personas, funnel: Funnel, persona: str
) -> None:
    response = signed_in(client, personas, persona).get("/campaigns/")

    assert response.status_code == 200
    rows = {campaign.name: loop for campaign, loop in response.context["rows"]}
    # Since each campaign began: L6 (February) counts for brand search too.
    assert {
        name: (loop.mqls, loop.acceptance_rate, loop.sql_rate) for name, loop in rows.items()
    } == {
        "Spring webinar": (3, 2 / 3, 1 / 3),
        "Brand search": (3, 1.0, 1 / 3),
    }
    page = response.content.decode()
    assert "200.00 EUR · 500.00 USD" in page
    assert "1,000.00 EUR" in page


def test_the_list_offers_a_new_campaign_to_marketing_only(
    client: Client, personas: Personas, funnel: Funnel
) -> None:
    marketer = signed_in(client, personas, "marketer").get("/campaigns/").content.decode()
    rep = signed_in(Client(), personas, "sales_rep").get("/campaigns/").content.decode()

    assert 'id="new-campaign"' in marketer
    assert 'id="new-campaign"' not in rep


@pytest.mark.parametrize("path", ["/campaigns/", "/campaigns/{id}/", "/campaigns/closed-loop/"])
def test_someone_on_no_team_is_refused_the_pages(
    client: Client, personas: Personas, funnel: Funnel, path: str
) -> None:
    response = signed_in(client, personas, "outsider").get(path.format(id=funnel.webinar.pk))

    assert response.status_code == 403


def test_someone_signed_out_is_sent_to_sign_in(client: Client, funnel: Funnel) -> None:
    response = client.get("/campaigns/")

    assert response.status_code == 302
    assert "/login" in response["Location"]


@pytest.mark.parametrize("persona", EVERYONE)
def test_the_campaign_page_shows_the_brief_and_the_closed_loop(
    client: Client, personas: Personas, funnel: Funnel, persona: str
) -> None:
    response = signed_in(client, personas, persona).get(f"/campaigns/{funnel.webinar.pk}/", MARCH)

    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Tandem Pro",
        "Sales and marketing on one funnel",
        "See which leads sales rejects, and why",
        "A 30-minute live demo",
        "Heads of marketing at software companies of 50 to 500 people",
    ):
        assert text in page
    loop = response.context["loop"]
    assert (loop.mqls, loop.accepted, loop.rejected, loop.sqls, loop.won_deals) == (3, 2, 1, 1, 2)
    assert '<dd id="figure-acceptance">66.7%</dd>' in page
    assert '<dd id="figure-speed">5 h 0 min</dd>' in page
    assert "No budget this year" in page


def test_the_campaign_page_counts_every_mql_since_the_campaign_began_by_default(
    client: Client, personas: Personas, funnel: Funnel
) -> None:
    response = signed_in(client, personas, "marketer").get(f"/campaigns/{funnel.search.pk}/")

    assert response.context["loop"].mqls == 3


def test_the_campaign_page_counts_by_first_touch_when_asked(
    client: Client, personas: Personas, funnel: Funnel
) -> None:
    response = signed_in(client, personas, "marketer").get(
        f"/campaigns/{funnel.webinar.pk}/", {**MARCH, "touch": "first"}
    )

    assert response.context["loop"].mqls == 4


def test_the_marketer_sees_each_rejection_of_the_campaign_leads_with_its_reason(
    client: Client, personas: Personas, funnel: Funnel
) -> None:
    response = signed_in(client, personas, "marketer").get(f"/campaigns/{funnel.webinar.pk}/")

    rejections = response.context["rejections"]
    assert [(r.lead.first_name, r.reason_label, r.note) for r in rejections] == [
        ("L8", "No budget this year", "Back in the autumn."),
        ("L2", "No budget", "They spent it all on ads."),
    ]
    page = response.content.decode()
    assert '<table class="data-table" id="rejections">' in page
    assert f'href="/leads/{funnel.leads["L8"].pk}/"' in page
    assert "They spent it all on ads." in page


def test_a_rep_sees_only_the_rejections_of_leads_they_may_see(
    client: Client, personas: Personas, funnel: Funnel
) -> None:
    response = signed_in(client, personas, "other_rep").get(f"/campaigns/{funnel.webinar.pk}/")

    assert response.status_code == 200
    assert response.context["rejections"] == []


def test_a_campaign_without_rejections_says_so(
    client: Client, personas: Personas, funnel: Funnel
) -> None:
    response = signed_in(client, personas, "marketer").get(f"/campaigns/{funnel.search.pk}/")

    assert "Sales has rejected none of this campaign's leads." in response.content.decode()


def test_a_bad_period_falls_back_to_the_whole_campaign_and_says_why(
    client: Client, personas: Personas, funnel: Funnel
) -> None:
    response = signed_in(client, personas, "marketer").get(
        f"/campaigns/{funnel.webinar.pk}/", {"from": "2026-03-31", "to": "2026-03-01"}
    )

    assert response.status_code == 200
    assert response.context["loop"].mqls == 3
    assert [str(m) for m in response.context["messages"]] == [
        "The period cannot start after it ends. The default is shown instead."
    ]


def test_a_missing_campaign_is_not_found(client: Client, personas: Personas) -> None:
    response = signed_in(client, personas, "marketer").get("/campaigns/999/")

    assert response.status_code == 404


@pytest.mark.parametrize("persona", EDITORS)
def test_marketing_and_admins_create_a_campaign_with_its_brief(
    client: Client, personas: Personas, persona: str
) -> None:
    signed_in(client, personas, persona)

    form = client.get("/campaigns/new/")
    response = client.post("/campaigns/new/", form_data())

    assert form.status_code == 200
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/campaigns/{campaign.pk}/"
    assert (campaign.name, campaign.starts_on, campaign.owner, campaign.offer) == (
        "Autumn webinar",
        dt.date(2026, 9, 1),
        None,
        "A free audit",
    )


@pytest.mark.parametrize("persona", READERS)
def test_sales_and_leadership_may_not_create_a_campaign(
    client: Client, personas: Personas, persona: str
) -> None:
    signed_in(client, personas, persona)

    form = client.get("/campaigns/new/")
    response = client.post("/campaigns/new/", form_data())

    assert (form.status_code, response.status_code) == (403, 403)
    assert not Campaign.objects.exists()


def test_the_campaign_form_shows_the_service_refusal_beside_its_field(
    client: Client, personas: Personas, funnel: Funnel
) -> None:
    signed_in(client, personas, "marketer")

    response = client.post("/campaigns/new/", form_data(utm_key="spring-webinar"))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "utm_key": [UTM_KEY_TAKEN.format(utm_key="spring-webinar")]
    }
    assert Campaign.objects.count() == 2


def test_the_edit_form_opens_filled_with_the_campaign(
    client: Client, personas: Personas, funnel: Funnel
) -> None:
    response = signed_in(client, personas, "marketer").get(f"/campaigns/{funnel.webinar.pk}/edit/")

    form = response.context["form"]
    assert (form["name"].value(), form["hook"].value(), form["owner"].value()) == (
        "Spring webinar",
        "See which leads sales rejects, and why",
        personas.marketer.pk,
    )


def test_marketing_edits_the_brief(client: Client, personas: Personas, funnel: Funnel) -> None:
    signed_in(client, personas, "marketing_lead")

    response = client.post(
        f"/campaigns/{funnel.webinar.pk}/edit/",
        form_data(
            name="Spring webinar",
            utm_key="spring-webinar",
            owner=str(personas.marketer.pk),
            hook="Hear it from a customer",
        ),
    )

    assert response.status_code == 302
    campaign = Campaign.objects.get(pk=funnel.webinar.pk)
    assert (campaign.hook, campaign.owner, campaign.utm_key) == (
        "Hear it from a customer",
        personas.marketer,
        "spring-webinar",
    )


@pytest.mark.parametrize("persona", READERS)
def test_sales_and_leadership_may_not_edit_a_campaign(
    client: Client, personas: Personas, funnel: Funnel, persona: str
) -> None:
    signed_in(client, personas, persona)

    form = client.get(f"/campaigns/{funnel.webinar.pk}/edit/")
    response = client.post(f"/campaigns/{funnel.webinar.pk}/edit/", form_data(hook="Mine"))

    assert (form.status_code, response.status_code) == (403, 403)
    assert (
        Campaign.objects.get(pk=funnel.webinar.pk).hook == "See which leads sales rejects, and why"
    )


def test_the_edit_link_shows_for_marketing_only(
    client: Client, personas: Personas, funnel: Funnel
) -> None:
    path = f"/campaigns/{funnel.webinar.pk}/"

    marketer = signed_in(client, personas, "marketer").get(path).content.decode()
    rep = signed_in(Client(), personas, "sales_rep").get(path).content.decode()

    assert 'id="edit-campaign"' in marketer
    assert 'id="edit-campaign"' not in rep


@pytest.mark.parametrize(
    ("by", "labels"),
    [
        ("campaign", ["Spring webinar", "Brand search", "No campaign"]),
        ("channel", ["Webinar", "Paid search", "No campaign"]),
        ("landing_page", [WEBINAR_PAGE, "https://example.com/pricing", "No landing page"]),
        ("segment", ["SMB", "Enterprise", "No segment"]),
    ],
)
@pytest.mark.parametrize("persona", EVERYONE)
def test_the_closed_loop_page_has_a_table_per_dimension(
    client: Client, personas: Personas, funnel: Funnel, persona: str, by: str, labels: list[str]
) -> None:
    response = signed_in(client, personas, persona).get(
        "/campaigns/closed-loop/", {**MARCH, "by": by}
    )

    assert response.status_code == 200
    assert [row.label for row in response.context["loop"].rows] == labels
    assert f'id="closed-loop-{by}"' in response.content.decode()


def test_the_closed_loop_page_opens_on_the_last_twelve_months_by_campaign(
    client: Client, personas: Personas, funnel: Funnel
) -> None:
    response = signed_in(client, personas, "marketer").get("/campaigns/closed-loop/")

    loop = response.context["loop"]
    assert (loop.by, loop.touch, loop.mql_from, loop.mql_to) == (
        "campaign",
        "last",
        dt.date(2025, 7, 1),
        None,
    )
    assert loop.total.mqls == 7


def test_the_closed_loop_page_counts_by_first_touch_when_asked(
    client: Client, personas: Personas, funnel: Funnel
) -> None:
    response = signed_in(client, personas, "marketer").get(
        "/campaigns/closed-loop/", {**MARCH, "touch": "first"}
    )

    assert [(row.label, row.mqls) for row in response.context["loop"].rows] == [
        ("Spring webinar", 4),
        ("Brand search", 1),
        ("No campaign", 1),
    ]


def test_an_unknown_dimension_falls_back_to_campaigns_and_says_why(
    client: Client, personas: Personas, funnel: Funnel
) -> None:
    response = signed_in(client, personas, "marketer").get(
        "/campaigns/closed-loop/", {**MARCH, "by": "country"}
    )

    assert response.status_code == 200
    assert response.context["loop"].by == "campaign"
    assert len(list(response.context["messages"])) == 1
