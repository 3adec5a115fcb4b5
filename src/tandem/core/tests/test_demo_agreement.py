"""The demo's lead agreement, on demo data written through the services."""

import pytest
from django.core import mail

from tandem.agreement.models import VersionStatus
from tandem.agreement.whatif import what_if
from tandem.core.demo.agreement import write_agreement
from tandem.core.demo.plan import make_plan
from tandem.core.demo.write_services import write_people, write_with_services
from tandem.core.time import now
from tandem.leads.models import Lead, StageChange
from tandem.scoring.models import LeadScore

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    plan = make_plan(leads=150, today=now().date(), seed=7)
    write_with_services(plan)
    with django_capture_on_commit_callbacks(execute=True):
        written = write_agreement(write_people(plan.teams, plan.people, password=None))
    assert written is not None
    return written


def test_the_demo_signs_a_first_version_and_scores_every_lead(agreement) -> None:  # type: ignore[no-untyped-def]
    assert agreement.active.status == VersionStatus.ACTIVE
    assert LeadScore.objects.filter(version=agreement.active).count() == Lead.objects.count()
    moved = StageChange.objects.filter(agreement_version=agreement.active)
    assert moved.count() == agreement.active.activation_summary["moved_to_mql"] > 0
    assert mail.outbox


def test_the_demo_proposal_waits_for_the_sales_manager(agreement) -> None:  # type: ignore[no-untyped-def]
    assert agreement.proposal.status == VersionStatus.PROPOSED
    assert [s.role for s in agreement.proposal.signatures.all()] == ["marketing_lead"]


def test_the_stricter_demo_proposal_would_make_fewer_mqls_with_their_outcomes(agreement) -> None:  # type: ignore[no-untyped-def]
    result = what_if(version=agreement.proposal)
    active = result.total.active
    assert active is not None
    assert 0 < result.total.proposal.mqls < active.mqls
    assert 0 < active.accepted <= active.mqls
    assert active.won <= active.sql <= active.accepted
    assert sum(row.proposal.mqls for row in result.by_month) == result.total.proposal.mqls
