from django.apps import AppConfig


class NurtureConfig(AppConfig):
    name = "tandem.nurture"
    default_auto_field = "django.db.models.BigAutoField"
