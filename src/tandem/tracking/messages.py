"""Segment's messages read into the rows Tandem stores, with a plain sentence for what is wrong.

The protocol is Segment's HTTP Tracking API, as its own libraries and RudderStack's send it:
`docs/tracking.md` lists what is accepted. Parsing is strict about what Tandem relies on (ids,
the event's name, times, the shapes of `properties`, `traits` and `context`) and lenient about
the rest, which is kept or ignored but never refused, so a library's new field cannot lose
events.
"""

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from tandem.leads.models import EventType

MAX_EVENT_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
MAX_BATCH_EVENTS = 2_500
MAX_ID_LENGTH = 100
MAX_NAME_LENGTH = 200

# The message types a client may send, by the name in `type` or the path.
MESSAGE_TYPES = frozenset({"identify", "track", "page", "screen", "group", "alias"})

NOT_AN_OBJECT = "Each event must be a JSON object."
UNKNOWN_TYPE = "type must be one of identify, track, page, screen, group or alias, not {type!r}."
NO_IDENTITY = "An event needs a userId or an anonymousId (no_user_anon_id)."
ID_NOT_TEXT = "{field} must be a string or a number."
ID_TOO_LONG = "{field} is longer than {limit} characters."
EMPTY_FIELD = "{field} is required for a {type} call."
NOT_A_TIME = "{field} is not an ISO-8601 time: {value!r}."
NOT_AN_OBJECT_FIELD = "{field} must be a JSON object."
NAME_NOT_TEXT = "{field} must be a string."
NAME_TOO_LONG = "{field} is longer than {limit} characters."
EVENT_TOO_LARGE = "The event is {size:,} bytes; an event may be at most {limit:,} bytes."


class MessageError(ValueError):
    """A message that can never be stored as it is; the sentence says why."""


@dataclass(frozen=True, slots=True)
class EventRow:
    """One event as it is stored, before it is attached to a lead."""

    type: str
    name: str
    anonymous_id: str
    user_id: str
    message_id: str
    properties: dict[str, Any]
    traits: dict[str, Any]
    context: dict[str, Any]
    occurred_at: dt.datetime
    original_timestamp: dt.datetime | None
    sent_at: dt.datetime | None


def parse_time(value: Any, field: str) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MessageError(NOT_A_TIME.format(field=field, value=value))
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise MessageError(NOT_A_TIME.format(field=field, value=value[:40])) from None
    # A time without a zone is read as UTC, as Segment does.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def occurred_at(
    *, original: dt.datetime | None, sent_at: dt.datetime | None, received_at: dt.datetime
) -> dt.datetime:
    """When the event happened by the server's clock: `receivedAt - (sentAt - originalTimestamp)`
    corrects a device whose clock is wrong. Without `sentAt` the given time is taken as it is
    (historical imports); without any time, the time it arrived."""
    if original is None:
        return received_at
    if sent_at is None:
        return original
    corrected = received_at - (sent_at - original)
    # A message cannot have happened after it arrived; a device claiming so gets arrival time.
    return min(corrected, received_at)


def _identifier(message: Mapping[str, Any], field: str) -> str:
    value = message.get(field)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MessageError(ID_NOT_TEXT.format(field=field))
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_ID_LENGTH:
        raise MessageError(ID_TOO_LONG.format(field=field, limit=MAX_ID_LENGTH))
    return text


def _name(message: Mapping[str, Any], field: str) -> str:
    value = message.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MessageError(NAME_NOT_TEXT.format(field=field))
    if len(value) > MAX_NAME_LENGTH:
        raise MessageError(NAME_TOO_LONG.format(field=field, limit=MAX_NAME_LENGTH))
    return value


def _object(message: Mapping[str, Any], field: str) -> dict[str, Any]:
    value = message.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MessageError(NOT_AN_OBJECT_FIELD.format(field=field))
    return value


def event_size(message: Any) -> int:
    return len(orjson.dumps(message))


def read_message(
    message: Any,
    *,
    type: str | None,
    received_at: dt.datetime,
    batch_sent_at: dt.datetime | None = None,
    batch_context: Mapping[str, Any] | None = None,
    client_ip: str = "",
) -> EventRow:
    """The row to store for one message; `type` is the path's when the path names one.

    Raises MessageError when the message cannot be stored.
    """
    if not isinstance(message, dict):
        raise MessageError(NOT_AN_OBJECT)
    kind = type or message.get("type")
    if kind not in MESSAGE_TYPES:
        raise MessageError(UNKNOWN_TYPE.format(type=kind))
    user_id = _identifier(message, "userId")
    anonymous_id = _identifier(message, "anonymousId")
    if not user_id and not anonymous_id:
        raise MessageError(NO_IDENTITY)
    message_id = _identifier(message, "messageId") or uuid.uuid4().hex
    context = _object(message, "context")
    if batch_context:
        context = {**batch_context, **context}
    if client_ip and "ip" not in context:
        context = {**context, "ip": client_ip}
    properties = _object(message, "properties")
    traits: dict[str, Any] = {}
    name = ""
    if kind == "track":
        name = _name(message, "event")
        if not name:
            raise MessageError(EMPTY_FIELD.format(field="event", type=kind))
    elif kind in ("page", "screen"):
        name = _name(message, "name")
    elif kind == "identify":
        # Older libraries put traits under context.
        traits = _object(message, "traits") or _object(context, "traits")
    elif kind == "group":
        name = _identifier(message, "groupId")
        if not name:
            raise MessageError(EMPTY_FIELD.format(field="groupId", type=kind))
        traits = _object(message, "traits")
    elif kind == "alias":
        name = _identifier(message, "previousId")
        if not name:
            raise MessageError(EMPTY_FIELD.format(field="previousId", type=kind))
        if not user_id:
            raise MessageError(EMPTY_FIELD.format(field="userId", type=kind))
    original = parse_time(message.get("originalTimestamp"), "originalTimestamp") or parse_time(
        message.get("timestamp"), "timestamp"
    )
    sent_at = parse_time(message.get("sentAt"), "sentAt") or batch_sent_at
    return EventRow(
        type=EventType(kind).value,
        name=name,
        anonymous_id=anonymous_id,
        user_id=user_id,
        message_id=message_id,
        properties=properties,
        traits=traits,
        context=context,
        occurred_at=occurred_at(original=original, sent_at=sent_at, received_at=received_at),
        original_timestamp=original,
        sent_at=sent_at,
    )
