"""Versions at each step of sign-off, built through the real services."""

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tandem.agreement import services
from tandem.agreement.models import AgreementVersion
from tandem.agreement.starter import STARTER_TERMS
from tandem.core.testing import Personas

# Who may draft, edit, propose and withdraw, and who may not (the outsider is on no team).
DRAFTERS = ["marketing_lead", "manager", "rival_manager", "admin"]
NOT_DRAFTERS = ["marketer", "sales_rep", "other_rep", "rival_rep", "executive", "outsider"]
# Who signs under the starter terms, which require a marketing lead and a sales manager.
SIGNERS = ["marketing_lead", "manager", "rival_manager"]
NOT_SIGNERS = ["marketer", "sales_rep", "other_rep", "rival_rep", "executive", "admin"]
TEAM = [*DRAFTERS, *NOT_DRAFTERS[:-1]]


def starter(**changes: Any) -> dict[str, Any]:
    """The starter terms, with top-level sections replaced by `changes`."""
    return {**copy.deepcopy(STARTER_TERMS), **changes}


@pytest.fixture
def draft(personas: Personas) -> AgreementVersion:
    """Version 1, a draft of the starter terms by the marketing lead."""
    return services.create_draft(by=personas.marketing_lead, title="Our first agreement")


@pytest.fixture
def proposal(personas: Personas, draft: AgreementVersion) -> AgreementVersion:
    """Version 1, proposed by the marketing lead and not yet signed."""
    return services.propose_version(version=draft, by=personas.marketing_lead)


def activate(version: AgreementVersion, *signers: Any) -> AgreementVersion:
    services.propose_version(version=version, by=signers[0])
    for signer in signers:
        version = services.sign_version(version=version, by=signer)
    return version


@pytest.fixture
def active(personas: Personas) -> AgreementVersion:
    """Version 1 in force, signed by the marketing lead and the sales manager."""
    version = services.create_draft(by=personas.marketing_lead, title="Our first agreement")
    return activate(version, personas.marketing_lead, personas.manager)


@pytest.fixture
def make_version(personas: Personas) -> Callable[..., AgreementVersion]:
    """A draft by the marketing lead with the given title and terms."""

    def make(title: str = "A change", content: dict[str, Any] | None = None) -> AgreementVersion:
        return services.create_draft(by=personas.marketing_lead, title=title, content=content)

    return make


def version_state(version: AgreementVersion) -> tuple[Any, ...]:
    """Everything sign-off may change about a version, to show a refusal changed nothing."""
    version = AgreementVersion.objects.get(pk=version.pk)
    return (
        version.status,
        version.title,
        version.summary,
        version.content,
        version.proposed_at,
        version.activated_at,
        version.superseded_at,
        sorted(version.signatures.values_list("signer__username", "role")),
        version.updated_at,
    )
