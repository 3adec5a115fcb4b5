"""The tracking sources page: admins see the sources and the pipeline, create a source (its key
shown once) and revoke one; nobody else may see or do any of it."""

import datetime as dt
import html
import json

import pytest
import time_machine
from django.test import Client
from pytest_django.fixtures import DjangoAssertNumQueries

from tandem.core.testing import Personas
from tandem.leads.queries import NOT_ON_A_TEAM
from tandem.people.models import Source
from tandem.people.services import (
    MAY_NOT_MANAGE_SOURCES,
    SOURCE_NAME_LENGTH,
    SOURCE_NAME_TAKEN,
    create_source,
    hash_token,
    revoke_source,
)
from tandem.tracking.page_views import REVOKED, describe_delay
from tandem.tracking.pipeline import process_pending
from tandem.tracking.tests.conftest import Send

pytestmark = pytest.mark.django_db

# Everyone on a team who is not an admin; the outsider is on no team at all.
NOT_ADMINS = [
    "marketer",
    "marketing_lead",
    "sales_rep",
    "manager",
    "executive",
]
T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


def page_of(client: Client, path: str = "/tracking/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def shown(page: str, element_id: str) -> str:
    """The text of the element with `element_id`, as a person copies it from the page."""
    start = page.index(f'id="{element_id}">') + len(f'id="{element_id}">')
    text = page[start : page.index("</", start)].removeprefix("<code>")
    return html.unescape(text)


def pages(count: int, anonymous_id: str = "a1") -> dict[str, object]:
    return {"batch": [{"type": "page", "anonymousId": anonymous_id} for _ in range(count)]}


@pytest.fixture
def admin_client(client: Client, personas: Personas) -> Client:
    client.force_login(personas.admin)
    return client


def test_admins_see_each_source_with_its_key_prefix_creator_and_state(
    admin_client: Client, personas: Personas
) -> None:
    website = create_source(by=personas.admin, name="Website").source
    old_app = create_source(by=None, name="Old app").source
    revoke_source(by=None, prefix=old_app.prefix)

    page = page_of(admin_client)

    assert "<td>Website</td>" in page
    assert f"<code>{website.prefix}…</code>" in page
    assert "by Admin" in page
    assert '<span class="source-active">Active</span>' in page
    assert "<td>Old app</td>" in page
    assert '<span class="source-revoked">Revoked ' in page
    # Active sources come first.
    assert page.index("<td>Website</td>") < page.index("<td>Old app</td>")


def test_each_source_shows_the_events_it_sent_in_the_last_day(
    admin_client: Client, send: Send
) -> None:
    with time_machine.travel(T0 - dt.timedelta(hours=25), tick=False):
        send("/v1/batch", pages(4))
    with time_machine.travel(T0 - dt.timedelta(hours=2), tick=False):
        send("/v1/batch", pages(3))
        # A replay stores nothing, so it counts for nothing.
        send("/v1/batch", {"batch": [{"type": "page", "anonymousId": "a", "messageId": "m1"}]})
        send("/v1/batch", {"batch": [{"type": "page", "anonymousId": "a", "messageId": "m1"}]})

    with time_machine.travel(T0, tick=False):
        page = page_of(admin_client)

    source = Source.objects.get()
    assert f'<tr id="source-{source.pk}">' in page
    assert '<td class="num">4</td>' in page


def test_only_active_sources_offer_a_revoke_button_that_asks_first(
    admin_client: Client,
) -> None:
    active = create_source(by=None, name="Website").source
    revoked = create_source(by=None, name="Old app").source
    revoke_source(by=None, prefix=revoked.prefix)

    page = page_of(admin_client)

    assert f'action="/tracking/sources/{active.prefix}/revoke"' in page
    assert f'action="/tracking/sources/{revoked.prefix}/revoke"' not in page
    assert "return confirm(this.dataset.confirm);" in page
    assert f'data-confirm="Revoke the write key {active.prefix}… of Website?' in page


def test_the_page_reads_in_a_fixed_number_of_queries(
    admin_client: Client, send: Send, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for number in range(5):
        create_source(by=None, name=f"Site {number}")
    send("/v1/batch", pages(2))
    process_pending()
    send("/v1/batch", pages(2))

    # Session and user, the admin's membership, the sources and their counts, and the pipeline
    # (oldest waiting, the last hour's totals, two delays, events waiting).
    with django_assert_num_queries(10):
        admin_client.get("/tracking/")


def test_without_sources_the_page_says_what_one_is_for(admin_client: Client) -> None:
    page = page_of(admin_client)

    assert "No source yet." in page
    assert 'id="source-form"' in page


def test_the_pipeline_shows_what_waits_and_since_when(admin_client: Client, send: Send) -> None:
    with time_machine.travel(T0, tick=False):
        send("/v1/batch", pages(2))
    with time_machine.travel(T0 + dt.timedelta(seconds=1), tick=False):
        send("/v1/batch", pages(3))

    with time_machine.travel(T0 + dt.timedelta(seconds=4), tick=False):
        page = page_of(admin_client)

    assert '<dd id="events-waiting">5</dd>' in page
    assert '<dd id="oldest-waiting">4.00 s</dd>' in page
    assert '<dd id="median-delay">—</dd>' in page


def test_the_pipeline_shows_the_last_hours_delays(admin_client: Client, send: Send) -> None:
    with time_machine.travel(T0, tick=False):
        send("/v1/batch", pages(2))
    with time_machine.travel(T0 + dt.timedelta(seconds=1), tick=False):
        send("/v1/batch", pages(3))
    with time_machine.travel(T0 + dt.timedelta(seconds=5), tick=False):
        process_pending()
    with time_machine.travel(T0 - dt.timedelta(hours=2), tick=False):
        # Older than the hour shown, so neither its events nor its delay count.
        send("/v1/batch", pages(7, anonymous_id="earlier"))

    with time_machine.travel(T0 + dt.timedelta(seconds=10), tick=False):
        page = page_of(admin_client)

    assert '<dd id="last-hour">5 events received in 2 requests</dd>' in page
    # Delays of 4 s and 5 s: the median by nearest rank is the lower, the 95th the higher.
    assert '<dd id="median-delay">4.00 s</dd>' in page
    assert '<dd id="p95-delay">5.00 s</dd>' in page
    assert '<dd id="events-waiting">7</dd>' in page


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.348, "0.35 s"), (42.26, "42.3 s"), (185, "3 min 5 s"), (7_800, "2 h 10 min")],
)
def test_delays_read_in_the_unit_that_suits_them(seconds: float, text: str) -> None:
    assert describe_delay(dt.timedelta(seconds=seconds)) == text


def test_a_new_source_shows_its_write_key_once_with_examples(
    admin_client: Client, personas: Personas
) -> None:
    response = admin_client.post("/tracking/sources/new", {"name": "  Website  "})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    source = Source.objects.get()
    assert (source.name, source.created_by) == ("Website", personas.admin)
    page = response.content.decode()
    key = shown(page, "write-key")
    assert source.digest == hash_token(key)
    assert 'analytics._cdn = "http://testserver";' in shown(page, "example-analytics-js")
    assert f'analytics.load("{key}", {{' in shown(page, "example-analytics-js")
    assert '"Segment.io": { apiHost: "testserver/v1", protocol: "http" }' in shown(
        page, "example-analytics-js"
    )
    assert shown(page, "example-curl").startswith(
        f"curl http://testserver/v1/track \\\n  -u {key}: \\\n"
    )
    assert f'analytics.write_key = "{key}"' in shown(page, "example-python")
    assert 'analytics.host = "http://testserver"' in shown(page, "example-python")
    assert key not in page_of(admin_client)


def test_the_key_from_the_page_sends_events(admin_client: Client) -> None:
    page = admin_client.post("/tracking/sources/new", {"name": "Website"}).content.decode()
    key = shown(page, "write-key")

    response = Client().post(
        "/v1/track",
        json.dumps({"writeKey": key, "anonymousId": "a1", "event": "Tested tracking"}),
        content_type="text/plain",
    )

    assert response.status_code == 200


def test_a_taken_name_is_refused_with_the_reason(admin_client: Client) -> None:
    create_source(by=None, name="Website")

    response = admin_client.post("/tracking/sources/new", {"name": "Website"})

    assert response.status_code == 400
    page = response.content.decode()
    assert SOURCE_NAME_TAKEN.format(name="Website") in page
    assert 'value="Website"' in page
    assert Source.objects.count() == 1


def test_an_empty_name_is_refused_with_the_reason(admin_client: Client) -> None:
    response = admin_client.post("/tracking/sources/new", {"name": "   "})

    assert response.status_code == 400
    assert SOURCE_NAME_LENGTH in response.content.decode()
    assert not Source.objects.exists()


def test_revoking_refuses_the_key_from_then_on(admin_client: Client) -> None:
    issued = create_source(by=None, name="Website")
    prefix = issued.source.prefix

    response = admin_client.post(f"/tracking/sources/{prefix}/revoke", follow=True)

    assert response.redirect_chain == [("/tracking/", 302)]
    assert REVOKED.format(prefix=prefix, name="Website") in response.content.decode()
    assert Source.objects.get().revoked_at is not None
    refused = Client().post(
        "/v1/track",
        json.dumps({"writeKey": issued.secret, "anonymousId": "a1", "event": "Clicked"}),
        content_type="application/json",
    )
    assert refused.status_code == 401


def test_revoking_a_revoked_or_unknown_key_is_not_found(admin_client: Client) -> None:
    revoked = create_source(by=None, name="Old app").source
    revoke_source(by=None, prefix=revoked.prefix)
    revoked_at = Source.objects.get().revoked_at

    assert admin_client.post(f"/tracking/sources/{revoked.prefix}/revoke").status_code == 404
    assert admin_client.post("/tracking/sources/no-such-key/revoke").status_code == 404
    assert Source.objects.get().revoked_at == revoked_at


def test_revoking_is_only_posted(admin_client: Client) -> None:
    source = create_source(by=None, name="Website").source

    response = admin_client.get(f"/tracking/sources/{source.prefix}/revoke")

    assert response.status_code == 405
    assert Source.objects.get().is_active


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_only_admins_may_see_the_page(client: Client, personas: Personas, persona: str) -> None:
    user = personas.by_name(persona)
    client.force_login(user)

    response = client.get("/tracking/")

    assert response.status_code == 403
    role = user.membership.get_role_display()
    assert MAY_NOT_MANAGE_SOURCES.format(role=role) in response.content.decode()


def test_someone_on_no_team_may_not_see_the_page(client: Client, personas: Personas) -> None:
    client.force_login(personas.outsider)

    response = client.get("/tracking/")

    assert response.status_code == 403
    assert NOT_ON_A_TEAM in response.content.decode()


@pytest.mark.parametrize("persona", [*NOT_ADMINS, "outsider"])
def test_only_admins_may_create_a_source(client: Client, personas: Personas, persona: str) -> None:
    client.force_login(personas.by_name(persona))

    response = client.post("/tracking/sources/new", {"name": "Website"})

    assert response.status_code == 403
    assert not Source.objects.exists()


@pytest.mark.parametrize("persona", [*NOT_ADMINS, "outsider"])
def test_only_admins_may_revoke_a_source(client: Client, personas: Personas, persona: str) -> None:
    source = create_source(by=None, name="Website").source
    client.force_login(personas.by_name(persona))

    response = client.post(f"/tracking/sources/{source.prefix}/revoke")

    assert response.status_code == 403
    assert Source.objects.get().is_active


def test_signing_in_comes_first(client: Client) -> None:
    response = client.get("/tracking/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login")
