from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "tandem.leads"
    label = "leads"
