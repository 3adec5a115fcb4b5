"""The service-levels page. Included once: `path("handoff/service-levels/",
include("tandem.handoff.sla_urls"))`."""

from django.urls import path

from tandem.handoff import sla_views

app_name = "service_levels"
urlpatterns = [
    path("", sla_views.service_levels_page, name="report"),
]
