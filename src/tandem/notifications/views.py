"""The notification list, marking notifications read, and the bell in the top bar.

Notifications are personal rather than a team's: a person sees their own even when they are on
no team any more (a former signer still hears of new versions), so these pages need a sign-in
but no role.
"""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tandem.core.pages import MemberRequest, team_page
from tandem.notifications import services
from tandem.notifications.queries import access_notification, notifications_of, unread_count

# The list is a reading aid, not an archive: older notifications were emailed as well.
SHOWN = 100
# Sent with every change, so the bell on the page counts again at once.
CHANGED_EVENT = "notifications-changed"


@team_page
@require_GET
def notification_list(request: MemberRequest) -> HttpResponse:
    rows = list(notifications_of(request.user)[: SHOWN + 1])
    context = {
        "notifications": rows[:SHOWN],
        "has_more": len(rows) > SHOWN,
        "shown": SHOWN,
        "unread": unread_count(request.user),
    }
    return render(request, "notifications/list.html", context)


@team_page
@require_POST
def mark_notification_read(request: MemberRequest, notification_id: int) -> HttpResponse:
    notification = access_notification(request.user, notification_id)
    services.mark_read(notification=notification, by=request.user)
    if request.htmx:
        response = render(
            request, "notifications/partials/notification.html", {"notification": notification}
        )
        response["HX-Trigger"] = CHANGED_EVENT
        return response
    return redirect("notifications:list")


@team_page
@require_POST
def mark_all_notifications_read(request: MemberRequest) -> HttpResponse:
    services.mark_all_read(by=request.user)
    return redirect("notifications:list")


@team_page
@require_GET
def bell(request: MemberRequest) -> HttpResponse:
    """The bell with the unread count, which the top bar of every page loads and refreshes."""
    return render(
        request, "notifications/partials/bell.html", {"unread": unread_count(request.user)}
    )
