"""Writes for people: teams, memberships, API tokens and tracking sources' write keys."""

import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from tandem.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from tandem.core.roles import MANAGES_SOURCES, TEAM_KIND_OF_ROLE, Role
from tandem.core.time import now
from tandem.people.models import ApiToken, Membership, Source, Team

TOKEN_PREFIX = "tdm_"  # noqa: S105 -- a public marker, not a secret
ROLE_DOES_NOT_FIT_TEAM = "A {role} cannot sit on the {kind} team {team}."
USERNAME_TAKEN = "The username {username} is taken."
NO_SUCH_USER = "There is no user named {username}."
NO_SUCH_TOKEN = "There is no active token {prefix}… for {username}."  # noqa: S105
SOURCE_NAME_MAX_LENGTH = 100
SOURCE_NAME_LENGTH = "A source needs a name of 1 to 100 characters."
SOURCE_NAME_TAKEN = "There is already a source named {name}."
NO_SUCH_SOURCE = "There is no active source with the write key {prefix}…."
MAY_NOT_MANAGE_SOURCES = "Your role ({role}) may not manage tracking sources; ask an admin."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_team(*, name: str, kind: str) -> Team:
    """Create a team, or return the existing one of that name."""
    team, _ = Team.objects.get_or_create(name=name, defaults={"kind": kind})
    return team


@transaction.atomic
def create_person(
    *,
    username: str,
    password: str | None,
    team: Team,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a user on `team` with `role`; a None password makes an account that cannot log in."""
    if team.kind not in TEAM_KIND_OF_ROLE[Role(role)]:
        raise DomainError(
            ROLE_DOES_NOT_FIT_TEAM.format(role=Role(role).label, kind=team.kind, team=team.name),
            fields={"role": "does not fit the team"},
        )
    if User.objects.filter(username=username).exists():
        raise DomainError(
            USERNAME_TAKEN.format(username=username), code="taken", fields={"username": "taken"}
        )
    user = User.objects.create_user(
        username=username,
        password=password,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=role == Role.ADMIN,
    )
    Membership.objects.create(user=user, team=team, role=role)
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


@transaction.atomic
def create_api_token(*, username: str, name: str = "") -> IssuedToken:
    """Issue a personal API token; the returned secret is never stored and cannot be shown again."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(NO_SUCH_USER.format(username=username))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:12], digest=hash_token(secret)
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def revoke_api_token(*, username: str, prefix: str) -> ApiToken:
    """Revoke the active token of `username` whose shown prefix is `prefix`."""
    token = ApiToken.objects.filter(
        user__username=username, prefix=prefix[:12], revoked_at__isnull=True
    ).first()
    if token is None:
        raise NotFound(NO_SUCH_TOKEN.format(prefix=prefix[:12], username=username))
    token.revoked_at = now()
    token.save(update_fields=["revoked_at", "updated_at"])
    return token


@dataclass(frozen=True)
class IssuedWriteKey:
    source: Source
    secret: str


def _check_source_manager(by: User | None) -> None:
    """Admins manage sources; None is the console, run by whoever runs the server."""
    if by is None:
        return
    role = Membership.objects.filter(user=by).values_list("role", flat=True).first()
    if role not in MANAGES_SOURCES:
        label = Role(role).label if role else "none"
        raise PermissionDenied(MAY_NOT_MANAGE_SOURCES.format(role=label))


@transaction.atomic
def create_source(*, by: User | None, name: str, write_key: str | None = None) -> IssuedWriteKey:
    """Create a tracking source with a new write key; the key is returned once, never stored.

    `write_key` chooses the key instead: only the demo does, to print a key that still works
    on its next start.
    """
    _check_source_manager(by)
    name = name.strip()
    if not 1 <= len(name) <= SOURCE_NAME_MAX_LENGTH:
        raise DomainError(SOURCE_NAME_LENGTH, fields={"name": "1 to 100 characters"})
    if Source.objects.filter(name=name).exists():
        raise Conflict(SOURCE_NAME_TAKEN.format(name=name), code="taken", fields={"name": "taken"})
    secret = write_key or secrets.token_urlsafe(24)
    source = Source.objects.create(
        name=name, prefix=secret[:12], digest=hash_token(secret), created_by=by
    )
    return IssuedWriteKey(source=source, secret=secret)


@transaction.atomic
def revoke_source(*, by: User | None, prefix: str) -> Source:
    """Revoke the active write key shown as `prefix`: calls with it are refused from then on."""
    _check_source_manager(by)
    source = Source.objects.filter(prefix=prefix[:12], revoked_at__isnull=True).first()
    if source is None:
        raise NotFound(NO_SUCH_SOURCE.format(prefix=prefix[:12]))
    source.revoked_at = now()
    source.save(update_fields=["revoked_at", "updated_at"])
    # Imported here: the queries module imports this one.
    from tandem.people.queries import forget_write_keys

    forget_write_keys()
    return source
