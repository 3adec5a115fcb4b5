"""Personas and helpers shared by every app's tests.

The personas read as a specification: `marketer`, `marketing_lead`, `sales_rep` and
`other_rep` (same sales team, must not see each other's leads), `manager` (leads that team),
`rival_manager` (a second sales team), `executive`, `admin`, and `outsider` (signed in, on no
team).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from tandem.agreement import services as agreement_services
from tandem.agreement.models import AgreementVersion
from tandem.core.roles import Role, TeamKind
from tandem.leads import services as lead_services
from tandem.leads.models import Lead, Stage
from tandem.people import services as people_services
from tandem.people.models import Team

PASSWORD = "correct horse battery staple"  # noqa: S105 -- test personas only


@dataclass(frozen=True)
class Personas:
    marketer: User
    marketing_lead: User
    sales_rep: User
    other_rep: User
    manager: User
    rival_rep: User
    rival_manager: User
    executive: User
    admin: User
    outsider: User

    def by_name(self, name: str) -> User:
        user: User = getattr(self, name)
        return user


def make_personas() -> Personas:
    marketing = people_services.create_team(name="Marketing", kind=TeamKind.MARKETING)
    sales = people_services.create_team(name="Sales", kind=TeamKind.SALES)
    enterprise = people_services.create_team(name="Enterprise sales", kind=TeamKind.SALES)
    leadership = people_services.create_team(name="Leadership", kind=TeamKind.LEADERSHIP)

    def person(username: str, team: Team, role: Role) -> User:
        return people_services.create_person(
            username=username,
            password=PASSWORD,
            team=team,
            role=role,
            first_name=username.replace("_", " ").title(),
            email=f"{username}@example.com",
        )

    outsider = User.objects.create_user(username="outsider", password=PASSWORD)
    return Personas(
        marketer=person("marketer", marketing, Role.MARKETER),
        marketing_lead=person("marketing_lead", marketing, Role.MARKETING_LEAD),
        sales_rep=person("sales_rep", sales, Role.SALES_REP),
        other_rep=person("other_rep", sales, Role.SALES_REP),
        manager=person("manager", sales, Role.SALES_MANAGER),
        rival_rep=person("rival_rep", enterprise, Role.SALES_REP),
        rival_manager=person("rival_manager", enterprise, Role.SALES_MANAGER),
        executive=person("executive", leadership, Role.EXECUTIVE),
        admin=person("admin", leadership, Role.ADMIN),
        outsider=outsider,
    )


def make_lead(
    *,
    stage: str = Stage.LEAD,
    owner: User | None = None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> Lead:
    """A lead created through the real service, by the system."""
    return lead_services.create_lead(
        by=None,
        stage=stage,
        at=at,
        owner_id=owner.pk if owner is not None else None,
        **fields,
    )


def activate_starter_agreement(personas: Personas) -> AgreementVersion:
    """The starter agreement drafted, proposed and signed by the marketing lead and the sales
    manager, as people do: version 1 in force."""
    version = agreement_services.create_draft(by=personas.marketing_lead, title="Our agreement")
    agreement_services.propose_version(version=version, by=personas.marketing_lead)
    agreement_services.sign_version(version=version, by=personas.marketing_lead)
    return agreement_services.sign_version(version=version, by=personas.manager)
