"""Proposing, withdrawing and signing, activation, and who hears of each."""

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core import mail

from tandem.agreement import services
from tandem.agreement.models import AgreementVersion, Signature, VersionStatus
from tandem.agreement.queries import signers_still_needed
from tandem.agreement.services import (
    ALREADY_SIGNED,
    NOT_A_DRAFT,
    NOT_A_SIGNER,
    NOT_PROPOSED,
)
from tandem.agreement.tests.conftest import activate, starter, version_state
from tandem.core.errors import Conflict, PermissionDenied
from tandem.core.roles import Role
from tandem.core.testing import Personas, make_lead
from tandem.notifications.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db

STARTER_SIGNERS = "a marketing lead and a sales manager"


def told(kind: str) -> list[str]:
    """Who was notified of `kind`, by username."""
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


def emailed() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


# The sign-off flow ---------------------------------------------------------------------------


def test_a_proposal_by_marketing_takes_effect_only_once_sales_signs(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        version = services.create_draft(by=personas.marketing_lead, title="First agreement")
        version = services.propose_version(version=version, by=personas.marketing_lead)
        version = services.sign_version(version=version, by=personas.marketing_lead)

    assert version.status == VersionStatus.PROPOSED
    assert signers_still_needed(version) == [Role.SALES_MANAGER]
    assert version.activated_at is None

    with django_capture_on_commit_callbacks(execute=True):
        version = services.sign_version(version=version, by=personas.manager)

    version.refresh_from_db()
    assert version.status == VersionStatus.ACTIVE
    assert version.activated_at is not None
    assert list(version.signatures.values_list("signer__username", "role")) == [
        ("marketing_lead", Role.MARKETING_LEAD),
        ("manager", Role.SALES_MANAGER),
    ]
    assert told(NotificationKind.AGREEMENT_PROPOSED) == ["manager", "rival_manager"]
    assert told(NotificationKind.AGREEMENT_SIGNED) == ["manager", "rival_manager"]
    assert told(NotificationKind.AGREEMENT_ACTIVATED) == ["marketing_lead", "rival_manager"]
    assert emailed() == [
        "manager@example.com",
        "manager@example.com",
        "marketing_lead@example.com",
        "rival_manager@example.com",
        "rival_manager@example.com",
        "rival_manager@example.com",
    ]


def test_the_notices_say_what_happened_and_link_the_version(
    personas: Personas, draft: AgreementVersion, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.propose_version(version=draft, by=personas.marketing_lead)

    notice = Notification.objects.get(recipient=personas.manager)
    assert notice.title == "Version 1 of the lead agreement is proposed: Our first agreement"
    assert (
        notice.body
        == f"Marketing Lead proposed it. It takes effect once {STARTER_SIGNERS} sign it."
    )
    assert notice.url == "/agreement/v/1/"
    message = next(message for message in mail.outbox if message.to == ["manager@example.com"])
    assert message.subject == notice.title
    assert (
        message.body
        == f"{notice.body}\n\nRead it in Tandem: {settings.TANDEM_BASE_URL}/agreement/v/1/"
    )


def test_a_signature_notice_says_who_signed_and_who_is_still_needed(
    personas: Personas, proposal: AgreementVersion
) -> None:
    services.sign_version(version=proposal, by=personas.manager)

    notice = Notification.objects.get(
        kind=NotificationKind.AGREEMENT_SIGNED, recipient=personas.marketing_lead
    )
    assert notice.title == "Manager signed version 1 of the lead agreement as sales manager"
    assert notice.body == "Still needed before it takes effect: a marketing lead."


def test_the_last_signature_supersedes_the_previous_version(
    personas: Personas, active: AgreementVersion, make_version: Callable[..., AgreementVersion]
) -> None:
    version = make_version(title="Second")

    version = activate(version, personas.marketing_lead, personas.rival_manager)

    active.refresh_from_db()
    assert (active.status, version.status) == (VersionStatus.SUPERSEDED, VersionStatus.ACTIVE)
    assert active.superseded_at == version.activated_at
    assert AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).get() == version


def test_activation_rescores_every_lead_and_keeps_the_summary(personas: Personas) -> None:
    make_lead(email="ana@acme.test")
    make_lead(email="bo@globex.test")
    version = services.create_draft(by=personas.marketing_lead, title="First agreement")

    version = activate(version, personas.marketing_lead, personas.manager)

    version.refresh_from_db()
    assert set(version.activation_summary) == {
        "leads_scored",
        "meets_mql",
        "moved_to_mql",
        "no_longer_qualifying",
        "seconds",
    }
    assert version.activation_summary["leads_scored"] == 2


def test_the_activation_notice_names_the_version_it_replaces(
    personas: Personas, active: AgreementVersion, make_version: Callable[..., AgreementVersion]
) -> None:
    activate(make_version(title="Second"), personas.marketing_lead, personas.manager)

    notice = Notification.objects.get(
        kind=NotificationKind.AGREEMENT_ACTIVATED,
        recipient=personas.marketing_lead,
        url="/agreement/v/2/",
    )
    assert notice.title == "Version 2 of the lead agreement is now in effect: Second"
    assert notice.body == (
        "Manager's signature completed it, replacing version 1. "
        "Every lead was rescored under its rules."
    )


def test_everyone_who_signed_before_hears_of_the_next_proposal(
    personas: Personas, make_version: Callable[..., AgreementVersion]
) -> None:
    three_sides = starter(required_signers=["marketing_lead", "sales_manager", "executive"])
    activate(
        make_version(content=three_sides),
        personas.marketing_lead,
        personas.manager,
        personas.executive,
    )
    Notification.objects.all().delete()

    services.propose_version(version=make_version(title="Second"), by=personas.admin)

    assert told(NotificationKind.AGREEMENT_PROPOSED) == [
        "executive",
        "manager",
        "marketing_lead",
        "rival_manager",
    ]


def test_people_who_left_hear_nothing(personas: Personas, draft: AgreementVersion) -> None:
    personas.rival_manager.is_active = False
    personas.rival_manager.save(update_fields=["is_active"])

    services.propose_version(version=draft, by=personas.marketing_lead)

    assert told(NotificationKind.AGREEMENT_PROPOSED) == ["manager"]


def test_a_proposal_is_announced_to_every_role_it_needs(
    personas: Personas, make_version: Callable[..., AgreementVersion]
) -> None:
    version = make_version(content=starter(required_signers=["marketing_lead", "executive"]))

    services.propose_version(version=version, by=personas.marketing_lead)

    assert told(NotificationKind.AGREEMENT_PROPOSED) == ["executive", "manager", "rival_manager"]


def test_every_required_role_must_sign(
    personas: Personas, make_version: Callable[..., AgreementVersion]
) -> None:
    version = make_version(
        content=starter(required_signers=["marketing_lead", "sales_manager", "executive"])
    )
    services.propose_version(version=version, by=personas.marketing_lead)

    for signer in (personas.executive, personas.manager, personas.rival_manager):
        version = services.sign_version(version=version, by=signer)

    assert version.status == VersionStatus.PROPOSED
    assert signers_still_needed(version) == [Role.MARKETING_LEAD]

    version = services.sign_version(version=version, by=personas.marketing_lead)

    assert version.status == VersionStatus.ACTIVE


# Refusals --------------------------------------------------------------------------------


def test_a_draft_cannot_be_signed(personas: Personas, draft: AgreementVersion) -> None:
    before = version_state(draft)

    with pytest.raises(Conflict) as refused:
        services.sign_version(version=draft, by=personas.manager)

    assert refused.value.message == NOT_PROPOSED.format(number=1, status="draft", done="signed")
    assert version_state(draft) == before


def test_an_active_version_cannot_be_signed_again(
    personas: Personas, active: AgreementVersion
) -> None:
    before = version_state(active)

    with pytest.raises(Conflict) as refused:
        services.sign_version(version=active, by=personas.rival_manager)

    assert refused.value.message == NOT_PROPOSED.format(number=1, status="active", done="signed")
    assert version_state(active) == before


def test_nobody_signs_twice(personas: Personas, proposal: AgreementVersion) -> None:
    services.sign_version(version=proposal, by=personas.manager)
    before = version_state(proposal)

    with pytest.raises(Conflict) as refused:
        services.sign_version(version=proposal, by=personas.manager)

    assert refused.value.message == ALREADY_SIGNED.format(number=1, role="sales manager")
    assert version_state(proposal) == before


def test_a_role_the_terms_do_not_name_cannot_sign(
    personas: Personas, proposal: AgreementVersion
) -> None:
    before = version_state(proposal)

    with pytest.raises(PermissionDenied) as refused:
        services.sign_version(version=proposal, by=personas.executive)

    assert refused.value.message == NOT_A_SIGNER.format(
        number=1, signers=STARTER_SIGNERS, role="Executive"
    )
    assert version_state(proposal) == before


def test_only_a_draft_is_proposed(personas: Personas, proposal: AgreementVersion) -> None:
    before = version_state(proposal)

    with pytest.raises(Conflict) as refused:
        services.propose_version(version=proposal, by=personas.marketing_lead)

    assert refused.value.message == NOT_A_DRAFT.format(number=1, status="proposed", done="proposed")
    assert version_state(proposal) == before


def test_a_refused_action_announces_nothing(
    personas: Personas, proposal: AgreementVersion, django_capture_on_commit_callbacks: Any
) -> None:
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.sign_version(version=proposal, by=personas.sales_rep)

    assert not Notification.objects.exists()
    assert mail.outbox == []


# Withdrawing -----------------------------------------------------------------------------


def test_a_withdrawn_proposal_is_a_draft_again_without_signatures(
    personas: Personas, proposal: AgreementVersion
) -> None:
    services.sign_version(version=proposal, by=personas.manager)

    version = services.withdraw_proposal(version=proposal, by=personas.marketing_lead)

    version.refresh_from_db()
    assert (version.status, version.proposed_at, version.proposed_by) == (
        VersionStatus.DRAFT,
        None,
        None,
    )
    assert not Signature.objects.exists()
    assert told(NotificationKind.AGREEMENT_WITHDRAWN) == ["manager", "rival_manager"]


def test_signatures_are_taken_afresh_after_a_withdrawal(
    personas: Personas, proposal: AgreementVersion
) -> None:
    services.sign_version(version=proposal, by=personas.manager)
    services.withdraw_proposal(version=proposal, by=personas.marketing_lead)
    services.update_draft(version=proposal, by=personas.marketing_lead, changes={"title": "V1b"})
    services.propose_version(version=proposal, by=personas.marketing_lead)

    version = services.sign_version(version=proposal, by=personas.marketing_lead)

    assert version.status == VersionStatus.PROPOSED
    assert signers_still_needed(version) == [Role.SALES_MANAGER]


@pytest.mark.parametrize("status", ["draft", "active"])
def test_only_a_proposal_is_withdrawn(
    personas: Personas, draft: AgreementVersion, status: str
) -> None:
    if status == "active":
        activate(draft, personas.marketing_lead, personas.manager)
    before = version_state(draft)

    with pytest.raises(Conflict) as refused:
        services.withdraw_proposal(version=draft, by=personas.marketing_lead)

    assert refused.value.message == NOT_PROPOSED.format(number=1, status=status, done="withdrawn")
    assert version_state(draft) == before
