"""`tandem token create|list|revoke`, and the tokens it issues against the API."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from tandem.core.testing import Personas
from tandem.people.management.commands.token import NAME_TOO_LONG, SHOWN_ONCE, format_moment
from tandem.people.models import ApiToken
from tandem.people.services import NO_SUCH_TOKEN, NO_SUCH_USER, TOKEN_PREFIX


def token_command(*args: str) -> list[str]:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue().splitlines()


def get_leads(secret: str) -> Any:
    return Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/leads")


def test_create_prints_the_token_once_and_it_works(personas: Personas) -> None:
    lines = token_command("create", "sales_rep", "--name", "laptop")

    secret = lines[0]
    assert lines == [secret, SHOWN_ONCE]
    assert secret.startswith(TOKEN_PREFIX)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.prefix) == (personas.sales_rep, "laptop", secret[:12])
    assert secret not in token.digest
    assert get_leads(secret).status_code == 200


def test_list_shows_each_token_without_its_secret(personas: Personas) -> None:
    secret = token_command("create", "marketer", "--name", "ci")[0]
    get_leads(secret)

    lines = token_command("list", "marketer")

    assert len(lines) == 2
    assert lines[0].split() == ["PREFIX", "NAME", "CREATED", "LAST", "USED", "REVOKED"]
    prefix, name, *_, revoked = lines[1].split()
    assert (prefix, name, revoked) == (secret[:12], "ci", "-")
    assert secret not in "\n".join(lines)


def test_list_says_when_someone_has_no_tokens(personas: Personas) -> None:
    assert token_command("list", "manager") == ["manager has no API tokens."]


def test_a_revoked_token_is_refused(personas: Personas) -> None:
    secret = token_command("create", "manager")[0]

    lines = token_command("revoke", "manager", secret[:12])

    assert lines == [f"Revoked {secret[:12]}… of manager."]
    response = get_leads(secret)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    revoked_at = ApiToken.objects.get().revoked_at
    assert token_command("list", "manager")[1].endswith(format_moment(revoked_at))


def test_revoking_leaves_the_other_tokens_working(personas: Personas) -> None:
    kept = token_command("create", "manager", "--name", "kept")[0]
    revoked = token_command("create", "manager", "--name", "revoked")[0]

    token_command("revoke", "manager", revoked[:12])

    assert (get_leads(kept).status_code, get_leads(revoked).status_code) == (200, 401)


@pytest.mark.parametrize(
    "args", [("create", "nobody"), ("list", "nobody"), ("revoke", "nobody", "tdm_abcdefgh")]
)
def test_an_unknown_person_is_a_clear_error(personas: Personas, args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError) as raised:
        token_command(*args)

    assert str(raised.value) == NO_SUCH_USER.format(username="nobody")
    assert not ApiToken.objects.exists()


def test_revoking_an_unknown_prefix_is_a_clear_error(personas: Personas) -> None:
    secret = token_command("create", "manager")[0]

    with pytest.raises(CommandError) as raised:
        token_command("revoke", "manager", "tdm_unknown1")

    assert str(raised.value) == NO_SUCH_TOKEN.format(prefix="tdm_unknown1", username="manager")
    assert get_leads(secret).status_code == 200


def test_a_name_too_long_to_keep_is_refused(personas: Personas) -> None:
    with pytest.raises(CommandError) as raised:
        token_command("create", "manager", "--name", "x" * 101)

    assert str(raised.value) == NAME_TOO_LONG
    assert not ApiToken.objects.exists()
