"""The one error shape of the JSON API: `{"error": {"code", "message", "fields"}}`.

Pydantic's validation errors are turned into sentences through `ERROR_TEMPLATES`, keyed by the
error type; a test fails when a request can produce a type the table does not know.
"""

from typing import Any

ERROR_TEMPLATES: dict[str, str] = {
    "missing": "{field} is required.",
    "extra_forbidden": "{field} is not a field here.",
    "string_type": "{field} must be text.",
    "string_too_short": "{field} must be at least {min_length} characters long.",
    "string_too_long": "{field} must be at most {max_length} characters long.",
    "string_pattern_mismatch": "{field} is not in the expected format.",
    "int_type": "{field} must be a whole number.",
    "int_parsing": "{field} must be a whole number.",
    "int_from_float": "{field} must be a whole number.",
    "float_type": "{field} must be a number.",
    "float_parsing": "{field} must be a number.",
    "decimal_type": "{field} must be a number.",
    "decimal_parsing": "{field} must be a number.",
    "decimal_max_digits": "{field} has too many digits.",
    "decimal_max_places": "{field} has too many decimal places.",
    "decimal_whole_digits": "{field} has too many digits before the decimal point.",
    "greater_than": "{field} must be greater than {gt}.",
    "greater_than_equal": "{field} must be at least {ge}.",
    "less_than": "{field} must be less than {lt}.",
    "less_than_equal": "{field} must be at most {le}.",
    "bool_type": "{field} must be true or false.",
    "bool_parsing": "{field} must be true or false.",
    "date_type": "{field} must be a date (YYYY-MM-DD).",
    "date_parsing": "{field} must be a date (YYYY-MM-DD).",
    "date_from_datetime_parsing": "{field} must be a date (YYYY-MM-DD).",
    "date_from_datetime_inexact": "{field} must be a date without a time.",
    "datetime_type": "{field} must be a date and time (ISO 8601).",
    "datetime_parsing": "{field} must be a date and time (ISO 8601).",
    "datetime_from_date_parsing": "{field} must be a date and time (ISO 8601).",
    "timezone_aware": "{field} must include a time zone offset.",
    "time_type": "{field} must be a time of day (HH:MM).",
    "time_parsing": "{field} must be a time of day (HH:MM).",
    "enum": "{field} must be one of: {expected}.",
    "literal_error": "{field} must be one of: {expected}.",
    "value_error": "{field}: {reason}",
    "assertion_error": "{field}: {reason}",
    "dict_type": "{field} must be an object.",
    "list_type": "{field} must be a list.",
    "too_long": "{field} may hold at most {max_length} items.",
    "too_short": "{field} must hold at least {min_length} items.",
    "model_type": "{field} must be an object.",
    "model_attributes_type": "{field} must be an object.",
    "json_invalid": "The request body is not valid JSON.",
    "json_type": "{field} must be valid JSON.",
    "none_required": "{field} must be empty.",
    "is_instance_of": "{field} has the wrong type.",
    "union_tag_invalid": "{field} has an unknown kind.",
}
FALLBACK_TEMPLATE = "{field} is not valid."
# Where in the request a field was, to leave out of the field's name.
LOCATIONS = frozenset({"body", "query", "path", "header", "cookie", "form", "payload"})


def field_name(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in location if part not in LOCATIONS]
    # ninja nests a body schema under the handler's parameter name; drop that level.
    if len(location) > 1 and location[0] == "body" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "request"


def sentence_for(error: dict[str, Any]) -> str:
    template = ERROR_TEMPLATES.get(error.get("type", ""), FALLBACK_TEMPLATE)
    context = dict(error.get("ctx") or {})
    reason = str(context.get("error", error.get("msg", ""))).removeprefix("Value error, ")
    return template.format(
        field=field_name(error.get("loc", ())),
        reason=reason,
        **{key: value for key, value in context.items() if key not in {"field", "reason"}},
    )


def is_templated(error: dict[str, Any]) -> bool:
    return error.get("type", "") in ERROR_TEMPLATES


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def validation_error_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    fields = {field_name(error.get("loc", ())): sentence_for(error) for error in errors}
    message = " ".join(dict.fromkeys(fields.values()))
    return error_body("invalid", message, fields)
