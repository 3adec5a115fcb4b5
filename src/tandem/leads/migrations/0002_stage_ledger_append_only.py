"""Make the stage ledger append-only in the database itself, not only in the ORM.

UPDATE is refused by a trigger on both databases. DELETE stays possible at the SQL level because
test databases are emptied with DELETE on SQLite; the ORM refuses it (`StageChangeQuerySet`).
"""

from django.db import migrations

SQLITE_CREATE = """
CREATE TRIGGER leads_stagechange_append_only
BEFORE UPDATE ON leads_stagechange
BEGIN
    SELECT RAISE(ABORT, 'the stage ledger is append-only');
END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS leads_stagechange_append_only;"

POSTGRES_CREATE = """
CREATE OR REPLACE FUNCTION leads_stagechange_refuse_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the stage ledger is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER leads_stagechange_append_only
BEFORE UPDATE ON leads_stagechange
FOR EACH ROW EXECUTE FUNCTION leads_stagechange_refuse_update();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS leads_stagechange_append_only ON leads_stagechange;
DROP FUNCTION IF EXISTS leads_stagechange_refuse_update();
"""


def create_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE)


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
