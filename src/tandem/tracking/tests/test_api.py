"""The Segment-compatible endpoints: what they accept, store once, and refuse with a reason."""

import datetime as dt
import json
import uuid

import pytest
from django.test import Client, override_settings

from tandem.leads.models import Event
from tandem.people.services import create_source, revoke_source
from tandem.tracking import messages, views
from tandem.tracking.models import ReceivedBatch
from tandem.tracking.tests.conftest import Send

pytestmark = pytest.mark.django_db


def track(**fields: object) -> dict[str, object]:
    return {
        "type": "track",
        "event": "Viewed pricing",
        "anonymousId": "anon-1",
        "messageId": uuid.uuid4().hex,
        **fields,
    }


@pytest.mark.parametrize(
    ("path", "body", "type"),
    [
        ("/v1/track", {"event": "Signed up", "userId": "u1"}, "track"),
        ("/v1/t", {"event": "Signed up", "userId": "u1"}, "track"),
        ("/v1/identify", {"userId": "u1", "traits": {"email": "a@example.com"}}, "identify"),
        ("/v1/i", {"userId": "u1", "traits": {"email": "a@example.com"}}, "identify"),
        ("/v1/page", {"anonymousId": "a1", "name": "Pricing"}, "page"),
        ("/v1/p", {"anonymousId": "a1", "name": "Pricing"}, "page"),
        ("/v1/screen", {"anonymousId": "a1", "name": "Home"}, "screen"),
        ("/v1/s", {"anonymousId": "a1", "name": "Home"}, "screen"),
        ("/v1/group", {"userId": "u1", "groupId": "acme"}, "group"),
        ("/v1/g", {"userId": "u1", "groupId": "acme"}, "group"),
        ("/v1/alias", {"userId": "u1", "previousId": "a1"}, "alias"),
        ("/v1/a", {"userId": "u1", "previousId": "a1"}, "alias"),
    ],
)
def test_each_call_path_stores_its_event_type(send: Send, path: str, body: dict, type: str) -> None:
    response = send(path, body)
    assert response.status_code == 200, response.content
    assert response.json()["success"] is True
    assert Event.objects.get().type == type


@pytest.mark.parametrize("path", ["/v1/batch", "/v1/b", "/b"])
def test_a_batch_stores_every_event_and_queues_them_for_the_pipeline(send: Send, path: str) -> None:
    response = send(path, {"batch": [track(), track(), track()]})
    assert response.json() == {"success": True, "stored": 3, "duplicates": 0, "rejected": []}
    batch = ReceivedBatch.objects.get()
    assert (batch.event_count, batch.processed_at) == (3, None)


def test_the_body_is_read_as_json_whatever_the_content_type(write_key: str) -> None:
    body = json.dumps({"writeKey": write_key, "event": "Clicked", "anonymousId": "a1"})
    response = Client().post("/v1/t", body, content_type="text/plain")
    assert response.status_code == 200
    assert Event.objects.get().name == "Clicked"


def test_a_gzipped_batch_is_accepted(send: Send) -> None:
    response = send("/v1/batch", {"batch": [track()]}, gzipped=True)
    assert response.status_code == 200
    assert Event.objects.count() == 1


def test_the_write_key_may_come_from_the_query_string(write_key: str) -> None:
    response = Client().post(
        f"/v1/track?writeKey={write_key}",
        json.dumps({"event": "Clicked", "userId": "u1"}),
        content_type="application/json",
    )
    assert response.status_code == 200


def test_basic_auth_without_the_colon_is_accepted(write_key: str) -> None:
    import base64

    header = "Basic " + base64.b64encode(write_key.encode()).decode()
    response = Client().post(
        "/v1/track",
        json.dumps({"event": "Clicked", "userId": "u1"}),
        content_type="application/json",
        headers={"Authorization": header},
    )
    assert response.status_code == 200


def test_an_unknown_write_key_is_401_with_a_reason(send: Send) -> None:
    response = send("/v1/track", track(), key="not-a-key")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthorized", "message": views.UNKNOWN_WRITE_KEY}
    assert not Event.objects.exists()


def test_a_missing_write_key_is_401_saying_where_to_put_it(send: Send) -> None:
    response = send("/v1/track", track(), key=None)
    assert response.status_code == 401
    assert response.json()["message"] == views.NO_WRITE_KEY


def test_a_revoked_source_can_no_longer_send(db: None) -> None:
    issued = create_source(by=None, name="Old site")
    revoke_source(by=None, prefix=issued.source.prefix)
    response = Client().post(
        "/v1/track",
        json.dumps({"writeKey": issued.secret, "event": "Clicked", "userId": "u1"}),
        content_type="application/json",
    )
    assert response.status_code == 401


def test_a_replayed_batch_stores_nothing_twice(send: Send) -> None:
    batch = {"batch": [track(), track()]}
    send("/v1/batch", batch)
    response = send("/v1/batch", batch)
    assert response.json()["stored"] == 0
    assert response.json()["duplicates"] == 2
    assert Event.objects.count() == 2
    assert ReceivedBatch.objects.count() == 1


def test_the_same_message_id_from_two_sources_is_two_events(send: Send) -> None:
    other = create_source(by=None, name="App").secret
    event = track(messageId="m-1")
    send("/v1/track", event)
    send("/v1/track", event, key=other)
    assert Event.objects.count() == 2


def test_an_event_without_a_message_id_gets_one(send: Send) -> None:
    send("/v1/track", {"event": "Clicked", "userId": "u1"})
    assert len(Event.objects.get().message_id) == 32


def test_a_batch_with_one_bad_event_stores_the_others_and_reports_it(send: Send) -> None:
    bad = {"type": "track", "anonymousId": "a1", "messageId": "bad-one"}
    response = send("/v1/batch", {"batch": [track(), bad, track()]})
    assert response.status_code == 200
    assert response.json()["stored"] == 2
    assert response.json()["rejected"] == [
        {
            "index": 1,
            "messageId": "bad-one",
            "message": messages.EMPTY_FIELD.format(field="event", type="track"),
        }
    ]


def test_a_batch_of_only_bad_events_is_400(send: Send) -> None:
    response = send("/v1/batch", {"batch": [{"type": "track", "event": "x"}]})
    assert response.status_code == 400
    assert response.json()["rejected"][0]["message"] == messages.NO_IDENTITY


def test_a_single_call_without_an_identity_is_400_saying_so(send: Send) -> None:
    response = send("/v1/track", {"event": "Clicked"})
    assert response.status_code == 400
    assert response.json()["message"] == messages.NO_IDENTITY


EMPTY = messages.EMPTY_FIELD
BAD_EVENTS = [
    ({"userId": "u", "type": "jump"}, messages.UNKNOWN_TYPE.format(type="jump")),
    ({"userId": "u", "type": "group"}, EMPTY.format(field="groupId", type="group")),
    ({"userId": "u", "type": "alias"}, EMPTY.format(field="previousId", type="alias")),
    ({"userId": ["u"], "type": "page"}, messages.ID_NOT_TEXT.format(field="userId")),
    ({"userId": "u" * 101, "type": "page"}, messages.ID_TOO_LONG.format(field="userId", limit=100)),
    (
        {"userId": "u", "type": "page", "properties": []},
        messages.NOT_AN_OBJECT_FIELD.format(field="properties"),
    ),
    (
        {"userId": "u", "type": "page", "timestamp": "yesterday"},
        messages.NOT_A_TIME.format(field="timestamp", value="yesterday"),
    ),
    ("not an event", messages.NOT_AN_OBJECT),
]


@pytest.mark.parametrize(("event", "message"), BAD_EVENTS)
def test_a_bad_event_is_reported_with_what_is_wrong(
    send: Send, event: object, message: str
) -> None:
    response = send("/v1/batch", {"batch": [event]})
    assert response.json()["rejected"][0]["message"] == message


def test_a_body_that_is_not_json_is_400_saying_so(send: Send) -> None:
    response = send("/v1/track", b"{not json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"
    assert response.json()["message"].startswith("The body is not JSON")


def test_a_batch_that_is_not_a_list_is_400(send: Send) -> None:
    response = send("/v1/batch", {"batch": {"type": "track"}})
    assert (response.status_code, response.json()["message"]) == (400, views.BATCH_NOT_LIST)


def test_a_call_over_32_kb_is_400(send: Send) -> None:
    response = send("/v1/track", track(properties={"blob": "x" * 33_000}))
    assert response.status_code == 400
    assert response.json()["code"] == "payload_too_large"


def test_a_batch_over_500_kb_is_400(send: Send) -> None:
    events = [track(properties={"blob": "x" * 20_000}) for _ in range(26)]
    response = send("/v1/batch", {"batch": events})
    assert response.status_code == 400
    assert response.json()["code"] == "payload_too_large"
    assert not Event.objects.exists()


def test_one_event_over_32_kb_in_a_batch_is_rejected_alone(send: Send) -> None:
    big = track(properties={"blob": "x" * 33_000}, messageId="big")
    response = send("/v1/batch", {"batch": [track(), big]})
    assert response.json()["stored"] == 1
    assert response.json()["rejected"][0]["messageId"] == "big"


def test_a_batch_of_more_than_2500_events_is_400(send: Send) -> None:
    events = [{"type": "page", "anonymousId": "a"}] * 2_501
    response = send("/v1/batch", {"batch": events})
    assert response.status_code == 400
    assert response.json()["message"] == views.BATCH_TOO_LONG.format(count=2_501, limit=2_500)


def test_a_gzip_bomb_is_refused(send: Send) -> None:
    import gzip

    bomb = gzip.compress(b'{"batch": [' + b" " * 5_000_000 + b"]}")
    response = send("/v1/batch", bomb, key=None, Content_Encoding="gzip")
    assert response.status_code == 400


@override_settings(TRACKING_RATE_LIMIT=2)
def test_over_the_rate_limit_the_answer_is_429_with_retry_after(send: Send) -> None:
    from django.core.cache import cache

    cache.clear()
    statuses = [send("/v1/track", track()).status_code for _ in range(4)]
    response = send("/v1/track", track())
    assert 429 in statuses
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert response["X-RateLimit-Reset"] == "1"


def test_browsers_on_any_site_may_call(send: Send) -> None:
    preflight = Client().options(
        "/v1/t",
        headers={
            "Origin": "https://www.example.com",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "https://www.example.com"
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    response = send("/v1/track", track(), Origin="https://www.example.com")
    assert response["Access-Control-Allow-Origin"] == "https://www.example.com"


def test_a_get_is_405(db: None) -> None:
    response = Client().get("/v1/track")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_all_four_times_are_kept_and_the_device_clock_skew_corrected(send: Send) -> None:
    # The device's clock is an hour fast: it says it sent at 12:00:05 what happened at 12:00:00.
    response = send(
        "/v1/batch",
        {
            "batch": [track(timestamp="2026-11-22T12:00:00+00:00")],
            "sentAt": "2026-11-22T12:00:05+00:00",
        },
    )
    assert response.status_code == 200
    event = Event.objects.get()
    assert event.original_timestamp == dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
    assert event.sent_at == dt.datetime(2026, 11, 22, 12, 0, 5, tzinfo=dt.UTC)
    assert event.occurred_at == event.received_at - dt.timedelta(seconds=5)


def test_a_historical_timestamp_without_sent_at_is_kept_as_it_is(send: Send) -> None:
    send("/v1/track", track(timestamp="2025-01-02T03:04:05Z"))
    assert Event.objects.get().occurred_at == dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def test_batch_context_is_merged_into_each_event(send: Send) -> None:
    send(
        "/v1/batch",
        {
            "batch": [track(context={"page": {"url": "https://x.example/a"}})],
            "context": {"library": {"name": "analytics-python"}},
        },
    )
    context = Event.objects.get().context
    assert context["library"] == {"name": "analytics-python"}
    assert context["page"] == {"url": "https://x.example/a"}
    assert context["ip"] == "127.0.0.1"


def test_mobile_libraries_get_a_settings_document_pointing_back_here(write_key: str) -> None:
    response = Client().get(f"/v1/projects/{write_key}/settings")
    assert response.json()["integrations"]["Segment.io"]["apiHost"] == "testserver/v1"
    assert Client().get("/v1/projects/nope/settings").status_code == 404
