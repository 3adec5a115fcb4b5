"""The draft editor: title, summary and the terms as JSON, mistakes named by path."""

import copy
import json

import pytest
from django.test import Client

from tandem.agreement import services
from tandem.agreement.forms import NOT_AN_OBJECT
from tandem.agreement.models import AgreementVersion
from tandem.agreement.rules import parse_terms
from tandem.agreement.services import NOT_A_DRAFT
from tandem.agreement.starter import STARTER_TERMS
from tandem.agreement.tests.conftest import DRAFTERS, NOT_DRAFTERS, version_state
from tandem.agreement.views import SAVED
from tandem.core.testing import Personas

pytestmark = pytest.mark.django_db


def form(content: object, title: str = "Our first agreement", summary: str = "") -> dict[str, str]:
    text = content if isinstance(content, str) else json.dumps(content)
    return {"title": title, "summary": summary, "content": text}


@pytest.mark.parametrize("persona", DRAFTERS)
def test_drafters_see_the_terms_pretty_printed(
    client: Client, personas: Personas, draft: AgreementVersion, persona: str
) -> None:
    client.force_login(personas.by_name(persona))

    response = client.get("/agreement/v/1/edit")

    assert response.status_code == 200
    text = response.context["form"]["content"].value()
    assert json.loads(text) == parse_terms(STARTER_TERMS).model_dump(mode="json")
    assert text.startswith('{\n  "fit": {\n    "rules": [\n      {\n        "name": ')
    page = response.content.decode()
    assert 'id="terms-help"' in page
    assert "<code>company.employee_count</code>" in page
    assert "<code>has_word</code>: has any of the words …" in page


@pytest.mark.parametrize("persona", NOT_DRAFTERS)
def test_no_one_else_opens_the_editor(
    client: Client, personas: Personas, draft: AgreementVersion, persona: str
) -> None:
    client.force_login(personas.by_name(persona))
    before = version_state(draft)

    assert client.get("/agreement/v/1/edit").status_code == 403
    assert client.post("/agreement/v/1/edit", form(STARTER_TERMS, title="X")).status_code == 403
    assert version_state(draft) == before


def test_saving_changes_the_draft(
    client: Client, personas: Personas, draft: AgreementVersion
) -> None:
    content = copy.deepcopy(STARTER_TERMS)
    content["recycle"]["idle_days"] = 30
    client.force_login(personas.manager)

    response = client.post(
        "/agreement/v/1/edit", form(content, title="Sooner", summary="Recycle at 30."), follow=True
    )

    assert response.redirect_chain == [("/agreement/v/1/", 302)]
    assert SAVED.format(number=1) in response.content.decode()
    draft.refresh_from_db()
    assert (draft.title, draft.summary, draft.terms.recycle.idle_days) == (
        "Sooner",
        "Recycle at 30.",
        30,
    )


def test_wrong_terms_are_explained_by_path_and_kept_for_fixing(
    client: Client, personas: Personas, draft: AgreementVersion
) -> None:
    content = copy.deepcopy(STARTER_TERMS)
    content["fit"]["rules"][0]["points"] = 5000
    content["service_levels"]["business_hours"]["ends_at"] = "08:00"
    before = version_state(draft)
    client.force_login(personas.manager)

    response = client.post("/agreement/v/1/edit", form(content))

    assert response.status_code == 200
    assert response.context["problems"] == [
        "content.fit.rules.0.points must be at most 1000.",
        "content.service_levels.business_hours: business hours must end after they start",
    ]
    assert "&quot;points&quot;: 5000" in response.content.decode()
    assert version_state(draft) == before


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"fit": ', "The terms are not valid JSON: Expecting value (line 1, column 9)."),
        ("[1, 2]", NOT_AN_OBJECT),
    ],
)
def test_text_that_is_not_a_json_object_is_explained(
    client: Client, personas: Personas, draft: AgreementVersion, text: str, problem: str
) -> None:
    before = version_state(draft)
    client.force_login(personas.manager)

    response = client.post("/agreement/v/1/edit", form(text))

    assert response.context["problems"] == [problem]
    assert version_state(draft) == before


def test_a_title_is_needed(client: Client, personas: Personas, draft: AgreementVersion) -> None:
    before = version_state(draft)
    client.force_login(personas.manager)

    response = client.post("/agreement/v/1/edit", form(STARTER_TERMS, title=""))

    assert response.context["problems"] == ["Title: This field is required."]
    assert version_state(draft) == before


def test_a_proposal_is_not_edited(
    client: Client, personas: Personas, proposal: AgreementVersion
) -> None:
    before = version_state(proposal)
    client.force_login(personas.manager)

    opened = client.get("/agreement/v/1/edit", follow=True)
    posted = client.post("/agreement/v/1/edit", form(STARTER_TERMS, title="Sneaky"), follow=True)

    message = NOT_A_DRAFT.format(number=1, status="proposed", done="changed")
    assert opened.redirect_chain == posted.redirect_chain == [("/agreement/v/1/", 302)]
    assert message in opened.content.decode()
    assert version_state(proposal) == before


def test_a_draft_proposed_meanwhile_is_not_overwritten(
    client: Client, personas: Personas, draft: AgreementVersion
) -> None:
    client.force_login(personas.manager)
    client.get("/agreement/v/1/edit")
    services.propose_version(version=draft, by=personas.marketing_lead)
    before = version_state(draft)

    response = client.post("/agreement/v/1/edit", form(STARTER_TERMS, title="Late"))

    assert response.status_code == 302
    assert version_state(draft) == before
