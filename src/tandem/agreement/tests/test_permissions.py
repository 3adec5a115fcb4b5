"""The agreement's permission matrix (core.roles), action by action, for every persona."""

from collections.abc import Callable
from typing import Any

import pytest

from tandem.agreement import services
from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.queries import (
    NOT_A_DRAFTER,
    access_version,
    may_draft,
    may_sign,
    version_list,
)
from tandem.agreement.tests.conftest import (
    DRAFTERS,
    NOT_DRAFTERS,
    NOT_SIGNERS,
    SIGNERS,
    TEAM,
    version_state,
)
from tandem.core.errors import PermissionDenied
from tandem.core.testing import Personas
from tandem.leads.queries import NOT_ON_A_TEAM

pytestmark = pytest.mark.django_db

ROLE_LABELS = {
    "marketer": "Marketer",
    "sales_rep": "Sales rep",
    "other_rep": "Sales rep",
    "rival_rep": "Sales rep",
    "executive": "Executive",
}


def refusal(persona: str) -> str:
    if persona == "outsider":
        return NOT_ON_A_TEAM
    return NOT_A_DRAFTER.format(role=ROLE_LABELS[persona])


@pytest.mark.parametrize("persona", TEAM)
def test_everyone_on_a_team_reads_every_version(
    personas: Personas, draft: AgreementVersion, persona: str
) -> None:
    person = personas.by_name(persona)

    assert access_version(person, 1) == draft
    assert list(version_list(person)) == [draft]


def test_someone_on_no_team_reads_no_version(personas: Personas, draft: AgreementVersion) -> None:
    for read in (
        lambda: access_version(personas.outsider, 1),
        lambda: version_list(personas.outsider),
    ):
        with pytest.raises(PermissionDenied, match=NOT_ON_A_TEAM):
            read()


@pytest.mark.parametrize("persona", DRAFTERS)
def test_the_owners_of_each_side_and_admins_draft(personas: Personas, persona: str) -> None:
    person = personas.by_name(persona)

    version = services.create_draft(by=person, title="Draft")
    services.update_draft(version=version, by=person, changes={"title": "Edited"})
    services.propose_version(version=version, by=person)
    version = services.withdraw_proposal(version=version, by=person)

    assert (version.title, version.status) == ("Edited", VersionStatus.DRAFT)
    assert may_draft(person)
    assert access_version(person, version.number, write=True) == version


@pytest.mark.parametrize("persona", NOT_DRAFTERS)
def test_no_one_else_starts_a_draft(personas: Personas, persona: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        services.create_draft(by=personas.by_name(persona), title="Draft")

    assert refused.value.message == refusal(persona)
    assert not AgreementVersion.objects.exists()
    assert not may_draft(personas.by_name(persona))


Action = Callable[[AgreementVersion, Any], Any]
DRAFTER_ACTIONS: dict[str, tuple[str, Action]] = {
    "edit": (
        "draft",
        lambda v, by: services.update_draft(version=v, by=by, changes={"title": "X"}),
    ),
    "propose": ("draft", lambda v, by: services.propose_version(version=v, by=by)),
    "withdraw": ("proposed", lambda v, by: services.withdraw_proposal(version=v, by=by)),
}


@pytest.mark.parametrize("action", DRAFTER_ACTIONS)
@pytest.mark.parametrize("persona", NOT_DRAFTERS)
def test_no_one_else_edits_proposes_or_withdraws(
    personas: Personas, draft: AgreementVersion, persona: str, action: str
) -> None:
    status, act = DRAFTER_ACTIONS[action]
    if status == "proposed":
        services.propose_version(version=draft, by=personas.marketing_lead)
    before = version_state(draft)

    with pytest.raises(PermissionDenied) as refused:
        act(draft, personas.by_name(persona))

    assert refused.value.message == refusal(persona)
    assert version_state(draft) == before
    with pytest.raises(PermissionDenied):
        access_version(personas.by_name(persona), 1, write=True)


@pytest.mark.parametrize("persona", SIGNERS)
def test_the_required_roles_sign(
    personas: Personas, proposal: AgreementVersion, persona: str
) -> None:
    person = personas.by_name(persona)
    assert may_sign(person, proposal)

    version = services.sign_version(version=proposal, by=person)

    assert list(version.signatures.values_list("signer__username", flat=True)) == [persona]


@pytest.mark.parametrize("persona", [*NOT_SIGNERS, "outsider"])
def test_no_other_role_signs(personas: Personas, proposal: AgreementVersion, persona: str) -> None:
    person = personas.by_name(persona)
    before = version_state(proposal)

    with pytest.raises(PermissionDenied):
        services.sign_version(version=proposal, by=person)

    assert version_state(proposal) == before
    assert not may_sign(person, proposal)
