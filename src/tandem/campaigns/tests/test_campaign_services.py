import datetime as dt

import pytest

from tandem.campaigns import services
from tandem.campaigns.models import Campaign
from tandem.campaigns.queries import access_campaign, require_campaign_editor
from tandem.core.errors import Conflict, DomainError, PermissionDenied

pytestmark = pytest.mark.django_db


def test_the_creator_owns_a_new_campaign(personas) -> None:
    campaign = services.create_campaign(
        by=personas.marketer, name="Spring webinar", utm_key="spring-webinar", channel="webinar"
    )

    assert campaign.owner == personas.marketer


def test_a_campaign_cannot_end_before_it_starts(personas) -> None:
    with pytest.raises(DomainError, match="cannot end"):
        services.create_campaign(
            by=personas.marketer,
            name="Backwards",
            utm_key="backwards",
            channel="email",
            starts_on=dt.date(2026, 3, 1),
            ends_on=dt.date(2026, 2, 1),
        )

    assert Campaign.objects.count() == 0


def test_a_utm_key_belongs_to_one_campaign(personas) -> None:
    services.create_campaign(by=personas.marketer, name="A", utm_key="launch", channel="email")

    with pytest.raises(Conflict, match="already uses the UTM key launch"):
        services.create_campaign(by=personas.marketer, name="B", utm_key="launch", channel="social")

    assert Campaign.objects.count() == 1


@pytest.mark.parametrize("persona", ["sales_rep", "manager", "executive"])
def test_only_marketing_and_admins_edit_campaigns(personas, persona: str) -> None:
    campaign = services.create_campaign(
        by=personas.marketer, name="A", utm_key="a", channel="email"
    )

    with pytest.raises(PermissionDenied):
        require_campaign_editor(personas.by_name(persona))
    with pytest.raises(PermissionDenied):
        access_campaign(personas.by_name(persona), campaign.pk, write=True)

    assert access_campaign(personas.by_name(persona), campaign.pk) == campaign


@pytest.mark.parametrize("persona", ["sales_rep", "executive", "outsider"])
def test_a_campaign_is_owned_by_someone_in_marketing(personas, persona: str) -> None:
    owner = personas.by_name(persona)

    with pytest.raises(DomainError) as refused:
        services.create_campaign(
            by=personas.marketer, name="A", utm_key="a", channel="email", owner_id=owner.pk
        )

    assert refused.value.fields == {"owner_id": "not in marketing"}
    assert Campaign.objects.count() == 0
