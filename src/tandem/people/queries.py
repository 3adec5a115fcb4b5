"""Reads about people: who an API token belongs to, which source a write key is, a user's role."""

import datetime as dt
import time

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

from tandem.core.roles import Role
from tandem.core.time import now
from tandem.people.models import ApiToken, Membership, Source
from tandem.people.services import hash_token

# Writing last_used_at on every call would turn each read into a write; once a minute is enough
# to tell a person which tokens are still in use.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def user_for_token(secret: str) -> User | None:
    """The active user an active token belongs to, or None."""
    token = (
        ApiToken.objects.select_related("user", "user__membership", "user__membership__team")
        .filter(digest=hash_token(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    moment = now()
    if token.last_used_at is None or moment - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
    return token.user


# Each tracking call names its source's key; remembering a key's source for a few seconds
# spares a query per call. A revocation reaches every server process within that time.
SOURCE_CACHE_SECONDS = 5.0
_sources_by_digest: dict[str, tuple[float, Source | None]] = {}


def source_for_write_key(key: str) -> Source | None:
    """The active tracking source whose write key is `key`, or None."""
    digest = hash_token(key)
    moment = time.monotonic()
    cached = _sources_by_digest.get(digest)
    if cached is not None and moment - cached[0] < SOURCE_CACHE_SECONDS:
        return cached[1]
    source = Source.objects.filter(digest=digest, revoked_at__isnull=True).first()
    if len(_sources_by_digest) > 10_000:
        _sources_by_digest.clear()
    _sources_by_digest[digest] = (moment, source)
    return source


def forget_write_keys() -> None:
    """Drop remembered keys, as when a source changes in this process."""
    _sources_by_digest.clear()


def membership_of(user: AbstractBaseUser | AnonymousUser) -> Membership | None:
    if not user.is_authenticated:
        return None
    # The reverse one-to-one raises a subclass of AttributeError when there is no membership, and
    # caches the row on the user, so asking twice in one request costs one query.
    membership: Membership | None = getattr(user, "membership", None)
    return membership


def role_of(user: AbstractBaseUser | AnonymousUser) -> Role | None:
    """The user's role, or None for someone on no team (they may see nothing)."""
    membership = membership_of(user)
    return Role(membership.role) if membership is not None else None
