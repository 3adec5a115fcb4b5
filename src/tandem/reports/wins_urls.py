"""The wins page. Included once: `path("wins/", include("tandem.reports.wins_urls"))`."""

from django.urls import path

from tandem.reports import wins_views

app_name = "wins"
urlpatterns = [
    path("", wins_views.wins_page, name="feed"),
]
