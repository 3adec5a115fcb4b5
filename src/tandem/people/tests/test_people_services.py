import hashlib

import pytest

from tandem.core.errors import DomainError, NotFound
from tandem.core.roles import Role, TeamKind
from tandem.people import services
from tandem.people.models import ApiToken
from tandem.people.queries import role_of, user_for_token

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_its_hash(personas) -> None:
    issued = services.create_api_token(username="sales_rep", name="laptop")

    stored = ApiToken.objects.get()
    assert stored.digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in {stored.digest, stored.prefix, stored.name}
    assert user_for_token(issued.secret) == personas.sales_rep


def test_a_revoked_token_no_longer_authenticates(personas) -> None:
    issued = services.create_api_token(username="sales_rep")

    services.revoke_api_token(username="sales_rep", prefix=issued.token.prefix)

    assert user_for_token(issued.secret) is None


def test_a_token_of_a_deactivated_user_no_longer_authenticates(personas) -> None:
    issued = services.create_api_token(username="sales_rep")
    personas.sales_rep.is_active = False
    personas.sales_rep.save(update_fields=["is_active"])

    assert user_for_token(issued.secret) is None


def test_a_token_for_an_unknown_user_is_refused(db) -> None:
    with pytest.raises(NotFound, match=r"There is no user named ghost\."):
        services.create_api_token(username="ghost")

    assert ApiToken.objects.count() == 0


def test_a_role_must_fit_its_team(db) -> None:
    marketing = services.create_team(name="Marketing", kind=TeamKind.MARKETING)

    with pytest.raises(DomainError, match="A Sales rep cannot sit on the marketing team"):
        services.create_person(username="x", password=None, team=marketing, role=Role.SALES_REP)


def test_someone_on_no_team_has_no_role(personas) -> None:
    assert role_of(personas.outsider) is None
    assert role_of(personas.manager) == Role.SALES_MANAGER
