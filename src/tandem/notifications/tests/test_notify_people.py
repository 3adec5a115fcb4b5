"""Telling people: one row each, one email each after the writes commit; marking read."""

from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction

from tandem.core.errors import NotFound
from tandem.core.testing import Personas
from tandem.notifications import services
from tandem.notifications.models import Notification, NotificationKind
from tandem.notifications.queries import (
    NOTIFICATION_NOT_FOUND,
    access_notification,
    notifications_of,
    unread_count,
)

pytestmark = pytest.mark.django_db

NOTICE = {
    "kind": NotificationKind.AGREEMENT_PROPOSED,
    "title": "Version 2 is proposed",
    "body": "Read it before you sign.",
    "url": "/agreement/v/2/",
}


def test_each_person_gets_a_row_and_an_email_once_the_writes_commit(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notify_people(recipients=[personas.manager, personas.executive], **NOTICE)
        assert mail.outbox == []

    assert len(callbacks) == 2
    rows = Notification.objects.order_by("recipient__username")
    assert [(row.recipient.username, row.title, row.read_at) for row in rows] == [
        ("executive", "Version 2 is proposed", None),
        ("manager", "Version 2 is proposed", None),
    ]
    assert sorted((message.to[0], message.subject) for message in mail.outbox) == [
        ("executive@example.com", "Version 2 is proposed"),
        ("manager@example.com", "Version 2 is proposed"),
    ]
    link = f"{settings.TANDEM_BASE_URL}/agreement/v/2/"
    assert mail.outbox[0].body == f"Read it before you sign.\n\nRead it in Tandem: {link}"


def test_a_person_named_twice_is_told_once(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_people(recipients=[personas.manager, personas.manager], **NOTICE)

    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_someone_without_an_address_is_told_in_tandem_only(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_people(recipients=[personas.outsider], **NOTICE)

    assert Notification.objects.get().recipient == personas.outsider
    assert mail.outbox == []


def test_nothing_is_sent_when_the_change_is_rolled_back(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    class Abandoned(Exception):
        pass

    def notify_then_abandon() -> None:
        with transaction.atomic():
            services.notify_people(recipients=[personas.manager], **NOTICE)
            raise Abandoned

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Abandoned):
        notify_then_abandon()

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_one_failed_email_does_not_stop_the_others(
    personas: Personas, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "tandem.notifications.tests.test_notify_people.RefusesManagers"

    with django_capture_on_commit_callbacks(execute=True):
        services.notify_people(recipients=[personas.manager, personas.executive], **NOTICE)

    assert [message.to for message in mail.outbox] == [["executive@example.com"]]
    assert Notification.objects.count() == 2


class RefusesManagers:
    """An email backend whose server refuses the manager's address."""

    def __init__(self, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: list[Any]) -> int:
        if any("manager@example.com" in message.to for message in messages):
            raise ConnectionRefusedError
        mail.outbox.extend(messages)
        return len(messages)


def test_reading_marks_one_and_keeps_the_first_time(personas: Personas) -> None:
    first, second = (
        services.notify_people(recipients=[personas.manager], **NOTICE)[0] for _ in range(2)
    )

    services.mark_read(notification=first, by=personas.manager)
    read_at = first.read_at
    services.mark_read(notification=first, by=personas.manager)

    assert first.read_at == read_at is not None
    assert unread_count(personas.manager) == 1
    second.refresh_from_db()
    assert second.read_at is None


def test_everything_can_be_marked_read_at_once(personas: Personas) -> None:
    for _ in range(3):
        services.notify_people(recipients=[personas.manager, personas.executive], **NOTICE)

    marked = services.mark_all_read(by=personas.manager)

    assert marked == 3
    assert (unread_count(personas.manager), unread_count(personas.executive)) == (0, 3)


def test_a_person_reaches_only_their_own_notifications(personas: Personas) -> None:
    mine = services.notify_people(recipients=[personas.manager], **NOTICE)[0]
    services.notify_people(recipients=[personas.executive], **NOTICE)

    assert list(notifications_of(personas.manager)) == [mine]
    assert access_notification(personas.manager, mine.pk) == mine
    with pytest.raises(NotFound, match=NOTIFICATION_NOT_FOUND.format(notification_id=mine.pk)):
        access_notification(personas.executive, mine.pk)
