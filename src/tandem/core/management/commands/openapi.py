"""`tandem openapi [--check]`: write the API's OpenAPI schema to docs/api/openapi.json.

The file is committed, so a change to the API shows up in review; `--check` (run by CI and by
tests/test_openapi_schema.py) fails when the file no longer matches the code.
"""

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# This command documents the API layer, so it is the one core module that may import it.
from tandem.api import api

DEFAULT_PATH = Path(settings.BASE_DIR).parents[1] / "docs" / "api" / "openapi.json"
STALE = "{path} is out of date with the API. Run `tandem openapi` and commit the result."


def render_schema() -> str:
    """The API's OpenAPI schema as committed: sorted keys, indent 2, a trailing newline."""
    return json.dumps(api.get_openapi_schema(), sort_keys=True, indent=2) + "\n"


class Command(BaseCommand):
    help = "Write the OpenAPI schema to docs/api/openapi.json, or check that it is current."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Fail if the file differs; write nothing."
        )
        parser.add_argument("--output", type=Path, default=DEFAULT_PATH, help="Where the file is.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["output"]
        schema = render_schema()
        if options["check"]:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != schema:
                raise CommandError(STALE.format(path=path))
            self.stdout.write(f"{path} is up to date.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(schema, encoding="utf-8")
        self.stdout.write(f"Wrote {path}.")
