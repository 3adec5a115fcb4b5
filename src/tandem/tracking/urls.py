"""The Segment-compatible tracking endpoints, at the paths the libraries call."""

from django.urls import path, re_path

from tandem.tracking import views

app_name = "tracking"

urlpatterns = [
    re_path(
        r"^v1/(?P<type>identify|track|page|screen|group|alias|i|t|p|s|g|a)/?$",
        views.track_call,
        name="call",
    ),
    re_path(r"^v1/(?:batch|b)/?$", views.batch_call, name="batch"),
    re_path(r"^b/?$", views.batch_call, name="batch-short"),
    path("v1/projects/<str:write_key>/settings", views.project_settings, name="settings"),
]
