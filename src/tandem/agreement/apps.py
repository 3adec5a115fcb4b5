from django.apps import AppConfig


class AgreementConfig(AppConfig):
    name = "tandem.agreement"
    label = "agreement"
