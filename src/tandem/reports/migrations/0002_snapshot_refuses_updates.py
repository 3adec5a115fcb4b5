"""A database trigger refusing any UPDATE of a report snapshot, whoever runs it.

The model and its queryset refuse updates and deletes already; the trigger also stops raw SQL
and other programs sharing the database. Deletes are left to the application (and to the
snapshots' own foreign keys), so that emptying a test or demo database still works.

On SQLite, a migration that rebuilds this table drops the trigger: recreate it in the same
migration (a test checks it is in place).
"""

from django.db import migrations

MESSAGE = "Report snapshots are never changed; take a new snapshot instead."

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER reports_reportsnapshot_no_update
    BEFORE UPDATE ON reports_reportsnapshot
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS reports_reportsnapshot_no_update"]

POSTGRESQL_FORWARD = [
    f"""
    CREATE FUNCTION reports_reportsnapshot_refuse_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{MESSAGE}'; END
    $$
    """,
    """
    CREATE TRIGGER reports_reportsnapshot_no_update
    BEFORE UPDATE ON reports_reportsnapshot
    FOR EACH ROW EXECUTE FUNCTION reports_reportsnapshot_refuse_update()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS reports_reportsnapshot_no_update ON reports_reportsnapshot",
    "DROP FUNCTION IF EXISTS reports_reportsnapshot_refuse_update()",
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_REVERSE),
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_REVERSE),
}


def _run(schema_editor, index):
    statements = STATEMENTS.get(schema_editor.connection.vendor)
    if statements is None:
        return
    for statement in statements[index]:
        schema_editor.execute(statement, params=None)


def add_trigger(apps, schema_editor):
    _run(schema_editor, 0)


def drop_trigger(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_report_snapshots")]

    operations = [migrations.RunPython(add_trigger, drop_trigger)]
