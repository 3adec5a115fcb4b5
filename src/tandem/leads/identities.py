"""Who an event belongs to: the ids tracking clients know people by, and stitching.

A browser or app sends an anonymous id from the first visit; once the person is identified
(`identify`, a form, `alias`), their ids are linked to a lead and every earlier event with
those ids is attached to it. An anonymous id belongs to the first lead it is linked to: on a
shared computer later people are told apart by their user ids, which decide first.

Writes here run inside the tracking pipeline's transaction, which scores the leads after.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from django.db import connection

from tandem.core.sql import in_list
from tandem.core.time import now
from tandem.leads.models import Event, Identity, IdentityKind

ANONYMOUS = IdentityKind.ANONYMOUS.value
USER = IdentityKind.USER.value

IdentityKey = tuple[str, str]


def keys_of(*, user_id: str, anonymous_id: str) -> list[IdentityKey]:
    """The identity keys of an event, the user id first."""
    keys = []
    if user_id:
        keys.append((USER, user_id))
    if anonymous_id:
        keys.append((ANONYMOUS, anonymous_id))
    return keys


def known_leads(keys: Collection[IdentityKey]) -> dict[IdentityKey, int]:
    """The lead of each identity among `keys` that has one."""
    if not keys:
        return {}
    # Both columns of the unique index, so both databases search it instead of scanning.
    kinds, kind_params = in_list("kind", sorted({kind for kind, _ in keys}))
    values, value_params = in_list("value", sorted({value for _, value in keys}))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, value, lead_id FROM {Identity._meta.db_table} "  # noqa: S608
            f"WHERE {kinds} AND {values} AND lead_id IS NOT NULL",
            [*kind_params, *value_params],
        )
        return {(kind, value): lead for kind, value, lead in cursor.fetchall()}


def lead_of(keys: Iterable[IdentityKey], leads: dict[IdentityKey, int]) -> int | None:
    for key in keys:
        lead = leads.get(key)
        if lead is not None:
            return lead
    return None


@dataclass
class Stitched:
    """What linking ids did: events newly attached to leads, by event id."""

    events: dict[int, int] = field(default_factory=dict)

    def add(self, event_ids: Iterable[int], lead_id: int) -> None:
        for event_id in event_ids:
            self.events[event_id] = lead_id


def link(key: IdentityKey, lead_id: int, stitched: Stitched) -> int:
    """Link an id to a lead unless it already belongs to one; returns the lead it belongs to.

    Linking attaches the id's earlier unattached events to the lead, and an alias waiting for
    this user id brings its own ids and events along.
    """
    return link_many({key: lead_id}, stitched)[key]


def link_many(links: Mapping[IdentityKey, int], stitched: Stitched) -> dict[IdentityKey, int]:
    """`link` for many ids at once, each to its lead, in a few statements whatever their
    number; returns the lead each id belongs to. An id that already has a lead keeps it."""
    if not links:
        return {}
    table = Identity._meta.db_table
    stamp = connection.ops.adapt_datetimefield_value(now())
    rows = list(links.items())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (kind, value, lead_id, same_as_user_id, created_at) "  # noqa: S608
            f"VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(rows))} "
            "ON CONFLICT (kind, value) DO UPDATE SET lead_id = excluded.lead_id "
            f"WHERE {table}.lead_id IS NULL RETURNING kind, value",
            [param for (kind, value), lead in rows for param in (kind, value, lead, "", stamp)],
        )
        claimed = {(kind, value) for kind, value in cursor.fetchall()}
    owners = {key: lead for key, lead in links.items() if key in claimed}
    owners.update(known_leads([key for key in links if key not in claimed]))
    for kind in (USER, ANONYMOUS):
        newly = {
            value: lead
            for (of, value), lead in owners.items()
            if of == kind and (of, value) in claimed
        }
        _attach_many(kind, newly, stitched)
    waiting = Identity.objects.filter(
        same_as_user_id__in=[value for kind, value in claimed if kind == USER], lead__isnull=True
    ).values_list("kind", "value", "same_as_user_id")
    aliases = {(kind, value): owners[(USER, user_id)] for kind, value, user_id in waiting}
    owners.update(link_many(aliases, stitched))
    return owners


def _attach_many(kind: str, leads: Mapping[str, int], stitched: Stitched) -> None:
    """Attach the unattached events of many ids of one kind to their leads, in one statement."""
    if not leads:
        return
    column = "user_id" if kind == USER else "anonymous_id"
    # Each condition repeats its partial index's own, word for word: SQLite uses a partial
    # index only for a query whose WHERE contains the index's own terms.
    condition = f"{column} IN ({', '.join(['%s'] * len(leads))})"
    condition += " AND NOT (user_id = '')" if kind == USER else ""
    cases = " ".join(["WHEN %s THEN %s"] * len(leads))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Event._meta.db_table} SET lead_id = CASE {column} {cases} END "  # noqa: S608
            f"WHERE {condition} AND lead_id IS NULL RETURNING id, lead_id",
            [*(param for pair in leads.items() for param in pair), *leads],
        )
        for event_id, lead_id in cursor.fetchall():
            stitched.events[event_id] = lead_id


def alias(*, user_id: str, previous_id: str, stitched: Stitched) -> int | None:
    """`previous_id` (an anonymous id or an earlier user id) is the same person as `user_id`.

    Returns the lead both now belong to, or None while neither has one: the alias then waits
    for `user_id` to be identified. When each already belongs to a different lead, nothing is
    merged: two known people are never joined by a tracking call.
    """
    previous_keys = [(USER, previous_id), (ANONYMOUS, previous_id)]
    leads = known_leads([(USER, user_id), *previous_keys])
    user_lead = leads.get((USER, user_id))
    previous_lead = lead_of(previous_keys, leads)
    if user_lead is not None and previous_lead is not None:
        return user_lead
    if user_lead is None and previous_lead is None:
        Identity.objects.get_or_create(
            kind=ANONYMOUS,
            value=previous_id,
            defaults={"same_as_user_id": user_id, "created_at": now()},
        )
        return None
    lead_id = user_lead if user_lead is not None else previous_lead
    assert lead_id is not None  # noqa: S101 (one of the two is set, by the branches above)
    link((USER, user_id), lead_id, stitched)
    link((ANONYMOUS, previous_id), lead_id, stitched)
    # An earlier user id's events carry it as user_id.
    _attach_many(USER, {previous_id: lead_id}, stitched)
    return lead_id
