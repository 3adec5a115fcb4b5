import pytest

from tandem.core.errors import NotFound, PermissionDenied
from tandem.core.testing import Personas, make_lead
from tandem.leads.models import Lead, Stage
from tandem.leads.queries import (
    LeadFilter,
    access_lead,
    lead_list,
    may_edit_leads,
    sees_only_own_leads,
    visible_leads,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def leads(personas: Personas) -> dict[str, Lead]:
    return {
        "rep": make_lead(owner=personas.sales_rep, email="rep@example.com"),
        "other_rep": make_lead(owner=personas.other_rep, email="other@example.com"),
        "rival": make_lead(owner=personas.rival_rep, email="rival@example.com"),
        "unassigned": make_lead(email="nobody@example.com"),
    }


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("sales_rep", {"rep"}),
        ("other_rep", {"other_rep"}),
        ("manager", {"rep", "other_rep", "unassigned"}),
        ("rival_manager", {"rival", "unassigned"}),
        ("marketer", {"rep", "other_rep", "rival", "unassigned"}),
        ("marketing_lead", {"rep", "other_rep", "rival", "unassigned"}),
        ("executive", {"rep", "other_rep", "rival", "unassigned"}),
        ("admin", {"rep", "other_rep", "rival", "unassigned"}),
        ("outsider", set()),
    ],
)
def test_each_role_sees_its_leads(
    personas: Personas, leads: dict[str, Lead], persona: str, expected: set[str]
) -> None:
    seen = set(visible_leads(personas.by_name(persona)).values_list("pk", flat=True))

    assert seen == {leads[name].pk for name in expected}


def test_a_lead_the_actor_may_not_see_is_not_found(
    personas: Personas, leads: dict[str, Lead]
) -> None:
    with pytest.raises(NotFound, match=f"There is no lead {leads['other_rep'].pk}."):
        access_lead(personas.sales_rep, leads["other_rep"].pk)


def test_an_executive_reads_but_may_not_write(personas: Personas, leads: dict[str, Lead]) -> None:
    assert access_lead(personas.executive, leads["rep"].pk) == leads["rep"]

    with pytest.raises(PermissionDenied, match="may read leads but not change them"):
        access_lead(personas.executive, leads["rep"].pk, write=True)


def test_someone_on_no_team_is_refused_even_a_list(personas: Personas) -> None:
    with pytest.raises(PermissionDenied, match="You are not on a team"):
        lead_list(personas.outsider, LeadFilter())


def test_the_list_is_narrowed_by_stage_and_search(personas: Personas) -> None:
    make_lead(stage=Stage.MQL, email="maria@acme.example")
    make_lead(stage=Stage.MQL, email="joao@other.example")
    make_lead(stage=Stage.LEAD, email="maria2@acme.example")

    found = lead_list(personas.marketer, LeadFilter(stage=Stage.MQL, search="acme"))

    assert [lead.email for lead in found] == ["maria@acme.example"]


@pytest.mark.parametrize(
    ("persona", "may_edit", "own_only"),
    [
        ("marketer", True, False),
        ("marketing_lead", True, False),
        ("sales_rep", True, True),
        ("manager", True, False),
        ("executive", False, False),
        ("admin", True, False),
        ("outsider", False, False),
    ],
)
def test_pages_offer_editing_and_owner_filters_by_role(
    personas: Personas, persona: str, may_edit: bool, own_only: bool
) -> None:
    actor = personas.by_name(persona)

    assert (may_edit_leads(actor), sees_only_own_leads(actor)) == (may_edit, own_only)
