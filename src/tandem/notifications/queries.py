"""Reads of notifications. Notifications are personal: each person reads only their own."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import QuerySet

from tandem.core.errors import NotFound
from tandem.notifications.models import Notification

NOTIFICATION_NOT_FOUND = "There is no notification {notification_id}."


def notifications_of(user: User) -> QuerySet[Notification]:
    """The user's notifications, latest first."""
    return Notification.objects.filter(recipient=user)


def unread_count(user: AbstractBaseUser | AnonymousUser) -> int:
    """How many of the user's notifications are unread; none for someone not signed in."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def access_notification(actor: User, notification_id: int) -> Notification:
    """One of the actor's own notifications; anyone else's is as missing as one that is not."""
    notification = notifications_of(actor).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound(NOTIFICATION_NOT_FOUND.format(notification_id=notification_id))
    return notification
