"""Live scoring (one lead, after each edit or event) and bulk rescoring (every lead at once, from
activity rebuilt out of the events table) give identical grades, scores and MQL decisions."""

from typing import Any

import numpy as np
import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.core.testing import make_lead
from tandem.leads import services as lead_services
from tandem.leads.models import Lead, Stage
from tandem.scoring import activity, services
from tandem.scoring.engine import Batch, Scorer
from tandem.scoring.models import LeadScore
from tandem.scoring.queries import load_batch
from tandem.scoring.tests import strategies

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    """Ends an example's transaction so the next example starts from an empty database."""


def _stored_scores() -> dict[int, tuple[Any, ...]]:
    return {
        row[0]: (*row[1:-1], np.frombuffer(bytes(row[-1]), dtype=np.float32).round(3).tolist())
        for row in LeadScore.objects.values_list(
            "lead_id", "grade", "fit_points", "score", "meets_mql", "contributions"
        )
    }


def _activate(terms: dict[str, Any]) -> AgreementVersion:
    return AgreementVersion.objects.create(
        number=1, status=VersionStatus.ACTIVE, title="Property test", content=terms
    )


def _create_leads(leads: list[dict[str, Any]], companies: list[dict[str, Any]]) -> list[Lead]:
    made = [
        lead_services.create_company(by=None, name=f"Company {n}", **fields)
        for n, fields in enumerate(companies)
    ]
    created = []
    for n, fields in enumerate(leads):
        company = fields["company"]
        created.append(
            make_lead(
                email=f"lead{n}@example.com",
                stage=fields["stage"],
                at=strategies.START,
                job_title=fields["job_title"],
                country=fields["country"],
                attributes=fields["attributes"],
                company_id=made[company].pk if company is not None else None,
            )
        )
    return created


def _record(history: list[tuple[int, dict[str, Any]]], leads: list[Lead]) -> None:
    for index, event in history:
        lead_services.record_event(lead=leads[index % len(leads)], **event)


# Random agreements, three companies, a few leads and their events, in the database.
random_examples = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
random_histories = given(
    terms=strategies.terms,
    companies=st.lists(strategies.company, min_size=3, max_size=3),
    leads=st.lists(strategies.lead, min_size=1, max_size=4),
    history=strategies.history,
)


@random_examples
@random_histories
def test_live_and_bulk_scoring_agree(
    terms: dict[str, Any],
    companies: list[dict[str, Any]],
    leads: list[dict[str, Any]],
    history: list[tuple[int, dict[str, Any]]],
) -> None:
    try:
        with time_machine.travel(strategies.NOW, tick=False), transaction.atomic():
            version = _activate(terms)
            _record(history, _create_leads(leads, companies))
            live = _stored_scores()
            live_stages = dict(Lead.objects.values_list("id", "stage"))

            activity.rebuild_activity()
            services.rescore_all(version=version)

            assert _stored_scores() == live
            for lead_id, (_, _, _, meets, _) in live.items():
                stage = live_stages[lead_id]
                assert meets is False or stage not in (Stage.INQUIRY, Stage.LEAD)
            raise Rollback
    except Rollback:
        pass


def _alone(batch: Batch, position: int) -> Batch:
    start, end = batch.offsets[position], batch.offsets[position + 1]
    return Batch(
        lead_ids=batch.lead_ids[position : position + 1],
        fields={name: values[position : position + 1] for name, values in batch.fields.items()},
        offsets=np.array([0, end - start], dtype=np.int64),
        at=batch.at[start:end],
        kinds=batch.kinds[start:end],
    )


@random_examples
@random_histories
def test_the_engine_answers_a_lead_alone_as_it_does_among_many(
    terms: dict[str, Any],
    companies: list[dict[str, Any]],
    leads: list[dict[str, Any]],
    history: list[tuple[int, dict[str, Any]]],
) -> None:
    try:
        with transaction.atomic():
            _record(history, _create_leads(leads, companies))
            version = _activate(terms)
            scorer = Scorer(version.terms)
            loaded = load_batch(fields=scorer.fit_fields)
            points = scorer.kind_points(loaded.kinds)
            moment = activity.seconds_of(strategies.NOW)
            together = scorer.evaluate(loaded.batch, points, moment)
            first = scorer.first_qualified_at(loaded.batch, points, since=0, until=moment)
            for position in range(loaded.batch.size):
                one = _alone(loaded.batch, position)
                alone = scorer.evaluate(one, points, moment)
                assert alone.grades[0] == together.grades[position]
                assert alone.scores[0] == together.scores[position]
                assert alone.meets_mql[0] == together.meets_mql[position]
                assert (
                    alone.engagement_contributions[0].tolist()
                    == together.engagement_contributions[position].tolist()
                )
                assert (
                    scorer.first_qualified_at(one, points, since=0, until=moment)[0]
                    == (first[position])
                )
            raise Rollback
    except Rollback:
        pass
