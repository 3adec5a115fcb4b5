"""The one NinjaAPI. Every route requires a personal API token or a signed-in session, and
every 4xx answers with the same shape: `{"error": {"code", "message", "fields"}}`."""

from typing import Any

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from tandem.agreement.api import router as agreement_router
from tandem.campaigns.api import router as campaigns_router
from tandem.core.api_errors import error_body, validation_error_body
from tandem.core.errors import DomainError
from tandem.handoff.api import router as handoff_router
from tandem.handoff.routing_api import router as routing_router
from tandem.handoff.sla_api import router as service_levels_router
from tandem.leads.api import companies_router, deals_router, leads_router
from tandem.nurture.api import router as nurture_router
from tandem.people.queries import user_for_token
from tandem.planning.api import router as planning_router
from tandem.reports.api import router as reports_router
from tandem.reports.snapshot_api import router as snapshots_router
from tandem.reports.wins_api import router as wins_router

UNAUTHENTICATED = (
    "Sign in, or send a personal API token as 'Authorization: Bearer <token>' "
    "(create one with `tandem token create USERNAME`)."
)


HTTP_ERROR_CODES = {400: "invalid", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Tandem API",
    version="1",
    description="One funnel for sales and marketing. Authenticate with a personal API token "
    "(`Authorization: Bearer <token>`), or with the session of a signed-in browser.",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
    urls_namespace="api",
)


def _respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return _respond(request, error.status_code, error_body(error.code, error.message, error.fields))


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return _respond(request, 422, validation_error_body(list(error.errors)))


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return _respond(request, 401, error_body("unauthenticated", UNAUTHENTICATED))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return _respond(request, 404, error_body("not_found", "There is nothing at this address."))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if isinstance(error.__cause__, ValueError):
        # ninja could not decode the body (not JSON, or not UTF-8) and wrapped the reason.
        return _respond(
            request, 400, validation_error_body([{"type": "json_invalid", "loc": ("body",)}])
        )
    code = HTTP_ERROR_CODES.get(error.status_code, "http_error")
    return _respond(request, error.status_code, error_body(code, error.message))


api.add_router("/v1/leads", leads_router)
api.add_router("/v1/companies", companies_router)
api.add_router("/v1/deals", deals_router)
api.add_router("/v1/campaigns", campaigns_router)
api.add_router("/v1/reports", reports_router)
api.add_router("/v1/agreement", agreement_router)
api.add_router("/v1/handoff/routing", routing_router)
api.add_router("/v1/handoff", handoff_router)
api.add_router("/v1/handoff", service_levels_router)
api.add_router("/v1/nurture", nurture_router)
api.add_router("/v1/planning", planning_router)
api.add_router("/v1/snapshots", snapshots_router)
api.add_router("/v1/wins", wins_router)
