"""The demo's routing: every MQL goes to the sales team, where Sam takes twice Riley's share,
and the MQLs the generated history holds already are routed the same way."""

from django.contrib.auth.models import User
from django.db import transaction

from tandem.handoff import services as handoff_services
from tandem.handoff.models import RoutingRule
from tandem.leads.models import Lead, Stage
from tandem.people.models import Team

RULE_NAME = "Every MQL to the sales team"
SALES_TEAM = "Sales"
# Open leads each rep takes at most: also their shares of the team's MQLs.
CAPACITIES = {"sam.rep": 400, "riley.rep": 200}


@transaction.atomic
def write_rules() -> None:
    """The rule and capacities, the first time."""
    if RoutingRule.objects.exists():
        return
    handoff_services.create_rule(
        by=None, name=RULE_NAME, position=1, team=Team.objects.get(name=SALES_TEAM)
    )
    for rep in User.objects.filter(username__in=CAPACITIES):
        handoff_services.set_capacity(by=None, rep=rep, open_leads=CAPACITIES[rep.username])


@transaction.atomic
def route_waiting_mqls() -> int:
    """Route the MQLs not assigned yet; returns how many were routed."""
    mqls = list(Lead.objects.filter(stage=Stage.MQL).values_list("pk", flat=True))
    return len(handoff_services.route_leads(lead_ids=mqls))


def write_routing() -> int:
    """The rule and capacities, then the MQLs waiting routed by them."""
    write_rules()
    return route_waiting_mqls()
