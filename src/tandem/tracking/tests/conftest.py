"""Fixtures for the tracking tests: a source with its write key, and calls sent as a library
sends them."""

import base64
import gzip
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tandem.people.services import create_source
from tandem.tracking.pipeline import process_pending


@pytest.fixture
def write_key(db: None) -> str:
    return create_source(by=None, name="Website").secret


def basic_auth(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


Send = Callable[..., Any]


@pytest.fixture
def send(write_key: str) -> Send:
    """`send("/v1/track", {...})`: POST a call authenticated with HTTP Basic, as
    segment-analytics-python does; `key=` overrides the write key, `gzipped=True` compresses."""
    client = Client()

    def post(
        path: str,
        body: Any,
        *,
        key: str | None = write_key,
        gzipped: bool = False,
        content_type: str = "application/json",
        **headers: str,
    ) -> Any:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        if gzipped:
            data = gzip.compress(data)
            headers["Content-Encoding"] = "gzip"
        if key is not None:
            headers["Authorization"] = basic_auth(key)
        return client.post(path, data, content_type=content_type, headers=headers)

    return post


@pytest.fixture
def processed() -> Callable[[], Any]:
    """Run the pipeline until nothing is pending, as the worker would."""

    def run() -> None:
        while process_pending().events:
            pass

    return run
