"""Every 4xx of the API has one shape, `{"error": {"code", "message", "fields"}}`, and every
invalid field is named with a sentence from `core.api_errors.ERROR_TEMPLATES`.

The bad requests below are fired at the API, and also validated straight through the schemas
that parse them, so a test fails when any of them produces an error type the table lacks.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from pydantic import BaseModel, TypeAdapter, ValidationError

from tandem.api import UNAUTHENTICATED
from tandem.campaigns import services as campaign_services
from tandem.campaigns.models import Campaign
from tandem.campaigns.schemas import CampaignFilter, CampaignIn, CampaignPatch
from tandem.core.api_errors import ERROR_TEMPLATES, FALLBACK_TEMPLATE, is_templated
from tandem.core.schemas import PageQuery
from tandem.core.testing import Personas, make_lead
from tandem.leads import services as lead_services
from tandem.leads.models import Company, Deal, Lead, Stage, StageChange
from tandem.leads.schemas import (
    CompanyFilter,
    CompanyIn,
    CompanyPatch,
    DealFilter,
    DealIn,
    DealPatch,
    LeadFilter,
    LeadIn,
    LeadPatch,
    StageMoveIn,
)
from tandem.people.services import create_api_token, revoke_api_token
from tandem.reports.schemas import FunnelQuery

JAN = dt.datetime(2024, 1, 5, 9, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class BadRequest:
    name: str
    method: str
    path: str
    # A JSON body for POST and PATCH, query parameters for GET.
    data: Any
    # The schema that parses `data`, to check its raw errors against the template table.
    schema: type[BaseModel] | TypeAdapter[Any]
    fields: set[str] = field(default_factory=set)
    # What `schema` parses, when that is not `data` (a path parameter).
    parsed: Any = None

    def schema_input(self) -> Any:
        return self.data if self.parsed is None else self.parsed


BAD_REQUESTS = [
    BadRequest("unknown field", "post", "/api/v1/leads", {"nickname": "Al"}, LeadIn, {"nickname"}),
    BadRequest(
        "wrong types",
        "post",
        "/api/v1/leads",
        {"first_name": 5, "company_id": "acme", "attributes": ["a"]},
        LeadIn,
        {"first_name", "company_id", "attributes"},
    ),
    BadRequest(
        "too long", "post", "/api/v1/leads", {"last_name": "x" * 101}, LeadIn, {"last_name"}
    ),
    BadRequest(
        "patterns",
        "post",
        "/api/v1/leads",
        {"email": "not an email", "country": "Germany"},
        LeadIn,
        {"email", "country"},
    ),
    BadRequest("unknown stage", "post", "/api/v1/leads", {"stage": "hot"}, LeadIn, {"stage"}),
    BadRequest("a list body", "post", "/api/v1/leads", [{"first_name": "Al"}], LeadIn, {"request"}),
    BadRequest("a text body", "post", "/api/v1/leads", "Al", LeadIn, {"request"}),
    BadRequest(
        "too many attributes",
        "post",
        "/api/v1/leads",
        {"attributes": {f"a{n}": n for n in range(51)}},
        LeadIn,
        {"attributes"},
    ),
    BadRequest(
        "nested attribute",
        "post",
        "/api/v1/leads",
        {"attributes": {"plan": {"name": "team"}}},
        LeadIn,
        {"attributes"},
    ),
    BadRequest(
        "id out of range",
        "post",
        "/api/v1/leads",
        {"owner_id": 2**64, "company_id": 0},
        LeadIn,
        {"owner_id", "company_id"},
    ),
    BadRequest(
        "null text",
        "patch",
        "/api/v1/leads/{lead}",
        {"first_name": None},
        LeadPatch,
        {"first_name"},
    ),
    BadRequest(
        "stage in a patch", "patch", "/api/v1/leads/{lead}", {"stage": "sal"}, LeadPatch, {"stage"}
    ),
    BadRequest("no stage", "post", "/api/v1/leads/{lead}/stage", {}, StageMoveIn, {"stage"}),
    BadRequest(
        "long reason",
        "post",
        "/api/v1/leads/{lead}/stage",
        {"stage": "mql", "reason": "x" * 501},
        StageMoveIn,
        {"reason"},
    ),
    BadRequest(
        "company fields",
        "post",
        "/api/v1/companies",
        {"employee_count": -1},
        CompanyIn,
        {"name", "employee_count"},
    ),
    BadRequest(
        "fractional count",
        "patch",
        "/api/v1/companies/{company}",
        {"employee_count": 1.5, "name": ""},
        CompanyPatch,
        {"employee_count", "name"},
    ),
    BadRequest(
        "deal numbers and dates",
        "post",
        "/api/v1/deals",
        {"name": "Pilot", "amount": "lots", "currency": "EURO", "opened_on": "yesterday"},
        DealIn,
        {"lead_id", "amount", "currency", "opened_on"},
    ),
    BadRequest(
        "deal amount precision",
        "post",
        "/api/v1/deals",
        {"lead_id": 1, "name": "Pilot", "amount": "1.234", "currency": "EUR"},
        DealIn,
        {"amount"},
    ),
    BadRequest(
        "deal amount digits",
        "post",
        "/api/v1/deals",
        {"lead_id": 1, "name": "Pilot", "amount": "1" * 15, "currency": "EUR"},
        DealIn,
        {"amount"},
    ),
    BadRequest(
        "negative amount",
        "patch",
        "/api/v1/deals/{deal}",
        {"amount": -1, "stage": "signed", "closed_on": "2024-02-30"},
        DealPatch,
        {"amount", "stage", "closed_on"},
    ),
    BadRequest(
        "campaign fields",
        "post",
        "/api/v1/campaigns",
        {"name": "Spring", "utm_key": "has spaces", "channel": "tv", "starts_on": 20240301},
        CampaignIn,
        {"utm_key", "channel", "starts_on"},
    ),
    BadRequest(
        "campaign owner",
        "patch",
        "/api/v1/campaigns/{campaign}",
        {"owner_id": 0, "ends_on": "2024-03-01T10:00:00"},
        CampaignPatch,
        {"owner_id", "ends_on"},
    ),
    BadRequest(
        "page bounds",
        "get",
        "/api/v1/leads",
        {"limit": 0, "offset": -1},
        PageQuery,
        {"limit", "offset"},
    ),
    BadRequest(
        "lead filters",
        "get",
        "/api/v1/leads",
        {"stage": "hot", "owner_id": "me", "search": "x" * 101},
        LeadFilter,
        {"stage", "owner_id", "search"},
    ),
    BadRequest(
        "deal filters",
        "get",
        "/api/v1/deals",
        {"lead_id": "first", "stage": "signed"},
        DealFilter,
        {"lead_id", "stage"},
    ),
    BadRequest(
        "company filters",
        "get",
        "/api/v1/companies",
        {"segment": "x" * 101},
        CompanyFilter,
        {"segment"},
    ),
    BadRequest(
        "campaign filters",
        "get",
        "/api/v1/campaigns",
        {"channel": "tv"},
        CampaignFilter,
        {"channel"},
    ),
    BadRequest(
        "report months",
        "get",
        "/api/v1/reports/funnel",
        {"first_month": "2024-13", "last_month": "May"},
        FunnelQuery,
        {"first_month", "last_month"},
    ),
    BadRequest(
        "id in the path", "get", "/api/v1/leads/first", {}, TypeAdapter(int), {"lead_id"}, "first"
    ),
]


@pytest.fixture
def targets(personas: Personas) -> dict[str, int]:
    """One of everything the bad requests aim at, visible to and editable by an admin."""
    lead = make_lead(stage=Stage.SQL, owner=personas.sales_rep, at=JAN)
    deal = lead_services.create_deal(
        lead=lead, by=None, name="Pilot", amount=Decimal(1), currency="EUR"
    )
    company = lead_services.create_company(by=None, name="Acme")
    campaign = campaign_services.create_campaign(
        by=personas.marketer, name="Spring", utm_key="spring", channel="email"
    )
    return {"lead": lead.pk, "deal": deal.pk, "company": company.pk, "campaign": campaign.pk}


def database_state() -> list[Any]:
    return [
        list(model.objects.order_by("pk").values_list("pk", "updated_at"))
        for model in (Lead, Deal, Company, Campaign)
    ] + [StageChange.objects.count()]


def send(client: Client, request: BadRequest, targets: dict[str, int]) -> Any:
    path = request.path.format(**targets)
    if request.method == "get":
        return client.get(path, request.data)
    send_method = getattr(client, request.method)
    return send_method(path, json.dumps(request.data), content_type="application/json")


@pytest.mark.parametrize("request_", BAD_REQUESTS, ids=[request.name for request in BAD_REQUESTS])
def test_a_bad_request_names_each_field_in_a_templated_sentence(
    api_as: Any, targets: dict[str, int], request_: BadRequest
) -> None:
    client = api_as("admin").client
    before = database_state()

    response = send(client, request_, targets)

    assert response.status_code == 422
    body = response.json()
    assert list(body) == ["error"]
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "invalid"
    assert set(body["error"]["fields"]) == request_.fields
    untemplated = FALLBACK_TEMPLATE.format(field="")
    for name, sentence in body["error"]["fields"].items():
        assert sentence != FALLBACK_TEMPLATE.format(field=name)
        assert not sentence.endswith(untemplated)
        assert sentence in body["error"]["message"]
    assert database_state() == before


@pytest.mark.parametrize("request_", BAD_REQUESTS, ids=[request.name for request in BAD_REQUESTS])
def test_every_error_type_a_bad_request_produces_is_in_the_template_table(
    request_: BadRequest,
) -> None:
    schema = request_.schema
    adapter = schema if isinstance(schema, TypeAdapter) else TypeAdapter(schema)

    with pytest.raises(ValidationError) as raised:
        adapter.validate_python(request_.schema_input())

    errors = [dict(error) for error in raised.value.errors()]
    assert [error["type"] for error in errors if not is_templated(error)] == []


def test_the_template_table_names_the_field_in_every_sentence() -> None:
    # The one sentence about the whole body names no field.
    whole_body = {"json_invalid"}

    assert [
        kind
        for kind, template in ERROR_TEMPLATES.items()
        if kind not in whole_body and "{field}" not in template
    ] == []


def test_a_body_that_is_not_json_is_refused_in_the_one_shape(
    api_as: Any, personas: Personas
) -> None:
    client = api_as("marketer").client

    response = client.post("/api/v1/leads", "{first_name: Al", content_type="application/json")

    assert response.status_code == 400
    message = ERROR_TEMPLATES["json_invalid"]
    assert response.json() == {
        "error": {"code": "invalid", "message": message, "fields": {"request": message}}
    }
    assert not Lead.objects.exists()


# Authentication ---------------------------------------------------------------------------


UNAUTHENTICATED_BODY = {
    "error": {"code": "unauthenticated", "message": UNAUTHENTICATED, "fields": {}}
}
PROTECTED = [
    ("get", "/api/v1/leads"),
    ("post", "/api/v1/leads"),
    ("get", "/api/v1/companies"),
    ("get", "/api/v1/deals"),
    ("get", "/api/v1/campaigns"),
    ("get", "/api/v1/reports/funnel"),
]


def call(client: Client, method: str, path: str) -> Any:
    if method == "get":
        return client.get(path)
    return client.post(path, json.dumps({"first_name": "Al"}), content_type="application/json")


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_a_request_without_a_token_is_unauthenticated(
    personas: Personas, method: str, path: str
) -> None:
    response = call(Client(), method, path)

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED_BODY
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    "authorization", ["Bearer tdm_not-a-real-token", "Bearer ", "Basic bWFya2V0ZXI6cHc=", "tdm_x"]
)
def test_a_bad_token_is_unauthenticated(personas: Personas, authorization: str) -> None:
    client = Client(headers={"Authorization": authorization})

    response = call(client, "post", "/api/v1/leads")

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED_BODY
    assert not Lead.objects.exists()


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_a_revoked_token_is_unauthenticated(personas: Personas, method: str, path: str) -> None:
    issued = create_api_token(username="marketer")
    revoke_api_token(username="marketer", prefix=issued.token.prefix)
    client = Client(headers={"Authorization": f"Bearer {issued.secret}"})

    response = call(client, method, path)

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED_BODY
    assert not Lead.objects.exists()


def test_the_token_of_a_deactivated_person_is_unauthenticated(personas: Personas) -> None:
    issued = create_api_token(username="marketer")
    personas.marketer.is_active = False
    personas.marketer.save(update_fields=["is_active"])
    client = Client(headers={"Authorization": f"Bearer {issued.secret}"})

    response = call(client, "get", "/api/v1/leads")

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED_BODY


def test_an_unknown_api_address_answers_in_the_one_shape(api_as: Any) -> None:
    response = api_as("marketer").get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "There is nothing at this address.", "fields": {}}
    }


def test_a_method_an_address_does_not_take_answers_in_the_one_shape(api_as: Any) -> None:
    response = api_as("marketer").client.delete("/api/v1/leads")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "does not accept DELETE" in response.json()["error"]["message"]
