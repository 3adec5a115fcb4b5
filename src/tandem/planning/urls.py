from django.urls import path

from tandem.planning import views

app_name = "planning"
urlpatterns = [
    path("", views.pacing_page, name="pacing"),
    path("plans/", views.plan_list_page, name="plan-list"),
    path("plans/new/", views.create_plan_page, name="plan-create"),
    path("plans/<int:plan_id>/", views.plan_page, name="plan-detail"),
    path("plans/<int:plan_id>/activate/", views.activate_plan_page, name="plan-activate"),
]
