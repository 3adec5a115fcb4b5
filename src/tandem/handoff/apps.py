from django.apps import AppConfig


class HandoffConfig(AppConfig):
    name = "tandem.handoff"
    label = "handoff"

    def ready(self) -> None:
        from tandem.handoff.services import follow_stage_moves, route_new_mqls
        from tandem.leads.signals import stage_entered

        # New MQLs are routed in the transaction that made them MQLs.
        stage_entered.connect(route_new_mqls, dispatch_uid="handoff.route_new_mqls")
        stage_entered.connect(follow_stage_moves, dispatch_uid="handoff.follow_stage_moves")
