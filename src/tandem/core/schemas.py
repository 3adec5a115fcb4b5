"""Schema pieces every API router shares: bounds, the error shape, pagination, patch fields."""

from collections.abc import Callable
from typing import Annotated, Any

from django.conf import settings
from django.contrib.auth.models import User
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict

# Ids are 64-bit; a larger number could never name a row and would overflow the database driver.
MAX_ID = 2**63 - 1
# PostgreSQL's `integer`, the column behind PositiveIntegerField.
MAX_INTEGER = 2**31 - 1
COUNTRY_PATTERN = r"^([A-Z]{2})?$"
EMAIL_PATTERN = r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$"
CURRENCY_PATTERN = r"^[A-Za-z]{3}$"

ATTRIBUTES_MAX_ITEMS = 50
ATTRIBUTE_NAME_MAX_LENGTH = 100
ATTRIBUTE_TEXT_MAX_LENGTH = 500
ATTRIBUTE_NAME_TOO_LONG = "attribute names may be at most {max_length} characters long"
ATTRIBUTE_TEXT_TOO_LONG = "the attribute {name} may be at most {max_length} characters long"
ATTRIBUTE_NOT_SCALAR = "the attribute {name} must be text, a number, true/false or null"


def check_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """Custom attributes are flat: short names, and scalar values of bounded length."""
    for name, value in attributes.items():
        if len(name) > ATTRIBUTE_NAME_MAX_LENGTH:
            raise ValueError(ATTRIBUTE_NAME_TOO_LONG.format(max_length=ATTRIBUTE_NAME_MAX_LENGTH))
        if value is not None and not isinstance(value, str | int | float | bool):
            raise ValueError(ATTRIBUTE_NOT_SCALAR.format(name=name))
        if isinstance(value, str) and len(value) > ATTRIBUTE_TEXT_MAX_LENGTH:
            raise ValueError(
                ATTRIBUTE_TEXT_TOO_LONG.format(name=name, max_length=ATTRIBUTE_TEXT_MAX_LENGTH)
            )
    return attributes


Attributes = Annotated[
    dict[str, Any],
    Field(
        max_length=ATTRIBUTES_MAX_ITEMS,
        description=f"Custom attributes: up to {ATTRIBUTES_MAX_ITEMS} names, each with text "
        f"(at most {ATTRIBUTE_TEXT_MAX_LENGTH} characters), a number, true/false or null.",
    ),
    AfterValidator(check_attributes),
]


def patch_field(
    *, json_schema_extra: Callable[[dict[str, Any]], None] | None = None, **constraints: Any
) -> Any:
    """A field of a Patch schema: optional, and left alone when the client does not send it.

    Handlers read Patch schemas with `model_dump(exclude_unset=True)`, so the None placeholder
    never reaches a service; it is kept out of the OpenAPI schema, and a field that cannot be
    empty still refuses an explicit null.
    """

    def without_default(schema: dict[str, Any]) -> None:
        schema.pop("default", None)
        if json_schema_extra is not None:
            json_schema_extra(schema)

    return Field(None, json_schema_extra=without_default, **constraints)


class InSchema(Schema):
    """Base of every schema a client sends: a field the schema does not know is an error."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Schema):
    code: str = Field(description="Stable machine-readable code, e.g. `invalid`, `not_found`.")
    message: str = Field(description="A sentence for a person.")
    fields: dict[str, str] = Field(description="Per request field, what is wrong with it.")


class ErrorOut(Schema):
    """The one shape of every 4xx answer."""

    error: ErrorDetail = Field(description="What went wrong.")


READ_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**READ_ERRORS, 400: ErrorOut, 409: ErrorOut}


class PageQuery(Schema):
    """Limit/offset pagination; lists are in a stable order, so pages do not overlap."""

    limit: int = Field(
        settings.API_PAGE_SIZE_DEFAULT,
        ge=1,
        le=settings.API_PAGE_SIZE_MAX,
        description=f"How many items to return (at most {settings.API_PAGE_SIZE_MAX}).",
    )
    offset: int = Field(
        0, ge=0, le=MAX_INTEGER, description="How many items to skip from the start of the list."
    )


class PersonRef(Schema):
    id: int = Field(description="The person's id.")
    username: str = Field(description="The person's username.")
    name: str = Field(description="The person's full name, or their username when they have none.")

    @staticmethod
    def resolve_name(user: User) -> str:
        return user.get_full_name() or user.username


def text_pattern(pattern: str) -> Callable[[dict[str, Any]], None]:
    """Document the text form a decimal field also accepts (`"12.50"`) as precisely as its
    number form: the pattern goes on every string option of the field's schema."""

    def document(schema: dict[str, Any]) -> None:
        for option in schema.get("anyOf", []):
            if option.get("type") == "string":
                option["pattern"] = pattern
            document(option)

    return document
