"""The one family of application errors.

Services raise these; the API turns each into a 4xx with `{"error": {"code", "message",
"fields"}}` and pages show the message. Message texts are module constants so tests can assert
them exactly.
"""

from collections.abc import Collection, Mapping

UNKNOWN_FIELDS = "These fields cannot be changed here: {names}."


class DomainError(Exception):
    """A request that cannot be carried out as asked; never a bug."""

    status_code = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields: dict[str, str] = dict(fields or {})


class NotFound(DomainError):
    """The object does not exist, or the actor may not see it (the two are indistinguishable)."""

    status_code = 404
    code = "not_found"


class PermissionDenied(DomainError):
    """The actor may see the object but not do this to it."""

    status_code = 403
    code = "forbidden"


class Conflict(DomainError):
    """The request is valid but clashes with the object's current state."""

    status_code = 409
    code = "conflict"


def check_known_fields(changes: Mapping[str, object], allowed: Collection[str]) -> None:
    """Refuse a change that names fields outside `allowed`, naming each of them."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise DomainError(
            UNKNOWN_FIELDS.format(names=", ".join(unknown)),
            fields=dict.fromkeys(unknown, "not changeable"),
        )
