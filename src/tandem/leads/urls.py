from django.urls import path

from tandem.leads import views

app_name = "leads"
urlpatterns = [
    path("", views.lead_list_page, name="list"),
    path("<int:lead_id>/", views.lead_page, name="detail"),
    path("<int:lead_id>/stage", views.change_stage, name="stage-change"),
]
