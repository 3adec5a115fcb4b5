"""`tandem source create|list|revoke`: manage tracking sources and their write keys."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tandem.core.errors import DomainError
from tandem.people.management.commands.token import format_moment
from tandem.people.models import Source
from tandem.people.services import create_source, revoke_source

SHOWN_ONCE = (
    "This is the only time the write key is shown: it cannot be shown again. Configure the "
    "tracking library with it (as Segment's writeKey) and keep it safe."
)
NO_SOURCES = "There are no tracking sources yet: `tandem source create NAME` makes one."


class Command(BaseCommand):
    help = "Create, list and revoke tracking sources, each with its write key."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Create a source and print its write key, once.")
        create.add_argument("name", help="What sends the events, e.g. 'Website'.")
        actions.add_parser("list", help="List the sources.")
        revoke = actions.add_parser("revoke", help="Revoke a write key by the prefix `list` shows.")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                issued = create_source(by=None, name=options["name"])
                self.stdout.write(issued.secret)
                self.stdout.write(SHOWN_ONCE)
            elif options["action"] == "list":
                self._list()
            else:
                source = revoke_source(by=None, prefix=options["prefix"])
                self.stdout.write(f"Revoked the write key {source.prefix}… of {source.name}.")
        except DomainError as error:
            raise CommandError(error.message) from None

    def _list(self) -> None:
        sources = Source.objects.order_by("name", "id")
        if not sources:
            self.stdout.write(NO_SOURCES)
            return
        self.stdout.write(f"{'PREFIX':<13} {'NAME':<32} {'CREATED':<16} REVOKED")
        for source in sources:
            self.stdout.write(
                f"{source.prefix:<13} {source.name:<32} {format_moment(source.created_at):<16} "
                f"{format_moment(source.revoked_at)}"
            )
