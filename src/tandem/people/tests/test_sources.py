"""Tracking sources: created and revoked by admins, their write keys stored only as digests."""

import io

import pytest
from django.core.management import CommandError, call_command

from tandem.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from tandem.core.testing import Personas
from tandem.people.models import Source
from tandem.people.queries import source_for_write_key
from tandem.people.services import (
    MAY_NOT_MANAGE_SOURCES,
    SOURCE_NAME_TAKEN,
    create_source,
    hash_token,
    revoke_source,
)

pytestmark = pytest.mark.django_db

NOT_ADMINS = ["marketer", "marketing_lead", "sales_rep", "manager", "executive"]


def test_an_admin_creates_a_source_whose_key_is_stored_only_as_a_digest(
    personas: Personas,
) -> None:
    issued = create_source(by=personas.admin, name="Website")
    source = Source.objects.get()
    assert (source.name, source.created_by, source.prefix) == (
        "Website", personas.admin, issued.secret[:12]
    )  # fmt: skip
    assert source.digest == hash_token(issued.secret)
    assert issued.secret not in str(Source.objects.values().get())


def test_a_write_key_finds_its_source_until_it_is_revoked(personas: Personas) -> None:
    issued = create_source(by=personas.admin, name="Website")
    assert source_for_write_key(issued.secret) == issued.source
    revoke_source(by=personas.admin, prefix=issued.source.prefix)
    assert source_for_write_key(issued.secret) is None


def test_an_unknown_write_key_finds_nothing() -> None:
    assert source_for_write_key("not-a-key") is None


@pytest.mark.parametrize("name", NOT_ADMINS)
def test_only_admins_create_sources(personas: Personas, name: str) -> None:
    role = personas.by_name(name).membership.get_role_display()
    with pytest.raises(PermissionDenied) as refused:
        create_source(by=personas.by_name(name), name="Website")
    assert refused.value.message == MAY_NOT_MANAGE_SOURCES.format(role=role)
    assert not Source.objects.exists()


@pytest.mark.parametrize("name", NOT_ADMINS)
def test_only_admins_revoke_write_keys(personas: Personas, name: str) -> None:
    issued = create_source(by=personas.admin, name="Website")
    with pytest.raises(PermissionDenied):
        revoke_source(by=personas.by_name(name), prefix=issued.source.prefix)
    assert Source.objects.get().is_active


def test_source_names_are_unique(personas: Personas) -> None:
    create_source(by=personas.admin, name="Website")
    with pytest.raises(Conflict) as refused:
        create_source(by=personas.admin, name=" Website ")
    assert refused.value.message == SOURCE_NAME_TAKEN.format(name="Website")
    assert Source.objects.count() == 1


def test_a_source_needs_a_name(personas: Personas) -> None:
    with pytest.raises(DomainError):
        create_source(by=personas.admin, name="  ")
    assert not Source.objects.exists()


def test_revoking_an_unknown_prefix_is_not_found(personas: Personas) -> None:
    with pytest.raises(NotFound):
        revoke_source(by=personas.admin, prefix="nope")


def _command(*arguments: str) -> str:
    out = io.StringIO()
    call_command("source", *arguments, stdout=out)
    return out.getvalue()


def test_the_console_creates_lists_and_revokes_sources() -> None:
    secret = _command("create", "Website").splitlines()[0]
    prefix = secret[:12]
    assert source_for_write_key(secret) is not None
    listing = _command("list").splitlines()
    assert listing[1].split()[:2] == [prefix, "Website"]
    assert _command("revoke", prefix) == f"Revoked the write key {prefix}… of Website.\n"
    assert source_for_write_key(secret) is None


def test_the_console_explains_a_refusal() -> None:
    _command("create", "Website")
    with pytest.raises(CommandError, match=r"There is already a source named Website\."):
        _command("create", "Website")
