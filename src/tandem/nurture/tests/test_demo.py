"""The demo's nurture: one sequence, and the recycled leads already in the data enrolled."""

from collections.abc import Callable

import pytest

from tandem.core.demo.nurture import NAME, write_nurture
from tandem.leads.models import Lead
from tandem.nurture.models import Enrolment, Sequence

pytestmark = pytest.mark.django_db


def test_the_demo_enrols_the_leads_recycled_before_its_sequence_existed(
    recycled_lead: Callable[..., Lead],
) -> None:
    lead = recycled_lead()

    enrolled = write_nurture()

    sequence = Sequence.objects.get()
    assert (sequence.name, sequence.is_active, sequence.steps.count()) == (NAME, True, 3)
    assert enrolled == 1
    assert Enrolment.objects.get().lead == lead


def test_writing_the_demo_again_changes_nothing(recycled_lead: Callable[..., Lead]) -> None:
    recycled_lead()
    write_nurture()

    enrolled = write_nurture()

    assert enrolled == 0
    assert (Sequence.objects.count(), Enrolment.objects.count()) == (1, 1)
