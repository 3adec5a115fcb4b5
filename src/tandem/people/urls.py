from django.urls import path

from tandem.people import views

app_name = "people"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
]
