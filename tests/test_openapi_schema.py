"""The committed OpenAPI schema, docs/api/openapi.json, must match the API the code serves."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tandem.core.management.commands.openapi import DEFAULT_PATH, STALE, render_schema

STALE_HINT = "docs/api/openapi.json differs from the API: run `tandem openapi` and commit it."


def test_the_committed_schema_is_current() -> None:
    committed = DEFAULT_PATH.read_text(encoding="utf-8") if DEFAULT_PATH.exists() else ""

    assert committed == render_schema(), STALE_HINT


def test_the_schema_is_sorted_indented_json_ending_in_a_newline() -> None:
    text = render_schema()

    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2) + "\n"


def test_every_schema_property_is_described() -> None:
    schemas = json.loads(render_schema())["components"]["schemas"]

    undescribed = [
        f"{name}.{prop}"
        for name, schema in schemas.items()
        for prop, spec in schema.get("properties", {}).items()
        if not spec.get("description")
    ]

    assert undescribed == []


def test_every_string_a_client_sends_is_bounded() -> None:
    schemas = json.loads(render_schema())["components"]["schemas"]
    inputs = [name for name in schemas if name.endswith(("In", "Patch", "Filter", "Query"))]

    def unbounded(spec: dict[str, object]) -> bool:
        options = spec.get("anyOf", [spec])
        assert isinstance(options, list)
        return any(
            option.get("type") == "string"
            and "maxLength" not in option
            and "pattern" not in option
            and "format" not in option
            for option in options
        )

    loose = [
        f"{name}.{prop}"
        for name in inputs
        for prop, spec in schemas[name].get("properties", {}).items()
        if unbounded(spec)
    ]

    assert loose == []


def test_check_passes_on_a_current_file_and_write_creates_it(tmp_path: Path) -> None:
    path = tmp_path / "api" / "openapi.json"

    call_command("openapi", "--output", str(path), stdout=None)
    call_command("openapi", "--check", "--output", str(path))

    assert path.read_text(encoding="utf-8") == render_schema()


@pytest.mark.parametrize("content", [None, "{}\n"])
def test_check_fails_on_a_missing_or_stale_file(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "openapi.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError) as raised:
        call_command("openapi", "--check", "--output", str(path))

    assert str(raised.value) == STALE.format(path=path)
    assert (path.read_text(encoding="utf-8") if path.exists() else None) == content
