"""Nurture pages: the public links of the emails at /n/, the marketers' pages at /nurture/.
Included once, at the root: `path("", include("tandem.nurture.urls"))`."""

from django.urls import path

from tandem.nurture import views

app_name = "nurture"

urlpatterns = [
    path("n/u/<str:token>/", views.unsubscribe_page, name="unsubscribe"),
    path("n/c/<str:token>/", views.click, name="click"),
    path("nurture/", views.sequence_list_page, name="sequence-list"),
    path("nurture/new", views.create_sequence_page, name="sequence-create"),
    path("nurture/<int:sequence_id>/", views.sequence_page, name="sequence-detail"),
    path("nurture/<int:sequence_id>/edit", views.edit_sequence_page, name="sequence-edit"),
    path("nurture/<int:sequence_id>/emails/new", views.create_step_page, name="step-create"),
    path(
        "nurture/<int:sequence_id>/emails/<int:step_id>/edit",
        views.edit_step_page,
        name="step-edit",
    ),
    path(
        "nurture/<int:sequence_id>/emails/<int:step_id>/remove",
        views.remove_step_page,
        name="step-remove",
    ),
]
