"""The pipeline scores leads live, many per run; rescoring everyone from activity rebuilt out of
the events table must give the same grades, scores and MQL decisions, whatever the events and
however the runs fall."""

from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.people.services import create_source
from tandem.scoring import activity, services
from tandem.scoring.models import LeadActivity
from tandem.scoring.tests import strategies
from tandem.scoring.tests.test_live_and_bulk_agree import Rollback, _create_leads, _stored_scores
from tandem.tracking.pipeline import process_pending
from tandem.tracking.tests.conftest import basic_auth

pytestmark = pytest.mark.django_db

# What the tracking API carries of the scoring strategies' events: pages and actions.
tracked_event = st.one_of(
    st.builds(
        strategies._event,
        st.just("page"),
        st.sampled_from(strategies.PATHS),
        st.integers(90 * 86_400, 151 * 86_400),
    ),
    st.builds(
        strategies._event,
        st.just("track"),
        st.sampled_from(strategies.TRACK_NAMES),
        st.integers(90 * 86_400, 151 * 86_400),
    ),
)
# Who each event is by: one of the known leads, or one of two visitors identified at the end.
tracked_history = st.lists(st.tuples(st.integers(0, 5), tracked_event), max_size=30)


def _call(person: str, event: dict[str, Any]) -> dict[str, Any]:
    call: dict[str, Any] = {
        "type": event["type"],
        "anonymousId": person,
        "properties": event["properties"],
        "timestamp": event["occurred_at"].isoformat(),
    }
    if event["type"] == "track":
        call["event"] = event["name"]
    return call


def _send(client: Client, calls: list[dict[str, Any]], run_size: int) -> None:
    for start in range(0, len(calls), 7):
        response = client.post(
            "/v1/batch", {"batch": calls[start : start + 7]}, content_type="application/json"
        )
        assert response.status_code == 200, response.content
    while process_pending(max_events=run_size).events:
        pass


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    terms=strategies.terms,
    companies=st.lists(strategies.company, min_size=3, max_size=3),
    leads=st.lists(strategies.lead, min_size=4, max_size=4),
    history=tracked_history,
    run_size=st.integers(1, 40),
)
def test_the_pipeline_scores_as_rescoring_everyone_does(
    terms: dict[str, Any],
    companies: list[dict[str, Any]],
    leads: list[dict[str, Any]],
    history: list[tuple[int, dict[str, Any]]],
    run_size: int,
) -> None:
    try:
        with time_machine.travel(strategies.NOW, tick=False), transaction.atomic():
            version = AgreementVersion.objects.create(
                number=1, status=VersionStatus.ACTIVE, title="Property test", content=terms
            )
            known = _create_leads(leads, companies)
            client = Client(
                headers={"Authorization": basic_auth(create_source(by=None, name="Site").secret)}
            )
            people = [f"known-{n}" for n in range(len(known))] + ["visitor-a", "visitor-b"]
            identify = [
                {"type": "identify", "anonymousId": person, "traits": {"email": lead.email}}
                for person, lead in zip(people, known, strict=False)
            ]
            _send(client, identify, run_size)
            _send(client, [_call(people[who], event) for who, event in history], run_size)
            signups = [
                {
                    "type": "identify",
                    "anonymousId": person,
                    "traits": {"email": f"{person}@example.com"},
                }
                for person in ("visitor-a", "visitor-b")
            ]
            _send(client, signups, run_size)
            live = _stored_scores()
            live_activity = dict(LeadActivity.objects.values_list("lead_id", "events"))

            activity.rebuild_activity()
            services.rescore_all(version=version)

            assert dict(LeadActivity.objects.values_list("lead_id", "events")) == live_activity
            assert _stored_scores() == live
            raise Rollback
    except Rollback:
        pass
