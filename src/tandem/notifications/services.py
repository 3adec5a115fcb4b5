"""Writes for notifications: telling people about something, and marking what they read."""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction

from tandem.core.time import now
from tandem.notifications.models import Notification, NotificationKind

EMAIL_FOOTER = "Read it in Tandem: {url}"


@transaction.atomic
def notify_people(
    *, recipients: Iterable[User], kind: NotificationKind, title: str, body: str, url: str
) -> list[Notification]:
    """Write one notification per recipient and email each of them once the writes commit.

    Each person is told once, however often they appear in `recipients`. The emails go out
    through Django's email backend after the surrounding transaction commits, so a change that
    is rolled back announces nothing; one failed email is logged and does not stop the others.
    """
    people = list({person.pk: person for person in recipients}.values())
    moment = now()
    notifications = Notification.objects.bulk_create(
        Notification(
            recipient=person, kind=kind, title=title, body=body, url=url, created_at=moment
        )
        for person in people
    )
    for person in people:
        if person.email:
            transaction.on_commit(
                _email(address=person.email, title=title, body=body, url=url), robust=True
            )
    return notifications


def _email(*, address: str, title: str, body: str, url: str) -> Callable[[], None]:
    """The sending of one notification email, to run after commit.

    A named function rather than a partial: Django names the callback when it logs its failure.
    """
    # A mail program needs the whole address; in Tandem the path is enough.
    link = f"{str(settings.TANDEM_BASE_URL).rstrip('/')}{url}" if url.startswith("/") else url
    footer = EMAIL_FOOTER.format(url=link) if url else ""
    message = "\n\n".join(part for part in (body, footer) if part)

    def send_notification_email() -> None:
        send_mail(
            subject=title,
            message=message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[address],
        )

    return send_notification_email


@transaction.atomic
def mark_read(*, notification: Notification, by: User) -> Notification:
    """Mark one of `by`'s notifications read; marking it again keeps the first time.

    The caller fetched it with `access_notification`, so it is `by`'s own.
    """
    # Conditional, so that when another tab marked it meanwhile the first time stands.
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now())
    notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(*, by: User) -> int:
    """Mark every unread notification of `by` read; returns how many there were."""
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(read_at=now())
