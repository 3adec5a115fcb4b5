import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from tandem.core.bench import Timing, ensure_dataset, ensure_handoff_history, measure_dashboard
from tandem.core.demo.plan import make_plan
from tandem.core.demo.write_bulk import write_bulk
from tandem.core.errors import DomainError
from tandem.core.testing import make_lead
from tandem.handoff.models import Assignment, Rejection
from tandem.leads.models import Lead, Stage

TODAY = dt.date(2026, 6, 1)


def run_bench(database: Path, *arguments: str) -> str:
    out = StringIO()
    call_command(
        "bench",
        "dashboard",
        "--leads",
        "200",
        "--repeat",
        "2",
        "--database-url",
        f"sqlite:///{database}",
        *arguments,
        stdout=out,
    )
    return out.getvalue()


def test_bench_prints_a_table_of_the_dashboard_queries(tmp_path: Path) -> None:
    out = run_bench(tmp_path / "bench.sqlite3")

    lines = out.splitlines()
    assert lines[0] == "— Default filters —"
    assert lines[1] == f"Dashboard benchmark on sqlite: {tmp_path / 'bench.sqlite3'}"
    assert lines[2].startswith("Data: 200 leads, ")
    assert lines[3].startswith("Dashboard page GET / as maria.marketer, 2 runs: median ")
    assert lines[5].split() == ["#", "median", "ms", "p95", "ms", "rows", "query"]
    query_lines = [line for line in lines[6:] if line.split() and line.split()[0].isdigit()]
    assert query_lines != []
    assert any(line.lstrip().startswith("all ") for line in lines)
    assert "— Filtered to the busiest segment —" in lines


def test_bench_json_is_one_line_and_a_second_run_reuses_the_data(tmp_path: Path) -> None:
    database = tmp_path / "bench.sqlite3"
    run_bench(database)

    out = run_bench(database, "--json")

    assert out.count("\n") == 1
    figures = json.loads(out)
    assert figures["benchmark"] == "dashboard"
    assert set(figures["views"]) == {"default", "segment"}
    assert figures["database"] == "sqlite"
    assert figures["leads"] == 200
    assert figures["dataset_reused"] is True
    assert figures["path"] == "/"
    assert figures["repeat"] == 2
    assert set(figures["total"]) == {"median_ms", "p95_ms"}
    assert [set(query) for query in figures["queries"]] == [
        {"sql", "median_ms", "p95_ms", "rows"}
    ] * len(figures["queries"])
    assert figures["queries"] != []
    assert figures["target_ms"] == 300.0


@pytest.mark.django_db
def test_dashboard_queries_are_captured_apart_from_session_queries() -> None:
    write_bulk(make_plan(leads=50, today=TODAY))
    marketer = User.objects.get(username="maria.marketer")

    timings = measure_dashboard(marketer, repeat=3)

    assert timings.path == "/"
    assert timings.queries != []
    assert all("django_session" not in query.sql for query in timings.queries)
    assert any("django_session" in query.sql for query in timings.session_queries)


@pytest.mark.django_db
def test_a_database_with_other_leads_is_not_used_for_benchmarks() -> None:
    make_lead(email="real.customer@example.com")

    with pytest.raises(DomainError, match="holds 1 leads that tandem bench did not generate"):
        ensure_dataset(leads=20, seed=1, today=TODAY)

    assert list(Lead.objects.values_list("email", flat=True)) == ["real.customer@example.com"]


def test_timings_give_the_median_and_the_nearest_rank_95th_percentile() -> None:
    seconds = [0.001 * value for value in (5, 1, 4, 2, 3)]

    timing = Timing.of(seconds)

    assert timing == Timing(median_ms=3.0, p95_ms=5.0)


@pytest.mark.django_db
def test_the_bench_data_gets_its_handoff_history_once() -> None:
    write_bulk(make_plan(leads=300, today=TODAY))
    answered = Lead.objects.filter(stage__in=[Stage.SAL, Stage.RECYCLED]).exists()

    written = ensure_handoff_history(seed=1)

    assert answered
    assert written == Assignment.objects.count() > 0
    assert Rejection.objects.exists()
    assert ensure_handoff_history(seed=1) == 0
