from django.urls import path

from tandem.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list_page, name="list"),
    path("new/", views.create_campaign_page, name="create"),
    path("closed-loop/", views.closed_loop_page, name="closed-loop"),
    path("<int:campaign_id>/", views.campaign_page, name="detail"),
    path("<int:campaign_id>/edit/", views.edit_campaign_page, name="edit"),
]
