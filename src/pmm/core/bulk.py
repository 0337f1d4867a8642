"""Set-based inserts: many rows in one statement, no model object built (COPY on PostgreSQL).

For writes of thousands of rows at once (a cycle's results, a publication), where `bulk_create`
spends its time building model objects. Values are given as the database takes them (`db_value`).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

from django.db import connections, models, router


def bulk_insert(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert `rows` (the values of `fields`, ready for the database) in one statement, whatever their
    number, and no model object built: on PostgreSQL a COPY, elsewhere one INSERT that the driver runs
    for every row (`executemany`). Nothing is sent back: no primary key, no signal (as `bulk_create`)."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    name = connection.ops.quote_name
    table = name(model._meta.db_table)
    columns = ", ".join(name(_column(model, f).column or "") for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            values = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({values})", rows)  # noqa: S608 - the model's names, values bound
            return
        sql = f"COPY {table} ({columns}) FROM STDIN"
        logged = getattr(cursor, "debug_sql", None)  # the query log, when it is kept (DEBUG, tests)
        with logged(sql, rows, many=True) if logged else nullcontext(), cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


def _column(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column, f"{name} is not a column"
    return field


def db_value(model: type[models.Model], field: str, value: Any) -> Any:
    """`value` as the database takes it for `model.field` (a JSON document, a date and time)."""
    return _column(model, field).get_db_prep_save(value, connections[router.db_for_write(model)])
