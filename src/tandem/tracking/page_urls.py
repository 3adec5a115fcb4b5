"""The tracking sources page, for admins. Included once: `path("tracking/",
include("tandem.tracking.page_urls"))`."""

from django.urls import path

from tandem.tracking import page_views

app_name = "tracking_pages"

urlpatterns = [
    path("", page_views.sources_page, name="sources"),
    path("sources/new", page_views.create_source_page, name="source-create"),
    path("sources/<str:prefix>/revoke", page_views.revoke_source_page, name="source-revoke"),
]
