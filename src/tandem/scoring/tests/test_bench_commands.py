"""`tandem bench rescore` and `tandem bench whatif` on a small generated data set."""

import json
from io import StringIO
from pathlib import Path

from django.core.management import call_command


def run_bench(benchmark: str, database: Path, *arguments: str) -> str:
    out = StringIO()
    call_command(
        "bench",
        benchmark,
        *("--leads", "200", "--database-url", f"sqlite:///{database}", *arguments),
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


def test_bench_rescore_prints_the_activation_and_live_figures(tmp_path: Path) -> None:
    lines = run_bench("rescore", tmp_path / "bench.sqlite3").splitlines()
    assert lines[0] == f"Rescore benchmark on sqlite: {tmp_path / 'bench.sqlite3'}"
    assert lines[1].startswith("Data: 200 leads, ")
    assert lines[2].startswith("Activation rescoring: ")
    assert "for 200 leads (target: under 10 s" in lines[2]
    assert lines[4].startswith("Live scoring of one lead after one event, ")


def test_bench_rescore_json_is_one_line_and_leaves_the_data_set_as_it_was(tmp_path: Path) -> None:
    database = tmp_path / "bench.sqlite3"
    first = json.loads(run_bench("rescore", database, "--json"))
    second = json.loads(run_bench("rescore", database, "--json"))
    assert first["benchmark"] == "rescore"
    assert first["leads_scored"] == 200
    assert set(first["live"]) == {"median_ms", "p95_ms"}
    # Each run is rolled back: the second finds the same leads to move to MQL.
    assert second["moved_to_mql"] == first["moved_to_mql"]


def test_bench_whatif_json_gives_both_versions_totals(tmp_path: Path) -> None:
    out = run_bench("whatif", tmp_path / "bench.sqlite3", "--json")
    assert out.count("\n") == 1
    figures = json.loads(out)
    assert figures["benchmark"] == "whatif"
    assert figures["leads_replayed"] == 200
    assert figures["proposal"]["mqls"] <= figures["active"]["mqls"]
