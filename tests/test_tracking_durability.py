"""Nothing acknowledged is lost: the production server, killed with SIGKILL in the middle of a load
and started again, holds every acknowledged tracking event exactly once.

The server (`tandem serve --workers 2`, its pipeline worker beside it) runs in a process group of
its own against the test database. A few threads send batches as a tracking library does; the
whole group is killed while they are sending; then, like the library, the batches that got no
answer are sent again, along with some that did.
"""

import base64
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

from tandem.leads.models import Event
from tandem.people.services import create_source
from tandem.tracking.ingest import unpack_ids
from tandem.tracking.models import ReceivedBatch

BATCHES = 150
EVENTS_PER_BATCH = 50
SENDERS = 3
KILL_AFTER_ACKNOWLEDGED = 30
REPLAYED = 10
START_SECONDS = 30


def database_url() -> str:
    """The test database, as DATABASE_URL names it for the server's processes."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    credentials = f"{quote(settings['USER'] or '', safe='')}{password}@"
    return f"postgres://{credentials}{settings['HOST'] or ''}{port}/{settings['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`tandem serve --workers 2` in a process group of its own."""

    def __init__(self, port: int, log_path: Path) -> None:
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "tandem.cli", "serve", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "--workers", "2"],
                env={**os.environ, "DATABASE_URL": database_url()},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_SECONDS
        while not self._answers():
            assert self.process.poll() is None, self.log_path.read_text()
            assert time.monotonic() < deadline, self.log_path.read_text()
            time.sleep(0.1)

    def _answers(self) -> bool:
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            client.request("GET", "/v1/batch")
            return client.getresponse().status == 405
        except OSError:
            return False
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL to the server, its web workers and its pipeline worker at once."""
        if self.process is None:
            return
        group = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self.process.wait()
        self.process = None
        # The web workers and the pipeline worker are not this process's children: wait for
        # the system to reap them, so none still holds the port or the database.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


def wait_for_no_other_sessions() -> None:
    """PostgreSQL ends a killed client's session when it notices; the test database is flushed
    and dropped only once none is left."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            (others,) = cursor.fetchone()
            if not others:
                return
            time.sleep(0.1)


@pytest.fixture
def server(transactional_db: None, tmp_path: Path) -> Iterator[Server]:
    running = Server(free_port(), tmp_path / "server.log")
    yield running
    running.kill()
    wait_for_no_other_sessions()


def batch_body(index: int) -> bytes:
    events = [
        {
            "type": "page" if number % 5 else "track",
            "event": "Webinar attended",
            "name": "Pricing",
            "anonymousId": f"visitor-{index}-{number % 7}",
            "messageId": uuid.uuid4().hex,
            "properties": {"path": "/pricing", "batch": index},
        }
        for number in range(EVENTS_PER_BATCH)
    ]
    return json.dumps({"batch": events, "sentAt": "2026-06-01T12:00:00Z"}).encode()


def message_ids(body: bytes) -> list[str]:
    return [event["messageId"] for event in json.loads(body)["batch"]]


@dataclass
class Sent:
    """Each batch's answer, by batch number; a batch missing here got none."""

    answers: dict[int, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def post(client: http.client.HTTPConnection, body: bytes, write_key: str) -> dict[str, Any] | None:
    """The answer to one batch, or None when there was no 2xx answer."""
    authorization = "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
    headers = {"Content-Type": "application/json", "Authorization": authorization}
    client.request("POST", "/v1/batch", body, headers)
    response = client.getresponse()
    answer = response.read()
    return json.loads(answer) if 200 <= response.status < 300 else None


def send_until_failure(
    port: int, write_key: str, bodies: dict[int, bytes], numbers: list[int], sent: Sent
) -> None:
    """Send the batches in order; stop at the first without an answer, as a library backs off."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for number in numbers:
            try:
                answer = post(client, bodies[number], write_key)
            except (OSError, http.client.HTTPException):
                return
            if answer is None:
                return
            with sent.lock:
                sent.answers[number] = answer
    finally:
        client.close()


def load_and_kill(server: Server, write_key: str, bodies: dict[int, bytes]) -> dict[int, Any]:
    """Send every batch from SENDERS threads and kill the server mid-load; the answers."""
    sent = Sent()
    threads = [
        threading.Thread(
            target=send_until_failure,
            args=(server.port, write_key, bodies, list(range(start, BATCHES, SENDERS)), sent),
        )
        for start in range(SENDERS)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(sent.answers) < KILL_AFTER_ACKNOWLEDGED and time.monotonic() < deadline:
        time.sleep(0.005)
    server.kill()
    for thread in threads:
        thread.join()
    return dict(sent.answers)


@dataclass(frozen=True)
class Outcome:
    acknowledged_before_kill: dict[int, Any]
    answers_after_restart: dict[int, Any]
    sent_ids: list[str]


def run_kill_and_retry(server: Server) -> Outcome:
    write_key = create_source(by=None, name="Website").secret
    bodies = {number: batch_body(number) for number in range(BATCHES)}
    server.start()

    acknowledged = load_and_kill(server, write_key, bodies)

    server.start()
    unanswered = [number for number in bodies if number not in acknowledged]
    replayed = sorted(acknowledged)[:REPLAYED]
    client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    after = {number: post(client, bodies[number], write_key) for number in unanswered + replayed}
    client.close()
    sent_ids = [message for body in bodies.values() for message in message_ids(body)]
    return Outcome(acknowledged, after, sent_ids)


def test_every_acknowledged_event_is_stored_exactly_once_after_a_kill(server: Server) -> None:
    outcome = run_kill_and_retry(server)

    # The kill came in the middle of the load, and every batch was acknowledged in the end.
    assert 0 < len(outcome.acknowledged_before_kill) < BATCHES
    assert None not in outcome.answers_after_restart.values()
    stored = Counter(Event.objects.values_list("message_id", flat=True))
    assert set(stored) == set(outcome.sent_ids)
    assert set(stored.values()) == {1}


def test_a_batch_acknowledged_before_the_kill_is_answered_as_duplicates_when_resent(
    server: Server,
) -> None:
    outcome = run_kill_and_retry(server)

    resent = set(outcome.acknowledged_before_kill) & set(outcome.answers_after_restart)
    assert len(resent) == REPLAYED
    for number in resent:
        answer = outcome.answers_after_restart[number]
        assert (answer["stored"], answer["duplicates"]) == (0, EVENTS_PER_BATCH)


def test_every_stored_event_is_handed_to_the_pipeline_once_after_a_kill(server: Server) -> None:
    outcome = run_kill_and_retry(server)

    handed_over = Counter(
        event_id
        for blob in ReceivedBatch.objects.values_list("event_ids", flat=True)
        for event_id in unpack_ids(blob)
    )
    assert set(handed_over) == set(Event.objects.values_list("id", flat=True))
    assert set(handed_over.values()) == {1}
    assert len(handed_over) == len(outcome.sent_ids)
