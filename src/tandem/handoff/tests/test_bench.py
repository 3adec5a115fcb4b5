"""`tandem bench card` on a small generated data set: the figures come out, nothing is kept."""

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tandem.core.demo.plan import make_plan
from tandem.core.demo.write_bulk import write_bulk
from tandem.handoff.bench import LARGEST, Spread, measure_card
from tandem.handoff.models import Assignment, Rejection, RoutingRule, Touch
from tandem.leads.models import Lead, StageChange

TODAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One bench database for the module: the second run reuses the data set of the first."""
    return tmp_path_factory.mktemp("bench") / "bench.sqlite3"


def run_bench(database: Path, *arguments: str) -> str:
    out = StringIO()
    call_command(
        "bench",
        "card",
        *("--leads", "200", "--database-url", f"sqlite:///{database}", *arguments),
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


@pytest.mark.django_db
def test_the_sample_is_timed_with_its_handoff_context_and_nothing_is_kept() -> None:
    write_bulk(make_plan(leads=60, today=TODAY))
    stages = dict(Lead.objects.values_list("pk", "stage"))
    ledger = StageChange.objects.count()

    timings = measure_card(size=20, largest=3)

    assert 20 <= timings.sampled <= 23
    assert timings.actor == "morgan.manager"
    assert 0 < timings.page.median_ms <= timings.page.p95_ms <= timings.page.max_ms
    assert 0 < timings.card.median_ms <= timings.card.max_ms
    assert 0 < timings.queries_median <= timings.queries_max
    assert timings.largest_events > 0
    assert timings.largest_page_ms > 0
    assert timings.context.assignments >= timings.sampled
    assert timings.context.touches > 0
    assert timings.context.briefs > 0
    # Rolled back: the data set is as the generator left it.
    assert dict(Lead.objects.values_list("pk", "stage")) == stages
    assert StageChange.objects.count() == ledger
    assert not Assignment.objects.exists()
    assert not Touch.objects.exists()
    assert not Rejection.objects.exists()
    assert not RoutingRule.objects.exists()


def test_bench_card_prints_the_page_and_card_times_against_the_target(database: Path) -> None:
    lines = run_bench(database).splitlines()

    assert lines[0] == f"Lead card benchmark on sqlite: {database}"
    assert lines[1].startswith("Data: 200 leads, ")
    assert lines[2].startswith("Sample: ")
    assert lines[3].startswith("  Handoff context: ")
    assert lines[4].startswith("Lead page GET /leads/<id>/ as morgan.manager, one request each: ")
    assert "target: p95 under 300 ms" in lines[4]
    assert lines[5].startswith("  Queries per page: median ")
    assert lines[6].startswith("  Largest lead #")
    assert lines[7].startswith("lead_card() alone: median ")


def test_bench_card_json_is_one_line_with_every_figure(database: Path) -> None:
    out = run_bench(database, "--json")

    assert out.count("\n") == 1
    figures = json.loads(out)
    assert figures["benchmark"] == "card"
    assert figures["database"] == "sqlite"
    assert figures["leads"] == 200
    assert set(figures) >= {
        "events",
        "actor",
        "sampled",
        "handed_over",
        "largest_added",
        "page",
        "card",
        "queries_median",
        "queries_max",
        "largest_lead",
        "largest_events",
        "largest_events_read",
        "largest_page_ms",
        "context",
        "target_ms",
        "within_target",
    }
    assert set(figures["page"]) == set(figures["card"]) == {"median_ms", "p95_ms", "max_ms"}
    assert figures["sampled"] <= 200 + LARGEST
    assert figures["target_ms"] == 300.0


def test_spreads_give_the_median_the_nearest_rank_95th_percentile_and_the_maximum() -> None:
    seconds = [0.001 * value for value in (5, 1, 4, 2, 3)]

    assert Spread.of(seconds) == Spread(median_ms=3.0, p95_ms=5.0, max_ms=5.0)
