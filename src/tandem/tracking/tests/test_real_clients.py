"""The tracking libraries people run, unchanged, sending to Tandem over real HTTP.

Each library is pointed at a live server on loopback and sends what a website's backend sends
for one visitor: a page and a track call while anonymous, then identify with the user id, the
anonymous id and an email. The pipeline then runs as the worker would.
"""

import base64
import gzip
import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import rudderstack.analytics as rudder_analytics
import segment.analytics.request
from pytest_django.live_server_helper import LiveServer
from segment.analytics import Client as SegmentClient

from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.starter import STARTER_TERMS
from tandem.leads.models import Event, Identity, Lead
from tandem.people.services import create_source
from tandem.scoring.models import LeadScore
from tandem.tracking.models import ReceivedBatch
from tandem.tracking.pipeline import process_pending

pytestmark = pytest.mark.usefixtures("transactional_db")

ANONYMOUS_ID = "anon-7f3c"
USER_ID = "user-1042"
EMAIL = "ada@example.com"


@dataclass
class Journey:
    """What one library sent for the visitor, and what it saw of its requests."""

    # The message id the library gave each call, by call type, as it went over the wire.
    message_ids: dict[str, str] = field(default_factory=dict)
    # Everything the library handed to its on_error callback.
    errors: list[Exception] = field(default_factory=list)
    # (status, Content-Encoding) of each request the library made.
    answers: list[tuple[int, str]] = field(default_factory=list)

    def on_error(self, error: Exception, batch: list[dict[str, Any]]) -> None:
        self.errors.append(error)

    def record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        encoding = str(response.request.headers.get("Content-Encoding", ""))
        self.answers.append((response.status_code, encoding))
        body = response.request.body
        assert isinstance(body, bytes)
        sent = json.loads(gzip.decompress(body) if encoding == "gzip" else body)
        self.message_ids |= {call["type"]: call["messageId"] for call in sent["batch"]}


def _visit_with_segment(url: str, key: str, journey: Journey) -> None:
    client = SegmentClient(write_key=key, host=url, gzip=True, on_error=journey.on_error)
    client.page(
        anonymous_id=ANONYMOUS_ID,
        name="Pricing",
        properties={"path": "/pricing", "url": "https://www.example.com/pricing"},
    )
    client.track(anonymous_id=ANONYMOUS_ID, event="Webinar attended")
    client.identify(
        user_id=USER_ID,
        anonymous_id=ANONYMOUS_ID,
        traits={"email": EMAIL, "firstName": "Ada", "lastName": "Lovelace", "plan": "pro"},
    )
    client.flush()
    client.join()


def _visit_with_rudderstack(url: str, key: str, journey: Journey) -> None:
    # Configured the way its documentation shows: module settings, then module calls. The
    # module keeps one client, which this visit creates and shuts down.
    rudder_analytics.write_key = key
    rudder_analytics.dataPlaneUrl = url
    rudder_analytics.gzip = True
    rudder_analytics.on_error = journey.on_error
    rudder_analytics.default_client = None
    rudder_analytics.page(
        anonymous_id=ANONYMOUS_ID,
        name="Pricing",
        properties={"path": "/pricing", "url": "https://www.example.com/pricing"},
    )
    rudder_analytics.track(anonymous_id=ANONYMOUS_ID, event="Webinar attended")
    rudder_analytics.identify(
        user_id=USER_ID,
        anonymous_id=ANONYMOUS_ID,
        traits={"email": EMAIL, "firstName": "Ada", "lastName": "Lovelace", "plan": "pro"},
    )
    rudder_analytics.shutdown()


LIBRARIES: dict[str, tuple[Callable[[str, str, Journey], None], requests.Session]] = {
    "segment-analytics-python": (_visit_with_segment, segment.analytics.request._session),
    "rudder-sdk-python": (_visit_with_rudderstack, rudder_analytics.request._session),
}


@pytest.fixture
def agreement() -> AgreementVersion:
    return AgreementVersion.objects.create(
        number=1, status=VersionStatus.ACTIVE, title="v1", content=STARTER_TERMS
    )


@pytest.fixture
def source_key() -> str:
    return create_source(by=None, name="Website backend").secret


@pytest.fixture(params=sorted(LIBRARIES))
def journey(
    request: pytest.FixtureRequest,
    live_server: LiveServer,
    source_key: str,
    agreement: AgreementVersion,
    monkeypatch: pytest.MonkeyPatch,
) -> Journey:
    """The visitor's calls, sent by one library and processed by the pipeline."""
    visit, session = LIBRARIES[request.param]
    journey = Journey()
    # A response hook only watches the library's own HTTP session; it changes nothing sent.
    monkeypatch.setitem(session.hooks, "response", [journey.record])
    # RudderStack's visit configures its module; monkeypatch puts the module back afterwards.
    for name in ("write_key", "dataPlaneUrl", "gzip", "on_error", "default_client"):
        monkeypatch.setattr(rudder_analytics, name, getattr(rudder_analytics, name))
    visit(live_server.url, source_key, journey)
    # The library keeps its connection alive, and with it the server thread that answers it and
    # that thread's database connection, which would outlive the test database.
    session.close()
    while process_pending().events:
        pass
    return journey


def test_identify_creates_the_lead_with_its_traits(journey: Journey) -> None:
    lead = Lead.objects.get()

    assert (lead.email, lead.first_name, lead.last_name) == (EMAIL, "Ada", "Lovelace")
    assert lead.attributes == {"plan": "pro"}
    assert set(Identity.objects.values_list("kind", "value", "lead")) == {
        ("user", USER_ID, lead.pk),
        ("anonymous", ANONYMOUS_ID, lead.pk),
    }


def test_the_anonymous_calls_are_stitched_to_the_lead_under_the_librarys_message_ids(
    journey: Journey,
) -> None:
    lead = Lead.objects.get()

    stored = dict(Event.objects.values_list("type", "message_id"))
    assert stored == journey.message_ids
    assert set(stored) == {"page", "track", "identify"}
    assert set(Event.objects.values_list("lead", flat=True)) == {lead.pk}


def test_the_lead_is_scored_under_the_active_agreement(
    journey: Journey, agreement: AgreementVersion
) -> None:
    score = LeadScore.objects.get(lead=Lead.objects.get())

    # The pricing page (10), a page read (2) and the webinar (15), not yet decayed.
    assert (score.version, score.score) == (agreement, 27)


def test_every_request_was_gzipped_and_accepted(journey: Journey) -> None:
    assert journey.answers
    assert set(journey.answers) == {(200, "gzip")}
    assert journey.errors == []


def test_every_call_was_processed(journey: Journey) -> None:
    assert not ReceivedBatch.objects.filter(processed_at__isnull=True).exists()


def _post_batch(url: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 (the live server's own http URL)
        f"{url}/v1/batch",
        data=gzip.compress(json.dumps(body).encode()),
        headers={
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode(),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        answer: dict[str, Any] = json.load(response)
        return answer


def test_a_batch_sent_twice_is_stored_once(live_server: LiveServer, source_key: str) -> None:
    body = {
        "batch": [
            {"type": "page", "anonymousId": ANONYMOUS_ID, "messageId": f"replay-{n}"}
            for n in range(3)
        ],
        "sentAt": "2026-05-04T10:00:00Z",
    }
    first = _post_batch(live_server.url, source_key, body)

    second = _post_batch(live_server.url, source_key, body)

    assert (first["stored"], first["duplicates"]) == (3, 0)
    assert (second["stored"], second["duplicates"]) == (0, 3)
    assert Event.objects.count() == 3
    assert ReceivedBatch.objects.count() == 1
