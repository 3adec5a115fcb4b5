"""Recycled leads join a sequence, and leave it as they leave the recycled stage."""

import datetime as dt
from collections.abc import Callable

import pytest

from tandem.core.testing import Personas, make_lead
from tandem.leads import lifecycle
from tandem.leads.models import Lead, Stage
from tandem.nurture import services
from tandem.nurture.models import EndReason, Enrolment, Sequence
from tandem.nurture.tests.conftest import NOW, STEPS, recycle

pytestmark = pytest.mark.django_db


def test_a_recycled_lead_joins_the_sequence_and_waits_for_its_first_email(
    sequence: Sequence, recycled_lead: Callable[..., Lead]
) -> None:
    lead = recycled_lead()

    [enrolment] = Enrolment.objects.filter(lead=lead)
    assert enrolment.sequence == sequence
    assert enrolment.started_at == NOW
    assert (enrolment.next_position, enrolment.next_send_at) == (1, NOW + dt.timedelta(days=1))
    assert enrolment.is_open


def test_the_first_active_sequence_for_the_leads_segment_takes_it(
    personas: Personas, recycled_lead: Callable[..., Lead]
) -> None:
    services.create_sequence(by=None, name="Off", position=1, is_active=False, steps=STEPS)
    services.create_sequence(by=None, name="SMB", position=2, segment="SMB", steps=STEPS)
    services.create_sequence(by=None, name="Empty", position=3)
    everyone = services.create_sequence(by=None, name="Everyone", position=4, steps=STEPS)
    smb = Sequence.objects.get(name="SMB")

    small, large = recycled_lead(segment="SMB", email="a@small.example"), recycled_lead()

    assert Enrolment.objects.get(lead=small).sequence == smb
    assert Enrolment.objects.get(lead=large).sequence == everyone


def test_a_lead_without_an_email_address_is_not_enrolled(
    sequence: Sequence, recycled_lead: Callable[..., Lead]
) -> None:
    lead = recycled_lead(email="")

    assert not Enrolment.objects.filter(lead=lead).exists()


def test_without_a_sequence_a_recycled_lead_just_stays_recycled(
    personas: Personas, recycled_lead: Callable[..., Lead]
) -> None:
    lead = recycled_lead()

    assert Lead.objects.get(pk=lead.pk).stage == Stage.RECYCLED
    assert not Enrolment.objects.exists()


def test_a_lead_moved_back_to_lead_leaves_the_sequence(
    sequence: Sequence, recycled_lead: Callable[..., Lead]
) -> None:
    lead = recycled_lead()

    lifecycle.change_stage(lead=lead, to_stage=Stage.LEAD, by=None, reason="Re-engaged")

    enrolment = Enrolment.objects.get(lead=lead)
    assert (enrolment.ended_at, enrolment.end_reason) == (NOW, EndReason.LEFT_RECYCLED)
    assert enrolment.next_send_at is None


def test_a_lead_recycled_again_joins_again(
    sequence: Sequence, recycled_lead: Callable[..., Lead]
) -> None:
    lead = recycled_lead()
    lifecycle.change_stage(lead=lead, to_stage=Stage.LEAD, by=None, reason="Re-engaged")
    lifecycle.change_stage(lead=lead, to_stage=Stage.MQL, by=None, reason="Scored")

    recycle(lead)

    assert Enrolment.objects.filter(lead=lead).count() == 2
    assert Enrolment.objects.filter(lead=lead, ended_at__isnull=True).count() == 1


def test_recycling_many_leads_at_once_costs_the_same_queries_as_one(
    sequence: Sequence, django_assert_num_queries: Callable[..., object]
) -> None:
    one = [make_lead(stage=Stage.MQL, email="one@example.com").pk]
    many = [make_lead(stage=Stage.MQL, email=f"lead{n}@example.com").pk for n in range(40)]

    with django_assert_num_queries(4):
        services.enrol_leads(lead_ids=one)
    with django_assert_num_queries(4):
        services.enrol_leads(lead_ids=many)

    assert Enrolment.objects.count() == 41


def test_leads_recycled_in_bulk_are_enrolled(sequence: Sequence) -> None:
    leads = [make_lead(stage=Stage.MQL, email=f"lead{n}@example.com") for n in range(5)]

    moved = lifecycle.change_stages_in_bulk(
        reasons={lead.pk: "Not now" for lead in leads},
        to_stage=Stage.RECYCLED,
        at=NOW,
        actor_label="test",
    )

    assert len(moved) == 5
    assert Enrolment.objects.filter(ended_at__isnull=True).count() == 5
