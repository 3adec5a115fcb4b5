"""A source, a campaign and a form built through the real services, and a form's valid post."""

import datetime as dt

import pytest
import time_machine

from tandem.campaigns.models import Campaign
from tandem.campaigns.services import create_campaign
from tandem.core.testing import Personas
from tandem.core.time import now
from tandem.people.models import Source
from tandem.people.services import create_source
from tandem.tracking.form_services import create_form, started_value
from tandem.tracking.models import Form

WORDING = "Yes, Acme may email me about its products. I can unsubscribe at any time."
LANDING_URL = (
    "https://www.example.com/webinar?utm_source=linkedin&utm_medium=paid_social"
    "&utm_campaign=spring-webinar&utm_content=video&gclid=abc"
)


@pytest.fixture
def source(personas: Personas) -> Source:
    return create_source(by=personas.admin, name="Website").source


@pytest.fixture
def campaign(personas: Personas) -> Campaign:
    return create_campaign(
        by=personas.marketer, name="Spring webinar", utm_key="spring-webinar", channel="webinar"
    )


@pytest.fixture
def form(personas: Personas, source: Source) -> Form:
    """A form asking a name, company and country, and consent to marketing email."""
    return create_form(
        by=personas.marketer,
        name="Webinar sign-up",
        source=source,
        fields=["email", "first_name", "last_name", "company", "country"],
        consent_wording=WORDING,
    )


def started_ago(form: Form, seconds: float = 10) -> str:
    """The form's signed `started` value as a page would have fetched it `seconds` ago."""
    with time_machine.travel(now() - dt.timedelta(seconds=seconds), tick=False):
        return started_value(form=form)


def filled(form: Form, **changes: str | None) -> dict[str, str]:
    """What a person's browser posts for the form, filled in ten seconds after it was shown;
    a change to None leaves the field out."""
    data = {
        "email": "Ann.Lee@Example.com",
        "first_name": "Ann",
        "last_name": "Lee",
        "company": "Example Ltd",
        "country": "fr",
        "consent": "on",
        "website": "",
        "started": started_ago(form),
        "page_url": LANDING_URL,
        "referrer": "https://www.linkedin.com/",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}
