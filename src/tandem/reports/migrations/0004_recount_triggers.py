"""Database triggers queueing a lead for `reports.rollups` whenever something its share of the
dashboard's rollups depends on changes: a stage reached, the lead's company, owner, source,
landing pages or campaigns, the lead itself deleted, one of its deals, handoffs or rejections,
its company's segment, the team of its owner or of the reps it was handed to. Triggers see every
writer: the services, bulk statements, raw SQL.

Every lead already stored is queued, so the first recount (the worker's, or the first read of
the dashboard; a rebuild when the queue is long) counts them all.

On SQLite, a migration that rebuilds one of these tables drops its triggers: recreate them in
the same migration (`reports/tests/test_rollups.py` checks they are all in place).
"""

from django.db import migrations

QUEUE = "reports_leadtorecount"
LEAD_FIELDS = (
    "company_id",
    "owner_id",
    "source",
    "landing_page",
    "last_touch_landing_page",
    "first_touch_campaign_id",
    "last_touch_campaign_id",
)
DEAL_FIELDS = ("lead_id", "stage", "amount", "currency", "closed_on")
ASSIGNMENT_FIELDS = (
    "lead_id",
    "rep_id",
    "assigned_at",
    "accept_by",
    "decision",
    "first_touch_at",
    "accept_breached_at",
    "touch_breached_at",
)
REJECTION_FIELDS = ("lead_id", "rep_id", "at", "reason_code", "reason_label")
# Tables whose rows belong to one lead (`lead_id`), and the columns the rollups read.
LEAD_ROWS = {
    "deal": ("leads_deal", DEAL_FIELDS),
    "assignment": ("handoff_assignment", ASSIGNMENT_FIELDS),
    "rejection": ("handoff_rejection", REJECTION_FIELDS),
}
TRIGGERS = {
    "reports_recount_reach": "leads_stagereach",
    "reports_recount_lead_update": "leads_lead",
    "reports_recount_lead_delete": "leads_lead",
    **{
        f"reports_recount_{kind}_{when}": table
        for kind, (table, _) in LEAD_ROWS.items()
        for when in ("insert", "update", "delete")
    },
    "reports_recount_company": "leads_company",
    "reports_recount_membership_insert": "people_membership",
    "reports_recount_membership_update": "people_membership",
    "reports_recount_membership_delete": "people_membership",
}


def _changed(fields, differ):
    return " OR ".join(f"OLD.{name} {differ} NEW.{name}" for name in fields)


def _owned_by(user):
    """The leads a person owns, or was handed, or rejected."""
    return (
        f"INSERT INTO {QUEUE} (lead_id) SELECT id FROM leads_lead WHERE owner_id = {user}; "
        f"INSERT INTO {QUEUE} (lead_id) SELECT lead_id FROM handoff_assignment "
        f"WHERE rep_id = {user}; "
        f"INSERT INTO {QUEUE} (lead_id) SELECT lead_id FROM handoff_rejection WHERE rep_id = {user};"
    )


def _sqlite_lead_rows(kind, table, fields):
    return [
        f"""CREATE TRIGGER reports_recount_{kind}_insert AFTER INSERT ON {table}
        BEGIN INSERT INTO {QUEUE} (lead_id) VALUES (NEW.lead_id); END""",
        f"""CREATE TRIGGER reports_recount_{kind}_update AFTER UPDATE ON {table}
        WHEN {_changed(fields, "IS NOT")}
        BEGIN INSERT INTO {QUEUE} (lead_id) VALUES (OLD.lead_id), (NEW.lead_id); END""",
        f"""CREATE TRIGGER reports_recount_{kind}_delete AFTER DELETE ON {table}
        BEGIN INSERT INTO {QUEUE} (lead_id) VALUES (OLD.lead_id); END""",
    ]


SQLITE_FORWARD = [
    f"""CREATE TRIGGER reports_recount_reach AFTER INSERT ON leads_stagereach
    BEGIN INSERT INTO {QUEUE} (lead_id) VALUES (NEW.lead_id); END""",
    f"""CREATE TRIGGER reports_recount_lead_update AFTER UPDATE ON leads_lead
    WHEN {_changed(LEAD_FIELDS, "IS NOT")}
    BEGIN INSERT INTO {QUEUE} (lead_id) VALUES (NEW.id); END""",
    f"""CREATE TRIGGER reports_recount_lead_delete AFTER DELETE ON leads_lead
    BEGIN INSERT INTO {QUEUE} (lead_id) VALUES (OLD.id); END""",
    *(
        statement
        for kind, (table, fields) in LEAD_ROWS.items()
        for statement in _sqlite_lead_rows(kind, table, fields)
    ),
    f"""CREATE TRIGGER reports_recount_company AFTER UPDATE ON leads_company
    WHEN OLD.segment IS NOT NEW.segment
    BEGIN INSERT INTO {QUEUE} (lead_id) SELECT id FROM leads_lead WHERE company_id = NEW.id;
    END""",
    f"""CREATE TRIGGER reports_recount_membership_insert AFTER INSERT ON people_membership
    BEGIN {_owned_by("NEW.user_id")} END""",
    f"""CREATE TRIGGER reports_recount_membership_update AFTER UPDATE ON people_membership
    WHEN OLD.team_id IS NOT NEW.team_id OR OLD.user_id IS NOT NEW.user_id
    BEGIN {_owned_by("OLD.user_id")} {_owned_by("NEW.user_id")} END""",
    f"""CREATE TRIGGER reports_recount_membership_delete AFTER DELETE ON people_membership
    BEGIN {_owned_by("OLD.user_id")} END""",
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS]


def _function(name, body):
    return f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {body} RETURN NULL; END $$"""


def _trigger(name, when, table, condition=""):
    """A row trigger calling the function of its table's kind of row."""
    kind = name.removeprefix("reports_recount_").split("_")[0]
    where = f"WHEN ({condition})" if condition else ""
    return (
        f"CREATE TRIGGER {name} AFTER {when} ON {table} FOR EACH ROW {where} "
        f"EXECUTE FUNCTION reports_recount_{kind}_fn()"
    )


POSTGRESQL_FORWARD = [
    _function(
        "reports_recount_reach_fn", f"INSERT INTO {QUEUE} (lead_id) VALUES (NEW.lead_id);"
    ),
    _function(
        "reports_recount_lead_fn",
        f"IF TG_OP = 'DELETE' THEN INSERT INTO {QUEUE} (lead_id) VALUES (OLD.id); "
        f"ELSE INSERT INTO {QUEUE} (lead_id) VALUES (NEW.id); END IF;",
    ),
    *(
        _function(
            f"reports_recount_{kind}_fn",
            f"IF TG_OP <> 'INSERT' THEN INSERT INTO {QUEUE} (lead_id) VALUES (OLD.lead_id); "
            "END IF; "
            f"IF TG_OP <> 'DELETE' THEN INSERT INTO {QUEUE} (lead_id) VALUES (NEW.lead_id); "
            "END IF;",
        )
        for kind in LEAD_ROWS
    ),
    _function(
        "reports_recount_company_fn",
        f"INSERT INTO {QUEUE} (lead_id) SELECT id FROM leads_lead WHERE company_id = NEW.id;",
    ),
    _function(
        "reports_recount_membership_fn",
        f"IF TG_OP <> 'INSERT' THEN {_owned_by('OLD.user_id')} END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_owned_by('NEW.user_id')} END IF;",
    ),
    _trigger("reports_recount_reach", "INSERT", "leads_stagereach"),
    _trigger(
        "reports_recount_lead_update", "UPDATE", "leads_lead",
        _changed(LEAD_FIELDS, "IS DISTINCT FROM"),
    ),
    _trigger("reports_recount_lead_delete", "DELETE", "leads_lead"),
    *(
        trigger
        for kind, (table, fields) in LEAD_ROWS.items()
        for trigger in (
            _trigger(f"reports_recount_{kind}_insert", "INSERT", table),
            _trigger(
                f"reports_recount_{kind}_update", "UPDATE", table,
                _changed(fields, "IS DISTINCT FROM"),
            ),
            _trigger(f"reports_recount_{kind}_delete", "DELETE", table),
        )
    ),
    _trigger(
        "reports_recount_company", "UPDATE", "leads_company",
        "OLD.segment IS DISTINCT FROM NEW.segment",
    ),
    _trigger("reports_recount_membership_insert", "INSERT", "people_membership"),
    _trigger(
        "reports_recount_membership_update", "UPDATE", "people_membership",
        "OLD.team_id IS DISTINCT FROM NEW.team_id OR OLD.user_id IS DISTINCT FROM NEW.user_id",
    ),
    _trigger("reports_recount_membership_delete", "DELETE", "people_membership"),
]
POSTGRESQL_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in TRIGGERS.items()),
    *(
        f"DROP FUNCTION IF EXISTS reports_recount_{name}_fn()"
        for name in ("reach", "lead", "company", "membership", *LEAD_ROWS)
    ),
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_REVERSE),
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_REVERSE),
}


def add_triggers(apps, schema_editor):
    statements = STATEMENTS.get(schema_editor.connection.vendor)
    if statements is None:
        return
    for statement in statements[0]:
        schema_editor.execute(statement, params=None)
    schema_editor.execute(f"INSERT INTO {QUEUE} (lead_id) SELECT id FROM leads_lead", params=None)


def drop_triggers(apps, schema_editor):
    statements = STATEMENTS.get(schema_editor.connection.vendor)
    if statements is None:
        return
    for statement in statements[1]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_rollups_by_lead_attribute"),
        ("handoff", "0003_handoffs_by_time"),
    ]

    operations = [migrations.RunPython(add_triggers, drop_triggers)]
