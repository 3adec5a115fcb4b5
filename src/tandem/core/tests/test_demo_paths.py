import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import models

from tandem.campaigns.models import Campaign
from tandem.core.demo.plan import make_plan
from tandem.core.demo.write_bulk import write_bulk
from tandem.core.demo.write_services import write_with_services
from tandem.core.testing import make_lead
from tandem.leads.models import (
    Company,
    Deal,
    Event,
    FunnelMonth,
    Lead,
    StageChange,
    StageReach,
)
from tandem.leads.services import record_event
from tandem.people.models import Membership, Team

TODAY = dt.date(2026, 6, 1)
# Surrogate keys and bookkeeping times differ between two loads of the same data.
UNCOMPARED = {"id", "created_at", "updated_at", "recorded_at", "password", "date_joined"}


def normalised(model: type[models.Model], keys: dict[str, dict[Any, Any]]) -> list[str]:
    """Every row of `model` without surrogate ids, foreign keys replaced by natural keys."""
    relations = {field.attname for field in model._meta.concrete_fields if field.is_relation}
    rows = []
    for row in model._default_manager.values():
        fields = {
            name: keys[name][value]
            if name in relations and name in keys and value is not None
            else value
            for name, value in row.items()
            if name not in UNCOMPARED
        }
        rows.append(repr(sorted(fields.items())))
    return sorted(rows)


def snapshot() -> dict[str, list[str]]:
    users = dict(User.objects.values_list("pk", "username"))
    leads = dict(Lead.objects.values_list("pk", "email"))
    campaigns = dict(Campaign.objects.values_list("pk", "utm_key"))
    keys = {
        "user_id": users,
        "owner_id": users,
        "actor_id": users,
        "team_id": dict(Team.objects.values_list("pk", "name")),
        "company_id": dict(Company.objects.values_list("pk", "domain")),
        "lead_id": leads,
        "campaign_id": campaigns,
        "first_touch_campaign_id": campaigns,
        "last_touch_campaign_id": campaigns,
    }
    tables = (User, Team, Membership, Company, Campaign, Lead, StageChange, Deal, Event)
    dump = {model.__name__: normalised(model, keys) for model in tables}
    dump["StageReach"] = normalised(StageReach, keys)
    dump["FunnelMonth"] = normalised(FunnelMonth, keys)
    return dump


@pytest.mark.django_db(transaction=True)
def test_service_and_bulk_paths_write_the_same_rows() -> None:
    plan = make_plan(leads=60, today=TODAY, seed=11)
    write_with_services(plan, password="tandem-demo")
    by_services = snapshot()
    call_command("flush", interactive=False, verbosity=0)

    write_bulk(plan, password="tandem-demo", chunk_size=7)
    by_bulk = snapshot()

    assert by_bulk == by_services
    assert len(by_bulk["Lead"]) == 60
    assert len(by_bulk["StageChange"]) > 60
    assert len(by_bulk["Event"]) > 300
    assert by_bulk["Deal"] != []
    assert by_bulk["FunnelMonth"] != []


@pytest.mark.django_db(transaction=True)
def test_services_keep_writing_after_a_bulk_load() -> None:
    write_bulk(make_plan(leads=20, today=TODAY, seed=1))
    highest = Lead.objects.aggregate(highest=models.Max("pk"))["highest"]

    lead = make_lead(email="after.bulk@example.com", at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    event = record_event(type="page", occurred_at=lead.stage_changed_at, lead=lead)

    assert lead.pk > highest
    assert Lead.objects.count() == 21
    assert Event.objects.filter(lead=lead).get() == event
