"""Recycled leads and a sequence to nurture them, built through the real services."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core import mail

from tandem.core.testing import Personas, make_lead
from tandem.leads import lifecycle
from tandem.leads import services as lead_services
from tandem.leads.models import Lead, Stage
from tandem.nurture import services
from tandem.nurture.models import Sequence

NOW = dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC)
STEPS = [
    services.StepSpec(
        subject="The 2026 buyer's guide",
        body="Here is the guide our customers read before they choose.",
        content_url="https://example.com/guide",
        content_title="Read the buyer's guide",
        wait_days=1,
    ),
    services.StepSpec(
        subject="How Acme cut its cost per lead",
        body="A short case study.",
        content_url="https://example.com/case-study",
        content_title="Read the case study",
        wait_days=7,
    ),
]


@pytest.fixture(autouse=True)
def clock() -> Any:
    """The clock stands at NOW until a test moves it (`clock.shift(...)`)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _base_url(settings: Any) -> None:
    settings.TANDEM_BASE_URL = "https://tandem.example"


@pytest.fixture
def sequence(personas: Personas) -> Sequence:
    """An active two-email sequence for every segment, by the marketer."""
    return services.create_sequence(by=personas.marketer, name="Stay in touch", steps=STEPS)


def recycle(lead: Lead, *, at: dt.datetime | None = None) -> Lead:
    lifecycle.change_stage(lead=lead, to_stage=Stage.RECYCLED, by=None, reason="Not now", at=at)
    return lead


@pytest.fixture
def recycled_lead(personas: Personas) -> Callable[..., Lead]:
    """`recycled_lead(email=...)`: a decision maker at an enterprise software company, made an
    MQL a month ago, owned by the sales rep and recycled by them now."""
    companies = iter(range(1, 1_000))

    def make(*, segment: str = "Enterprise", **fields: Any) -> Lead:
        company = lead_services.create_company(
            by=None,
            name=f"Acme {next(companies)}",
            segment=segment,
            industry="Software",
            employee_count=900,
        )
        defaults = {
            "email": "vp@acme.example",
            "first_name": "Vera",
            "job_title": "VP Marketing",
            "company_id": company.pk,
            "owner": personas.sales_rep,
        }
        lead = make_lead(stage=Stage.MQL, at=NOW - dt.timedelta(days=30), **{**defaults, **fields})
        return recycle(lead)

    return make


def sent_to(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if address in message.to]
