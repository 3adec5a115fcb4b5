"""Segment's HTTP Tracking API, so the libraries people already run send to Tandem unchanged.

Every answer is JSON with Segment's error shape (`code`, `message`), which the libraries read.
Status codes follow what the libraries do with them: 400 and 401 are never retried, 429 is
retried after `Retry-After`; a permanently bad event never gets a 5xx, which a library would
retry for hours.
"""

import base64
import binascii
import zlib
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from tandem.core.http import client_address
from tandem.core.time import now
from tandem.people.queries import source_for_write_key
from tandem.tracking import ingest
from tandem.tracking.messages import (
    EVENT_TOO_LARGE,
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    MAX_EVENT_BYTES,
    EventRow,
    MessageError,
    event_size,
    parse_time,
    read_message,
)
from tandem.tracking.ratelimit import RateLimited, check_rate

SHORT_TYPES = {
    "i": "identify",
    "t": "track",
    "p": "page",
    "s": "screen",
    "g": "group",
    "a": "alias",
}

BODY_TOO_LARGE = "The request is {size:,} bytes; a {what} may be at most {limit:,} bytes."
NOT_JSON = "The body is not JSON: {detail}."
NOT_GZIP = "The body says it is gzip-compressed but is not: {detail}."
BODY_NOT_OBJECT = "The body must be a JSON object."
BATCH_NOT_LIST = "batch must be a list of events."
BATCH_TOO_LONG = "The batch has {count:,} events; a batch may have at most {limit:,}."
NO_WRITE_KEY = (
    "No write key: send it as the username of HTTP Basic authentication, or as writeKey in the "
    "body."
)
UNKNOWN_WRITE_KEY = "The write key is not one Tandem knows, or its source was revoked."
NO_EVENT_STORED = "No event of the request could be stored."
METHOD_NOT_ALLOWED = "Tracking calls are POSTed."


def _error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, **extra}, status=status)


def _allow_browsers(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Browsers on any site may call these endpoints: the write key, not the origin, is the
    credential, and it is sent without cookies."""
    response["Access-Control-Allow-Origin"] = request.headers.get("Origin", "*")
    response["Vary"] = "Origin"
    if request.method == "OPTIONS":
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", "Content-Type, Authorization"
        )
        response["Access-Control-Max-Age"] = "86400"
    return response


def _body(request: HttpRequest, limit: int, what: str) -> bytes:
    raw = request.body
    if len(raw) > limit:
        raise _Refused(
            400, "payload_too_large", BODY_TOO_LARGE.format(size=len(raw), what=what, limit=limit)
        )
    if request.headers.get("Content-Encoding", "").lower() != "gzip":
        return raw
    # Bounded, so a small compressed bomb cannot fill memory.
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(raw, limit + 1)
    except zlib.error as error:
        raise _Refused(400, "invalid_body", NOT_GZIP.format(detail=error)) from None
    if len(data) > limit or decompressor.unconsumed_tail:
        raise _Refused(
            400,
            "payload_too_large",
            BODY_TOO_LARGE.format(size=len(data), what=what, limit=limit),
        )
    return data


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _parse(data: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise _Refused(400, "invalid_json", NOT_JSON.format(detail=error)) from None
    if not isinstance(body, dict):
        raise _Refused(400, "invalid_json", BODY_NOT_OBJECT)
    return body


def write_key_of(request: HttpRequest, body: dict[str, Any]) -> str:
    """From HTTP Basic's username (password empty, colon optional), else the body's writeKey,
    else the query's (webhook style)."""
    authorization = request.headers.get("Authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        username = decoded.partition(":")[0]
        if username:
            return username
    key = body.get("writeKey")
    if isinstance(key, str) and key:
        return key
    return request.GET.get("writeKey", "")


def _read_all(
    messages: list[Any],
    *,
    type: str | None,
    request: HttpRequest,
    received_at: Any,
    sent_at: Any,
    context: dict[str, Any] | None,
    measure: bool,
) -> tuple[list[EventRow], list[dict[str, Any]]]:
    rows: list[EventRow] = []
    rejected: list[dict[str, Any]] = []
    ip = client_address(request)
    for index, message in enumerate(messages):
        try:
            # An event can be too large only when the whole request is.
            if measure and (size := event_size(message)) > MAX_EVENT_BYTES:
                raise MessageError(EVENT_TOO_LARGE.format(size=size, limit=MAX_EVENT_BYTES))
            rows.append(
                read_message(
                    message,
                    type=type,
                    received_at=received_at,
                    batch_sent_at=sent_at,
                    batch_context=context,
                    client_ip=ip,
                )
            )
        except MessageError as error:
            message_id = message.get("messageId") if isinstance(message, dict) else None
            rejected.append({"index": index, "messageId": message_id, "message": str(error)})
    return rows, rejected


def _handle(request: HttpRequest, type: str | None) -> HttpResponse:
    if request.method == "OPTIONS":
        return HttpResponse(status=204)
    if request.method != "POST":
        response = _error(405, "method_not_allowed", METHOD_NOT_ALLOWED)
        response["Allow"] = "POST, OPTIONS"
        return response
    received_at = now()
    is_batch = type is None
    limit = MAX_BATCH_BYTES if is_batch else MAX_EVENT_BYTES
    try:
        data = _body(request, limit, "batch" if is_batch else "call")
        body = _parse(data)
        key = write_key_of(request, body)
        if not key:
            raise _Refused(401, "unauthorized", NO_WRITE_KEY)
        source = source_for_write_key(key)
        if source is None:
            raise _Refused(401, "unauthorized", UNKNOWN_WRITE_KEY)
        check_rate(source.pk)
        if is_batch:
            messages = body.get("batch")
            if not isinstance(messages, list):
                raise _Refused(400, "invalid_batch", BATCH_NOT_LIST)
            if len(messages) > MAX_BATCH_EVENTS:
                raise _Refused(
                    400,
                    "batch_too_long",
                    BATCH_TOO_LONG.format(count=len(messages), limit=MAX_BATCH_EVENTS),
                )
            context = body.get("context") if isinstance(body.get("context"), dict) else None
        else:
            messages, context = [body], None
        try:
            sent_at = parse_time(body.get("sentAt"), "sentAt") if is_batch else None
        except MessageError as error:
            raise _Refused(400, "invalid_event", str(error)) from None
        rows, rejected = _read_all(
            messages,
            type=type,
            request=request,
            received_at=received_at,
            sent_at=sent_at,
            context=context,
            measure=len(data) > MAX_EVENT_BYTES,
        )
    except _Refused as refused:
        return _error(refused.status, refused.code, refused.message)
    except RateLimited as limited:
        response = _error(429, "rate_limited", str(limited))
        response["Retry-After"] = str(limited.retry_after)
        response["X-RateLimit-Reset"] = str(limited.retry_after)
        return response
    if rejected and not rows:
        message = rejected[0]["message"] if not is_batch else NO_EVENT_STORED
        return _error(400, "invalid_event", message, rejected=rejected)
    stored = ingest.store_events(source_id=source.pk, rows=rows, received_at=received_at)
    return JsonResponse(
        {
            "success": True,
            "stored": stored.stored,
            "duplicates": stored.duplicates,
            "rejected": rejected,
        }
    )


@csrf_exempt
def track_call(request: HttpRequest, type: str) -> HttpResponse:
    """`/v1/identify`, `/v1/track`, ... and the short `/v1/i`, `/v1/t`, ... of analytics.js."""
    return _allow_browsers(request, _handle(request, SHORT_TYPES.get(type, type)))


@csrf_exempt
def batch_call(request: HttpRequest) -> HttpResponse:
    """`/v1/batch`, `/v1/b` and `/b`: many calls in one request."""
    return _allow_browsers(request, _handle(request, None))


def project_settings(request: HttpRequest, write_key: str) -> HttpResponse:
    """The settings document Segment's mobile libraries fetch at start: it points them back at
    this server for sending."""
    if source_for_write_key(write_key) is None:
        return _error(404, "not_found", UNKNOWN_WRITE_KEY)
    api_host = f"{request.get_host()}/v1"
    response = JsonResponse(
        {
            "integrations": {"Segment.io": {"apiKey": write_key, "apiHost": api_host}},
            "plan": {"track": {}, "identify": {}, "group": {}},
            "edgeFunction": {},
        }
    )
    return _allow_browsers(request, response)
