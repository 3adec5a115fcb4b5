"""`tandem bench ingest` at a tiny size: both endpoints loaded over HTTP, the figures printed."""

import json
import sqlite3
from contextlib import closing
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tandem.tracking.bench import NOT_A_BENCH_DATABASE


def run_bench(database: Path, *arguments: str) -> str:
    out = StringIO()
    call_command(
        "bench",
        "ingest",
        *("--leads", "100", "--database-url", f"sqlite:///{database}", *arguments),
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


def test_bench_ingest_prints_both_endpoints_rates_the_pipeline_delay_and_the_ratio(
    tmp_path: Path,
) -> None:
    lines = run_bench(tmp_path / "ingest.sqlite3", "--seconds", "1").splitlines()

    assert lines[0] == f"Ingest benchmark on sqlite: {tmp_path / 'ingest.sqlite3'}"
    assert lines[1] == (
        "Data: 100 known leads; batches of 100 events, 4 connections, 1 s of load on each endpoint"
    )
    assert lines[2].startswith("Mix: 70% page views")
    assert lines[3].startswith("Real endpoint POST /v1/batch ")
    assert "(target: at least 10,000 events/s, " in lines[4]
    assert lines[7].startswith("  Pipeline: every batch processed and scored ")
    assert lines[8].startswith("  Accepted to scored, ")
    assert lines[9].startswith("Bare endpoint POST /bench/bare/batch ")
    assert lines[12].startswith("Real/bare: ")


def test_bench_ingest_json_is_one_line_with_every_event_stored_once(tmp_path: Path) -> None:
    out = run_bench(tmp_path / "ingest.sqlite3", "--events", "2000", "--json")

    assert out.count("\n") == 1
    figures = json.loads(out)
    assert figures["benchmark"] == "ingest"
    assert (figures["real"]["events"], figures["bare"]["events"]) == (2000, 2000)
    assert figures["real"]["failed"] == figures["bare"]["failed"] == 0
    assert figures["real"]["stored"] + figures["real"]["duplicates"] == 2000
    assert figures["stored_once"] is True
    assert figures["pipeline"]["drained"] is True
    assert set(figures["met"]) == {"events_per_second", "ratio", "p95_ms"}


def test_bench_ingest_refuses_a_database_it_did_not_make_and_leaves_it_alone(
    tmp_path: Path,
) -> None:
    database = tmp_path / "tandem.sqlite3"
    with closing(sqlite3.connect(database)) as existing, existing:
        existing.execute("CREATE TABLE leads_lead (id integer PRIMARY KEY)")
        existing.execute("INSERT INTO leads_lead VALUES (1)")

    message = NOT_A_BENCH_DATABASE.format(name=database)
    with pytest.raises(CommandError, match=message.replace(".", r"\.")):
        run_bench(database, "--events", "100")

    with closing(sqlite3.connect(database)) as existing:
        assert existing.execute("SELECT id FROM leads_lead").fetchall() == [(1,)]
