from django.urls import path

from tandem.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard_page, name="dashboard"),
]
