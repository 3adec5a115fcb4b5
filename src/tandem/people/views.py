"""Signing in and out."""

from django.contrib.auth import views as auth_views

from tandem.people.forms import LoginForm

login = auth_views.LoginView.as_view(
    template_name="registration/login.html",
    authentication_form=LoginForm,
    redirect_authenticated_user=True,
)
# Django's LogoutView accepts only POST, so a link or an image cannot sign someone out.
logout = auth_views.LogoutView.as_view()
