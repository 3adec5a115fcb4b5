from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


class TimestampedModel(models.Model):
    """A row that remembers when it was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class RowidOneToOneField(models.OneToOneField):  # type: ignore[type-arg]
    """A one-to-one primary key that SQLite stores as the table's rowid.

    SQLite makes a column the rowid only when it is declared exactly `integer primary key`;
    Django declares keys that point at a big auto field as `bigint`, which costs a separate
    index, and a second lookup per row. Tables with one row per lead, read and written a
    million rows at a time, use this field. Other databases get the usual type.
    """

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        if connection.vendor == "sqlite":
            return "integer"
        return super().db_type(connection)
