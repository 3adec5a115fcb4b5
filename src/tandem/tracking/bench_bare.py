"""The URL conf of `tandem bench ingest`'s servers: Tandem's, plus a bare tracking endpoint.

The bare endpoint is the floor the real one is measured against: served the same way (gunicorn,
Django, its middleware), it parses a batch and inserts its events into the events table with one
multi-row INSERT, with the same JSON library and time conversion as the real one, and does
nothing else — no write key, no validation, no identity or campaign
look-up, no hand-off to the pipeline. It is served only where TANDEM_URLCONF names this module,
which only the benchmark's own servers do.

When TANDEM_BENCH_PROFILE names a folder, the real batch endpoint is profiled here too: each
server process writes its cProfile file there.
"""

import atexit
import cProfile
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from tandem.core.time import now
from tandem.leads.models import Event
from tandem.tracking import views
from tandem.tracking.ingest import EVENT_COLUMNS, JSON_COLUMNS, ROWS_PER_STATEMENT, time_adapter

PROFILE_EVERY = 25
NAME_FIELDS = {"track": "event", "page": "name", "screen": "name", "group": "groupId"}


def _insert_sql(count: int) -> str:
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    marks = ", ".join(f"%s{json_cast}" if c in JSON_COLUMNS else "%s" for c in EVENT_COLUMNS)
    return (
        f"INSERT INTO {Event._meta.db_table} ({', '.join(EVENT_COLUMNS)}) "  # noqa: S608
        f"VALUES {', '.join([f'({marks})'] * count)} ON CONFLICT DO NOTHING"
    )


def _time(value: Any) -> Any:
    if not value:
        return None
    return time_adapter()(dt.datetime.fromisoformat(value))


def _dump(value: Any) -> str:
    return orjson.dumps(value or {}).decode()


@csrf_exempt
def bare_batch(request: HttpRequest) -> HttpResponse:
    """Insert a batch's events as they are, in the columns the real endpoint fills."""
    body = orjson.loads(request.body)
    source_id = int(request.GET["source"])
    received = time_adapter()(now())
    sent_at = _time(body.get("sentAt"))
    messages = body["batch"]
    with connection.cursor() as cursor:
        for start in range(0, len(messages), ROWS_PER_STATEMENT):
            chunk = messages[start : start + ROWS_PER_STATEMENT]
            params: list[Any] = []
            for message in chunk:
                kind = message["type"]
                params += (
                    None,
                    message.get("anonymousId", ""),
                    message.get("userId", ""),
                    kind,
                    message.get(NAME_FIELDS.get(kind, ""), ""),
                    _dump(message.get("properties")),
                    _dump(message.get("traits")),
                    _dump(message.get("context")),
                    None,
                    source_id,
                    message["messageId"],
                    received,
                    _time(message.get("timestamp")),
                    sent_at,
                    received,
                )
            cursor.execute(_insert_sql(len(chunk)), params)
    return JsonResponse({"success": True})


def _profiled(view: Callable[..., HttpResponse], folder: Path) -> Callable[..., HttpResponse]:
    """`view`, timed by one profiler per server process; its file is written every
    PROFILE_EVERY requests and when the process stops."""
    profiler = cProfile.Profile()
    path = folder / f"server-{os.getpid()}.prof"
    atexit.register(lambda: profiler.dump_stats(path))
    calls = 0

    @csrf_exempt
    def profiled_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        nonlocal calls
        profiler.enable()
        try:
            return view(request, *args, **kwargs)
        finally:
            profiler.disable()
            calls += 1
            if calls % PROFILE_EVERY == 0:
                profiler.dump_stats(path)

    return profiled_view


def _profiled_patterns() -> list[URLPattern]:
    folder = os.environ.get("TANDEM_BENCH_PROFILE", "")
    if not folder:
        return []
    batch = _profiled(views.batch_call, Path(folder))
    return [re_path(r"^v1/(?:batch|b)/?$", batch)]


urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/bare/batch", bare_batch, name="bench-bare-batch"),
    *_profiled_patterns(),
    path("", include("tandem.urls")),
]
