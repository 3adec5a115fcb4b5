"""The routing page and its forms. Included once: `path("handoff/routing/",
include("tandem.handoff.routing_urls"))`."""

from django.urls import path

from tandem.handoff import routing_views

app_name = "routing"

urlpatterns = [
    path("", routing_views.routing_page, name="index"),
    path("rules/new", routing_views.create_rule, name="rule-create"),
    path("rules/<int:rule_id>/edit", routing_views.edit_rule, name="rule-edit"),
    path("rules/<int:rule_id>/move", routing_views.move_rule, name="rule-move"),
    path("rules/<int:rule_id>/active", routing_views.set_rule_active, name="rule-active"),
    path("rules/<int:rule_id>/delete", routing_views.delete_rule, name="rule-delete"),
    path("reps/<int:user_id>/capacity", routing_views.set_capacity, name="capacity-update"),
]
