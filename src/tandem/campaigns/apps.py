from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "tandem.campaigns"
    label = "campaigns"
