"""Gives the API's one error shape to the 4xx answers produced before an API handler runs."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from tandem.core.api_errors import error_body

API_PREFIX = "/api/"
NOTHING_HERE = "There is nothing at this address."
METHOD_NOT_ALLOWED = "This address does not accept {method}; it accepts {allowed}."


class ApiErrorShapeMiddleware:
    """An unknown path under /api/ or a method a path does not take would otherwise answer with
    an HTML page or plain text; programs get `{"error": {...}}` there too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not request.path.startswith(API_PREFIX)
            or not 400 <= response.status_code < 500
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        if response.status_code == 405:
            allowed = response.get("Allow", "")
            shaped = JsonResponse(
                error_body(
                    "method_not_allowed",
                    METHOD_NOT_ALLOWED.format(method=request.method, allowed=allowed),
                ),
                status=405,
            )
            shaped["Allow"] = allowed
            return shaped
        if response.status_code == 404:
            return JsonResponse(error_body("not_found", NOTHING_HERE), status=404)
        return JsonResponse(
            error_body("http_error", response.reason_phrase), status=response.status_code
        )
