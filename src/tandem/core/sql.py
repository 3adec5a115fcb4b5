"""Pieces of plain SQL, for the few reads and writes that skip the ORM to handle a million rows."""

from collections.abc import Collection
from typing import Any

from django.db import connection


def in_list(column: str, values: Collection[Any]) -> tuple[str, list[Any]]:
    """`column` is one of `values`, as SQL and its parameters.

    PostgreSQL gets one array parameter (`= ANY(%s)`): its planner handles that better than
    thousands of separate parameters. An empty collection matches nothing on both databases.
    """
    if not values:
        return "1 = 0", []
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)
