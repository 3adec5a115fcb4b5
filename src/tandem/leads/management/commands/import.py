# ruff: noqa: N999 -- the command is `tandem import`; Django finds it by this module's name.
"""`tandem import KIND ...`: bring an outside data set into Tandem.

Kinds: `olist DIR` (Olist's marketing funnel: the MQL and closed-deal CSV files in DIR).
"""

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.core.errors import DomainError
from tandem.core.progress import Progress, no_progress
from tandem.leads.imports import olist


def _import_olist(options: dict[str, Any], progress: Progress) -> str:
    return olist.import_olist(directory=options["directory"], progress=progress).summary()


def _olist_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "directory",
        type=Path,
        metavar="DIR",
        help=f"the directory holding {olist.MQL_FILE} and {olist.DEALS_FILE}",
    )


@dataclass(frozen=True)
class Kind:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    # Runs the import and returns its summary.
    run: Callable[[dict[str, Any], Progress], str]


KINDS = {
    "olist": Kind(
        help="Olist's marketing funnel (MQLs and closed deals)",
        add_arguments=_olist_arguments,
        run=_import_olist,
    ),
}


class Command(BaseCommand):
    help = (
        "Import an outside data set, e.g. `tandem import olist DIR`. Running it again skips "
        "what was imported before."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        for name, kind in KINDS.items():
            kind.add_arguments(kinds.add_parser(name, help=kind.help))

    def handle(self, *args: Any, **options: Any) -> None:
        run = KINDS[options["kind"]].run
        started = time.monotonic()
        try:
            summary = run(options, self._progress if options["verbosity"] > 0 else no_progress)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"{summary} Took {time.monotonic() - started:.1f} s.")

    def _progress(self, what: str, done: int, total: int) -> None:
        percent = done * 100 // total if total else 100
        text = f"{what} {done}/{total} ({percent}%)"
        # On a terminal one line is rewritten in place; in a log each step gets its own line.
        if self.stderr.isatty():
            self.stderr.write(f"\r{text}", style_func=str, ending="\n" if done == total else "")
            self.stderr.flush()
        else:
            self.stderr.write(text, style_func=str)
