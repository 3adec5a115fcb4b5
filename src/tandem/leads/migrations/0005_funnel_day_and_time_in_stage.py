"""The daily funnel rollup and each reach's time in the previous stage, filled in from the
reaches already stored (the figures `tandem rebuild_funnel` would give)."""

import datetime as dt
from collections import Counter
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models

# The main path as it stands at this migration.
MAIN_PATH = ("inquiry", "lead", "mql", "sal", "sql", "opportunity", "customer")
# From the previous reach to this one: an interval on PostgreSQL; microseconds on SQLite, which
# stores times as text (with six decimals when there are any).
SPENT = {
    "postgresql": "leads_stagereach.at - earlier.at",
    "sqlite": (
        "(strftime('%%s', leads_stagereach.at) - strftime('%%s', earlier.at)) * 1000000"
        " + CAST(substr(leads_stagereach.at || '.000000', 21, 6) AS INTEGER)"
        " - CAST(substr(earlier.at || '.000000', 21, 6) AS INTEGER)"
    ),
}


def fill_in(apps: Any, schema_editor: Any) -> None:
    StageReach = apps.get_model("leads", "StageReach")
    FunnelDay = apps.get_model("leads", "FunnelDay")
    spent = SPENT[schema_editor.connection.vendor]
    with schema_editor.connection.cursor() as cursor:
        for previous, stage in pairwise(MAIN_PATH):
            cursor.execute(
                f"UPDATE leads_stagereach SET time_in_previous_stage = (SELECT {spent} "  # noqa: S608
                "FROM leads_stagereach earlier WHERE earlier.lead_id = leads_stagereach.lead_id "
                "AND earlier.stage = %s) WHERE stage = %s",
                [previous, stage],
            )
    zone = ZoneInfo(settings.TIME_ZONE)
    reached: Counter[tuple[str, dt.date]] = Counter()
    advanced: Counter[tuple[str, dt.date]] = Counter()

    def count(days: dict[str, dt.date]) -> None:
        for stage, day in days.items():
            reached[(stage, day)] += 1
        for previous, stage in pairwise(MAIN_PATH):
            if previous in days and stage in days:
                advanced[(previous, days[previous])] += 1

    current, days = None, {}
    rows = (
        StageReach.objects.order_by("lead_id")
        .values_list("lead_id", "stage", "at")
        .iterator(chunk_size=20_000)
    )
    for lead_id, stage, at in rows:
        if lead_id != current:
            count(days)
            current, days = lead_id, {}
        days[stage] = at.astimezone(zone).date()
    count(days)
    FunnelDay.objects.bulk_create(
        FunnelDay(
            stage=stage, day=day, reached=reached[(stage, day)], advanced=advanced[(stage, day)]
        )
        for stage, day in sorted(set(reached) | set(advanced))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0004_tracked_events_identities_consent"),
    ]

    operations = [
        migrations.CreateModel(
            name="FunnelDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "stage",
                    models.CharField(
                        choices=[
                            ("inquiry", "Inquiry"),
                            ("lead", "Lead"),
                            ("mql", "MQL"),
                            ("sal", "SAL"),
                            ("sql", "SQL"),
                            ("opportunity", "Opportunity"),
                            ("customer", "Customer"),
                            ("recycled", "Recycled"),
                            ("disqualified", "Disqualified"),
                        ],
                        max_length=20,
                    ),
                ),
                ("day", models.DateField()),
                ("reached", models.PositiveIntegerField(default=0)),
                ("advanced", models.PositiveIntegerField(default=0)),
            ],
            options={
                "ordering": ["day", "stage"],
            },
        ),
        migrations.AddField(
            model_name="stagereach",
            name="time_in_previous_stage",
            field=models.DurationField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="stagereach",
            index=models.Index(
                fields=["stage", "at", "lead", "time_in_previous_stage"], name="stagereach_stage_at"
            ),
        ),
        migrations.AddConstraint(
            model_name="funnelday",
            constraint=models.UniqueConstraint(fields=("day", "stage"), name="funnelday_one_row"),
        ),
        migrations.RunPython(fill_in, migrations.RunPython.noop),
    ]
