from django.apps import AppConfig


class NurtureConfig(AppConfig):
    name = "tandem.nurture"
    label = "nurture"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tandem.leads.signals import stage_entered
        from tandem.nurture.services import follow_stage_changes

        # Recycled leads join a sequence, and leave it, in the transaction of the stage change.
        stage_entered.connect(follow_stage_changes, dispatch_uid="nurture.follow_stage_changes")
