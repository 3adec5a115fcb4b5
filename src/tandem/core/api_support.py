"""Request typing and pagination shared by every API router."""

from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from tandem.core.schemas import PageQuery

RowT = TypeVar("RowT", bound=Model)
UNIQUE_ORDERING = frozenset({"pk", "-pk", "id", "-id"})


class ApiRequest(HttpRequest):
    """A request that passed the API's authentication: `auth` is the person making it."""

    auth: User


def page_of(rows: QuerySet[RowT], page: PageQuery) -> dict[str, Any]:
    """One page of `rows` and how many there are in all: one COUNT and one SELECT."""
    ordering = list(rows.query.order_by or rows.model._meta.ordering or ())
    # Offsets only make sense over a total order; break ties by id.
    if not UNIQUE_ORDERING & {field for field in ordering if isinstance(field, str)}:
        rows = rows.order_by(*ordering, "pk")
    return {"count": rows.count(), "items": list(rows[page.offset : page.offset + page.limit])}
