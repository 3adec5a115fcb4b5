"""Forms: the public endpoint and hosted page at /f/<key>/, the management pages at
/tracking/forms/. Included once, at the root: `path("", include("tandem.tracking.form_urls"))`."""

from django.urls import path

from tandem.tracking import form_views

app_name = "forms"

urlpatterns = [
    path("f/<str:key>/", form_views.form_endpoint, name="form-page"),
    path("f/<str:key>/started", form_views.form_started, name="form-started"),
    path("f/<str:key>/thanks", form_views.form_thanks, name="form-thanks"),
    path("tracking/forms/", form_views.form_list_page, name="form-list"),
    path("tracking/forms/new", form_views.create_form_page, name="form-create"),
    path("tracking/forms/<int:form_id>/", form_views.form_detail_page, name="form-detail"),
    path("tracking/forms/<int:form_id>/archive", form_views.archive_form_page, name="form-archive"),
]
