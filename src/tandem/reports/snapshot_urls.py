"""Report snapshot pages. Included once: `path("snapshots/",
include("tandem.reports.snapshot_urls"))`."""

from django.urls import path

from tandem.reports import snapshot_views

app_name = "snapshots"
urlpatterns = [
    path("", snapshot_views.snapshot_list_page, name="list"),
    path("take/", snapshot_views.take_snapshot_page, name="create"),
    path("<int:snapshot_id>/", snapshot_views.snapshot_page, name="detail"),
    path("<int:snapshot_id>/export.csv", snapshot_views.snapshot_csv, name="export-csv"),
    path("<int:snapshot_id>/export.pdf", snapshot_views.snapshot_pdf_file, name="export-pdf"),
]
