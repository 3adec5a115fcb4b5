from django.urls import include, path

from tandem.api import api

urlpatterns = [
    path("api/", api.urls),
    path("", include("tandem.tracking.urls")),
    path("", include("tandem.tracking.form_urls")),
    path("tracking/", include("tandem.tracking.page_urls")),
    path("", include("tandem.people.urls")),
    path("", include("tandem.reports.urls")),
    path("leads/", include("tandem.leads.urls")),
    path("agreement/", include("tandem.agreement.urls")),
    path("campaigns/", include("tandem.campaigns.urls")),
    path("handoff/routing/", include("tandem.handoff.routing_urls")),
    path("handoff/service-levels/", include("tandem.handoff.sla_urls")),
    path("handoff/", include("tandem.handoff.urls")),
    path("", include("tandem.nurture.urls")),
    path("planning/", include("tandem.planning.urls")),
    path("snapshots/", include("tandem.reports.snapshot_urls")),
    path("wins/", include("tandem.reports.wins_urls")),
    path("notifications/", include("tandem.notifications.urls")),
]
