"""The notification page, marking read, and the bell in the top bar."""

import pytest
from django.test import Client

from tandem.core.testing import Personas
from tandem.notifications import services
from tandem.notifications.models import Notification, NotificationKind
from tandem.notifications.views import CHANGED_EVENT

pytestmark = pytest.mark.django_db

PERSONAS = [
    "marketer",
    "marketing_lead",
    "sales_rep",
    "manager",
    "executive",
    "admin",
    "outsider",
]


def notify(person: object, title: str = "Version 2 is proposed") -> Notification:
    return services.notify_people(
        recipients=[person],  # type: ignore[list-item]
        kind=NotificationKind.AGREEMENT_PROPOSED,
        title=title,
        body="Read it before you sign.",
        url="/agreement/v/2/",
    )[0]


def unread(notification: Notification) -> bool:
    notification.refresh_from_db()
    return notification.read_at is None


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_reads_their_own_notifications(
    client: Client, personas: Personas, persona: str
) -> None:
    notify(personas.by_name(persona), title="Yours")
    notify(personas.other_rep, title="Someone else's")
    client.force_login(personas.by_name(persona))

    response = client.get("/notifications/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>Yours</strong>" in page
    assert "Someone else&#x27;s" not in page
    assert 'href="/agreement/v/2/"' in page


def test_with_nothing_to_read_the_page_says_what_will_come(
    client: Client, personas: Personas
) -> None:
    client.force_login(personas.sales_rep)

    assert "Nothing yet." in client.get("/notifications/").content.decode()


def test_marking_one_read(client: Client, personas: Personas) -> None:
    notification = notify(personas.manager)
    client.force_login(personas.manager)

    response = client.post(f"/notifications/{notification.pk}/read")

    assert response.status_code == 302
    assert not unread(notification)


def test_marking_one_read_with_htmx_swaps_its_row_and_rings_the_bell(
    client: Client, personas: Personas
) -> None:
    notification = notify(personas.manager)
    client.force_login(personas.manager)

    response = client.post(f"/notifications/{notification.pk}/read", headers={"HX-Request": "true"})

    assert response["HX-Trigger"] == CHANGED_EVENT
    assert response.content.decode().strip().startswith(f'<li id="notification-{notification.pk}">')
    assert "Mark read" not in response.content.decode()


def test_nobody_marks_someone_elses_notification(client: Client, personas: Personas) -> None:
    notification = notify(personas.manager)
    client.force_login(personas.executive)

    response = client.post(f"/notifications/{notification.pk}/read")

    assert response.status_code == 404
    assert unread(notification)


def test_marking_read_needs_the_csrf_token(personas: Personas) -> None:
    notification = notify(personas.manager)
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.manager)

    response = client.post(f"/notifications/{notification.pk}/read")

    assert response.status_code == 403
    assert unread(notification)


def test_marking_read_takes_a_post(client: Client, personas: Personas) -> None:
    notification = notify(personas.manager)
    client.force_login(personas.manager)

    assert client.get(f"/notifications/{notification.pk}/read").status_code == 405
    assert unread(notification)


def test_marking_everything_read(client: Client, personas: Personas) -> None:
    mine = [notify(personas.manager) for _ in range(2)]
    theirs = notify(personas.executive)
    client.force_login(personas.manager)

    client.post("/notifications/read")

    assert [unread(notification) for notification in [*mine, theirs]] == [False, False, True]


def test_the_bell_counts_the_unread(client: Client, personas: Personas) -> None:
    for _ in range(3):
        notify(personas.manager)
    services.mark_read(notification=notify(personas.manager), by=personas.manager)
    client.force_login(personas.manager)

    page = client.get("/notifications/bell").content.decode()

    assert '<span class="unread-count" id="unread-count">3</span>' in page
    assert 'aria-label="Notifications: 3 unread"' in page
    # The fragment refreshes itself but does not load itself again, which would loop.
    assert 'hx-trigger="every 60s, notifications-changed from:body"' in page


def test_a_quiet_bell_shows_no_count(client: Client, personas: Personas) -> None:
    client.force_login(personas.manager)

    page = client.get("/notifications/bell").content.decode()

    assert 'id="unread-count"' not in page


def test_anonymous_visitors_are_sent_to_login(client: Client) -> None:
    for path in ("/notifications/", "/notifications/bell"):
        assert client.get(path).status_code == 302
