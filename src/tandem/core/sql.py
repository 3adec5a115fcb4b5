"""Pieces of plain SQL, for the few reads and writes that skip the ORM to handle a million rows."""

from collections.abc import Collection, Sequence
from typing import Any

from django.db import connection, models


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


# Parameters per statement, within SQLite's limit of 32,766.
MAX_PARAMETERS = 30_000


def update_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Set `fields` of many rows, each row its values then its primary key, in one statement
    per few thousand rows (`UPDATE … FROM (VALUES …)`).

    Where the same statement run once per row would be parsed and planned once per row by
    PostgreSQL, which for thousands of rows costs more than the updates.
    """
    if not rows:
        return
    table = model._meta.db_table
    columns: list[Any] = [model._meta.get_field(name) for name in fields]
    key = model._meta.pk
    assert key is not None  # noqa: S101 (every model has a primary key)

    def cast(field: Any) -> str:
        # PostgreSQL types a VALUES list from its contents: parameters need their column's.
        if connection.vendor != "postgresql":
            return "%s"
        return f"CAST(%s AS {field.cast_db_type(connection)})"

    one = "(" + ", ".join(cast(field) for field in [*columns, key]) + ")"
    assignments = ", ".join(
        f"{field.column} = v.column{position}" for position, field in enumerate(columns, 1)
    )
    prepared = [*columns, key]
    per_statement = max(1, MAX_PARAMETERS // len(prepared))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([one] * len(chunk))}) "  # noqa: S608
                f"AS v WHERE {table}.{key.column} = v.column{len(columns) + 1}",
                [
                    field.get_db_prep_save(value, connection)
                    for row in chunk
                    for field, value in zip(prepared, row, strict=True)
                ],
            )


def analyze() -> None:
    """Measure every table for the query planner. Both databases plan by table statistics and
    guess without them; run after loads that write many rows at once."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def refresh_statistics() -> None:
    """Keep the query planner's statistics fresh as tables grow: SQLite's own `PRAGMA
    optimize` analyzes the tables whose statistics are missing or out of date (PostgreSQL's
    autovacuum does the same by itself)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
