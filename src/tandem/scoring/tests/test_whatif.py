"""What-if: a proposal replayed over past activity, against the active version."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.starter import STARTER_TERMS
from tandem.agreement.whatif import MONTHS_OUT_OF_RANGE, what_if
from tandem.core.errors import DomainError
from tandem.core.testing import make_lead
from tandem.leads import lifecycle
from tandem.leads import services as lead_services
from tandem.leads.models import Lead, Stage

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)
MARCH = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)
MAY = dt.datetime(2026, 5, 20, 12, tzinfo=dt.UTC)
DEMO_REQUEST = {"type": "form", "name": "Demo", "properties": {"form": "demo-request"}}
# Grade A only, from 50 points: of the leads below, only the decision maker still qualifies.
STRICTER = {"any_of": [{"grades": ["A"], "min_score": 50}]}


@pytest.fixture(autouse=True)
def frozen_clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _lead(name: str, title: str, segment: str, requested_at: dt.datetime) -> Lead:
    company = lead_services.create_company(
        by=None, name=name, segment=segment, industry="Software", employee_count=300
    )
    lead = make_lead(
        email=f"{name.lower()}@example.com",
        job_title=title,
        company_id=company.pk,
        at=requested_at - dt.timedelta(days=1),
    )
    lead_services.record_event(lead=lead, occurred_at=requested_at, **DEMO_REQUEST)
    return lead


@pytest.fixture
def versions() -> tuple[AgreementVersion, AgreementVersion]:
    # Leads are recorded before any version is active, so the ledger holds no scoring moves.
    _lead("Acme", "VP Sales", "Enterprise", MARCH)
    won = _lead("Beta", "Marketing Manager", "SMB", MARCH)
    _lead("Gamma", "Marketing Manager", "SMB", MAY)
    lifecycle.change_stage(lead=won, to_stage=Stage.SAL, by=None)
    lead_services.create_deal(
        by=None, lead=won, name="Beta deal", amount=Decimal("1200.00"), currency="EUR",
        stage="won", opened_on=NOW.date(), closed_on=NOW.date(),
    )  # fmt: skip
    active = AgreementVersion.objects.create(
        number=1, status=VersionStatus.ACTIVE, title="Active", content=STARTER_TERMS
    )
    proposal = AgreementVersion.objects.create(
        number=2,
        status=VersionStatus.PROPOSED,
        title="Stricter",
        content={**STARTER_TERMS, "mql": STRICTER},
    )
    return active, proposal


def test_a_stricter_proposal_would_have_made_fewer_mqls(
    versions: tuple[AgreementVersion, AgreementVersion],
) -> None:
    _, proposal = versions
    result = what_if(version=proposal, months=6)
    assert (result.version_number, result.active_number) == (2, 1)
    assert result.total.proposal.mqls == 1
    assert result.total.active is not None
    assert result.total.active.mqls == 3


def test_the_what_if_shows_how_those_leads_actually_went_on(
    versions: tuple[AgreementVersion, AgreementVersion],
) -> None:
    _, proposal = versions
    active = what_if(version=proposal, months=6).total.active
    assert active is not None
    assert (active.accepted, active.sql, active.won, active.revenue) == (1, 1, 1, Decimal("1200"))


def test_the_what_if_counts_each_lead_in_the_month_it_would_have_qualified(
    versions: tuple[AgreementVersion, AgreementVersion],
) -> None:
    _, proposal = versions
    result = what_if(version=proposal, months=6)
    months = {row.key: (row.proposal.mqls, row.active.mqls if row.active else None)
              for row in result.by_month}  # fmt: skip
    assert list(months) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert months["2026-03"] == (1, 2)
    assert months["2026-05"] == (0, 1)
    segments = {row.key: row.proposal.mqls for row in result.by_segment}
    assert segments == {"Enterprise": 1, "SMB": 0}


def test_a_lead_that_qualified_before_the_window_is_not_counted_in_it(
    versions: tuple[AgreementVersion, AgreementVersion],
) -> None:
    _, proposal = versions
    result = what_if(version=proposal, months=2)
    assert result.total.active is not None
    assert result.total.active.mqls == 1


@pytest.mark.parametrize("months", [0, 37])
def test_the_replay_window_is_bounded(
    versions: tuple[AgreementVersion, AgreementVersion], months: int
) -> None:
    with pytest.raises(DomainError) as refused:
        what_if(version=versions[1], months=months)
    assert refused.value.message == MONTHS_OUT_OF_RANGE
