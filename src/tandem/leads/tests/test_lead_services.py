import datetime as dt
from decimal import Decimal

import pytest

from tandem.core.errors import Conflict, DomainError, PermissionDenied
from tandem.core.testing import Personas, make_lead
from tandem.leads import services
from tandem.leads.models import Company, Deal, Lead, Stage, StageChange
from tandem.leads.services import (
    EMAIL_TAKEN,
    LOST_DEAL_NEEDS_REASON,
    MANAGER_ASSIGNS_OWN_TEAM,
    OWNER_NOT_IN_SALES,
)

pytestmark = pytest.mark.django_db


def test_a_rep_who_creates_a_lead_owns_it(personas: Personas) -> None:
    lead = services.create_lead(by=personas.sales_rep, email="New@Example.com")

    assert (lead.owner, lead.email, lead.stage) == (personas.sales_rep, "new@example.com", "lead")
    assert StageChange.objects.get(lead=lead).actor == personas.sales_rep


def test_a_taken_email_is_refused_and_nothing_is_written(personas: Personas) -> None:
    make_lead(email="taken@example.com")

    with pytest.raises(Conflict) as refused:
        services.create_lead(by=personas.marketer, email="TAKEN@example.com")

    assert refused.value.message == EMAIL_TAKEN.format(email="taken@example.com")
    assert (Lead.objects.count(), StageChange.objects.count()) == (1, 1)


def test_a_lead_can_only_be_owned_by_someone_in_sales(personas: Personas) -> None:
    lead = make_lead()

    with pytest.raises(DomainError) as refused:
        services.update_lead(
            lead=lead, by=personas.admin, changes={"owner_id": personas.marketer.pk}
        )

    assert refused.value.message == OWNER_NOT_IN_SALES.format(name="Marketer")
    lead.refresh_from_db()
    assert lead.owner is None


def test_a_manager_assigns_only_within_their_team(personas: Personas) -> None:
    lead = make_lead()

    with pytest.raises(PermissionDenied, match=MANAGER_ASSIGNS_OWN_TEAM):
        services.update_lead(
            lead=lead, by=personas.manager, changes={"owner_id": personas.rival_rep.pk}
        )
    services.update_lead(
        lead=lead, by=personas.manager, changes={"owner_id": personas.sales_rep.pk}
    )

    lead.refresh_from_db()
    assert lead.owner == personas.sales_rep


def test_a_rep_may_not_hand_a_lead_to_a_colleague(personas: Personas) -> None:
    lead = make_lead(owner=personas.sales_rep)

    with pytest.raises(PermissionDenied, match="may not assign leads"):
        services.update_lead(
            lead=lead, by=personas.sales_rep, changes={"owner_id": personas.other_rep.pk}
        )

    lead.refresh_from_db()
    assert lead.owner == personas.sales_rep


def test_the_stage_cannot_be_changed_as_a_field(personas: Personas) -> None:
    lead = make_lead(stage=Stage.LEAD)

    with pytest.raises(DomainError, match="cannot be changed here: stage"):
        services.update_lead(lead=lead, by=personas.admin, changes={"stage": Stage.CUSTOMER})

    lead.refresh_from_db()
    assert lead.stage == Stage.LEAD


def test_a_won_deal_makes_its_lead_a_customer(personas: Personas) -> None:
    lead = make_lead(
        stage=Stage.SQL, owner=personas.sales_rep, at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )

    deal = services.create_deal(
        lead=lead,
        by=personas.sales_rep,
        name="Acme platform",
        amount=Decimal("12000"),
        currency="eur",
        stage="won",
        opened_on=dt.date(2026, 1, 2),
        closed_on=dt.date(2026, 2, 2),
    )

    lead.refresh_from_db()
    assert (deal.currency, deal.owner, lead.stage) == ("EUR", personas.sales_rep, Stage.CUSTOMER)
    assert StageChange.objects.filter(lead=lead).last().reason == "Deal won: Acme platform"  # type: ignore[union-attr]


def test_a_lost_deal_needs_a_reason(personas: Personas) -> None:
    lead = make_lead(stage=Stage.SQL)

    with pytest.raises(DomainError) as refused:
        services.create_deal(
            lead=lead,
            by=personas.manager,
            name="Lost one",
            amount=Decimal("10"),
            currency="EUR",
            stage="lost",
            closed_on=dt.date(2026, 2, 2),
            opened_on=dt.date(2026, 1, 2),
        )

    assert (refused.value.message, refused.value.fields) == (
        LOST_DEAL_NEEDS_REASON,
        {"lost_reason": "required when lost"},
    )
    assert Deal.objects.count() == 0


def test_a_company_domain_is_unique_whatever_its_case(personas: Personas) -> None:
    services.create_company(by=personas.marketer, name="Acme", domain="acme.example")

    with pytest.raises(Conflict, match=r"already has the domain acme\.example"):
        services.create_company(by=personas.marketer, name="Acme 2", domain="ACME.example")

    assert Company.objects.count() == 1
