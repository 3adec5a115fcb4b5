"""One version's page: its terms and sign-off, the actions the viewer may take, the what-if."""

from collections.abc import Callable

import pytest
from django.test import Client

from tandem.agreement import services
from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.services import NOT_PROPOSED
from tandem.agreement.tests.conftest import (
    DRAFTERS,
    NOT_DRAFTERS,
    TEAM,
    activate,
    version_state,
)
from tandem.agreement.views import ACTIVATED, PROPOSED, SIGNED, WITHDRAWN
from tandem.core.testing import Personas
from tandem.notifications.models import Notification

pytestmark = pytest.mark.django_db

FORMS = ("edit-link", "propose-form", "withdraw-form", "sign-form")


def offered(page: str) -> set[str]:
    return {name for name in FORMS if f'id="{name}"' in page}


@pytest.mark.parametrize("persona", TEAM)
def test_everyone_on_a_team_reads_a_version(
    client: Client, personas: Personas, proposal: AgreementVersion, persona: str
) -> None:
    client.force_login(personas.by_name(persona))

    response = client.get("/agreement/v/1/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Version 1: Our first agreement" in page
    assert "It takes effect once a marketing lead and a sales manager sign it." in page
    assert '<dd id="still-needed">Marketing lead, Sales manager</dd>' in page
    assert "<h2>Fit rules</h2>" in page


def test_a_missing_version_is_not_found(client: Client, personas: Personas) -> None:
    client.force_login(personas.marketer)

    assert client.get("/agreement/v/4/").status_code == 404


def test_someone_on_no_team_may_not_read_a_version(
    client: Client, personas: Personas, draft: AgreementVersion
) -> None:
    client.force_login(personas.outsider)

    assert client.get("/agreement/v/1/").status_code == 403


@pytest.mark.parametrize(
    ("persona", "status", "expected"),
    [
        ("marketing_lead", "draft", {"edit-link", "propose-form"}),
        ("manager", "draft", {"edit-link", "propose-form"}),
        ("admin", "draft", {"edit-link", "propose-form"}),
        ("marketer", "draft", set()),
        ("executive", "draft", set()),
        ("marketing_lead", "proposed", {"withdraw-form", "sign-form"}),
        ("manager", "proposed", {"withdraw-form", "sign-form"}),
        ("admin", "proposed", {"withdraw-form"}),
        ("sales_rep", "proposed", set()),
        ("executive", "proposed", set()),
        ("marketing_lead", "active", set()),
        ("admin", "active", set()),
    ],
)
def test_the_page_offers_what_the_viewer_may_do_now(
    client: Client,
    personas: Personas,
    draft: AgreementVersion,
    persona: str,
    status: str,
    expected: set[str],
) -> None:
    if status != "draft":
        services.propose_version(version=draft, by=personas.marketing_lead)
    if status == "active":
        for signer in (personas.marketing_lead, personas.manager):
            services.sign_version(version=draft, by=signer)
    client.force_login(personas.by_name(persona))

    page = client.get("/agreement/v/1/").content.decode()

    assert offered(page) == expected


def test_a_signer_is_not_offered_to_sign_twice(
    client: Client, personas: Personas, proposal: AgreementVersion
) -> None:
    services.sign_version(version=proposal, by=personas.manager)
    client.force_login(personas.manager)

    page = client.get("/agreement/v/1/").content.decode()

    assert "sign-form" not in offered(page)
    assert "You signed it on" in page
    assert '<dd id="still-needed">Marketing lead</dd>' in page


def test_sign_off_through_the_pages(
    client: Client, personas: Personas, draft: AgreementVersion
) -> None:
    client.force_login(personas.marketing_lead)
    proposed = client.post("/agreement/v/1/propose", follow=True)
    signed = client.post("/agreement/v/1/sign", follow=True)
    client.force_login(personas.manager)
    activated = client.post("/agreement/v/1/sign", follow=True)

    assert proposed.redirect_chain == [("/agreement/v/1/", 302)]
    assert PROPOSED.format(number=1) in proposed.content.decode()
    assert SIGNED.format(number=1) in signed.content.decode()
    assert ACTIVATED.format(number=1) in activated.content.decode()
    assert 'id="activation-summary"' in activated.content.decode()
    assert AgreementVersion.objects.get().status == VersionStatus.ACTIVE


def test_a_withdrawal_through_the_page(
    client: Client, personas: Personas, proposal: AgreementVersion
) -> None:
    client.force_login(personas.manager)

    response = client.post("/agreement/v/1/withdraw", follow=True)

    assert WITHDRAWN.format(number=1) in response.content.decode()
    assert AgreementVersion.objects.get().status == VersionStatus.DRAFT


def test_a_stale_action_is_explained_and_changes_nothing(
    client: Client, personas: Personas, draft: AgreementVersion
) -> None:
    client.force_login(personas.manager)
    before = version_state(draft)

    response = client.post("/agreement/v/1/sign", follow=True)

    message = NOT_PROPOSED.format(number=1, status="draft", done="signed")
    assert message in response.content.decode()
    assert version_state(draft) == before


@pytest.mark.parametrize("persona", NOT_DRAFTERS)
@pytest.mark.parametrize("action", ["propose", "withdraw"])
def test_no_one_else_proposes_or_withdraws(
    client: Client, personas: Personas, draft: AgreementVersion, persona: str, action: str
) -> None:
    if action == "withdraw":
        services.propose_version(version=draft, by=personas.marketing_lead)
    before = version_state(draft)
    client.force_login(personas.by_name(persona))

    response = client.post(f"/agreement/v/1/{action}")

    assert response.status_code == 403
    assert version_state(draft) == before


@pytest.mark.parametrize("persona", ["marketer", "sales_rep", "executive", "admin"])
def test_a_role_the_terms_do_not_name_may_not_sign(
    client: Client, personas: Personas, proposal: AgreementVersion, persona: str
) -> None:
    before = version_state(proposal)
    client.force_login(personas.by_name(persona))

    response = client.post("/agreement/v/1/sign")

    assert response.status_code == 403
    assert "is not one of them, so you cannot sign it." in response.content.decode()
    assert version_state(proposal) == before


def test_actions_take_posts_only(
    client: Client, personas: Personas, proposal: AgreementVersion
) -> None:
    client.force_login(personas.manager)

    assert client.get("/agreement/v/1/sign").status_code == 405
    assert not Notification.objects.filter(kind="agreement_signed").exists()


def test_a_version_drafted_before_the_one_in_force_says_so(
    client: Client,
    personas: Personas,
    make_version: Callable[..., AgreementVersion],
) -> None:
    first = make_version(title="First")
    second = make_version(title="Second")
    activate(first, personas.marketing_lead, personas.manager)
    client.force_login(personas.manager)

    page = client.get(f"/agreement/v/{second.number}/").content.decode()

    assert "but version 1 is in force now" in page
    assert 'href="/agreement/compare/?old=1&amp;new=2"' in page


# The what-if -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "proposed"])
def test_an_open_version_loads_its_what_if(
    client: Client, personas: Personas, draft: AgreementVersion, status: str
) -> None:
    if status == "proposed":
        services.propose_version(version=draft, by=personas.marketing_lead)
    client.force_login(personas.sales_rep)

    page = client.get("/agreement/v/1/", {"months": 6}).content.decode()

    assert 'hx-get="/agreement/v/1/whatif?months=6" hx-trigger="load"' in page


def test_a_version_in_force_has_no_what_if(
    client: Client, personas: Personas, active: AgreementVersion
) -> None:
    client.force_login(personas.sales_rep)

    assert 'id="what-if"' not in client.get("/agreement/v/1/").content.decode()


@pytest.mark.parametrize("htmx", [True, False])
def test_the_what_if_shows_both_versions_month_by_month_and_by_segment(
    client: Client,
    personas: Personas,
    active: AgreementVersion,
    make_version: Callable[..., AgreementVersion],
    htmx: bool,
) -> None:
    make_version(title="Second")
    client.force_login(personas.manager)
    headers = {"HX-Request": "true"} if htmx else {}

    try:
        response = client.get("/agreement/v/2/whatif", {"months": 3}, headers=headers)
    except NotImplementedError:
        pytest.skip("agreement.whatif.what_if is not implemented yet")

    assert response.status_code == 200
    page = response.content.decode()
    assert "against version 1 in force" in page
    assert page.count("<h3>") == 2
    assert page.count(">v2</th>") == page.count(">v1</th>") == 10
    assert ("<html" in page) is not htmx
    assert len(response.context["tables"][0].lines) == 3 + 1


def test_a_what_if_outside_1_to_36_months_replays_the_default(
    client: Client, personas: Personas, draft: AgreementVersion
) -> None:
    client.force_login(personas.manager)

    try:
        response = client.get("/agreement/v/1/whatif", {"months": 99})
    except NotImplementedError:
        pytest.skip("agreement.whatif.what_if is not implemented yet")

    assert response.context["result"].months == 12


def test_someone_on_no_team_gets_no_what_if(
    client: Client, personas: Personas, draft: AgreementVersion
) -> None:
    client.force_login(personas.outsider)

    assert client.get("/agreement/v/1/whatif").status_code == 403


@pytest.mark.parametrize("persona", DRAFTERS)
def test_drafters_open_the_editor_from_a_draft(
    client: Client, personas: Personas, draft: AgreementVersion, persona: str
) -> None:
    client.force_login(personas.by_name(persona))

    assert 'href="/agreement/v/1/edit"' in client.get("/agreement/v/1/").content.decode()
