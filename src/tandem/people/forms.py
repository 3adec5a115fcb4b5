from django.contrib.auth.forms import AuthenticationForm

LOGIN_FAILED = "That username and password do not match an active account."


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": LOGIN_FAILED,
    }
