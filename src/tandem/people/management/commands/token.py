"""`tandem token create|list|revoke`: manage personal API tokens from the console."""

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tandem.core.errors import NotFound
from tandem.people.models import ApiToken
from tandem.people.services import NO_SUCH_USER, create_api_token, revoke_api_token

SHOWN_ONCE = "This is the only time the token is shown: it cannot be shown again. Keep it safe."
NO_TOKENS = "{username} has no API tokens."
NAME_MAX_LENGTH = 100
NAME_TOO_LONG = f"A token name may be at most {NAME_MAX_LENGTH} characters long."
TIME_FORMAT = "%Y-%m-%d %H:%M"


def format_moment(moment: dt.datetime | None) -> str:
    """A time in the organisation's zone, or "-" for never."""
    return timezone.localtime(moment).strftime(TIME_FORMAT) if moment is not None else "-"


class Command(BaseCommand):
    help = "Create, list and revoke personal API tokens."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Issue a token and print it, once.")
        create.add_argument("username")
        create.add_argument("--name", default="", help="A label to tell the token apart.")
        listing = actions.add_parser("list", help="List a person's tokens.")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="Revoke a token by the prefix `list` shows.")
        revoke.add_argument("username")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        if not User.objects.filter(username=username).exists():
            raise CommandError(NO_SUCH_USER.format(username=username))
        try:
            if options["action"] == "create":
                self._create(username, name=options["name"])
            elif options["action"] == "list":
                self._list(username)
            else:
                token = revoke_api_token(username=username, prefix=options["prefix"])
                self.stdout.write(f"Revoked {token.prefix}… of {username}.")
        except NotFound as error:
            raise CommandError(error.message) from None

    def _create(self, username: str, *, name: str) -> None:
        if len(name) > NAME_MAX_LENGTH:
            raise CommandError(NAME_TOO_LONG)
        issued = create_api_token(username=username, name=name)
        self.stdout.write(issued.secret)
        self.stdout.write(SHOWN_ONCE)

    def _list(self, username: str) -> None:
        tokens = ApiToken.objects.filter(user__username=username).order_by("created_at", "id")
        if not tokens:
            self.stdout.write(NO_TOKENS.format(username=username))
            return
        self.stdout.write(f"{'PREFIX':<13} {'NAME':<24} {'CREATED':<16} {'LAST USED':<16} REVOKED")
        for token in tokens:
            self.stdout.write(
                f"{token.prefix:<13} {token.name[:24]:<24} {format_moment(token.created_at):<16} "
                f"{format_moment(token.last_used_at):<16} {format_moment(token.revoked_at)}"
            )
