"""Inserting many rows without the ORM's per-object work: COPY on PostgreSQL, executemany
on SQLite. For derived tables rebuilt in bulk (the reporting facts) and generated data.

Rows are dicts keyed by field attname; fields left out take their model default. No model
validation, no signals: the caller is responsible for respecting the constraints (and the
database still enforces them)."""

import contextlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from django.db import connection, models


def insert_objects(model, objects: list) -> None:
    """Unsaved instances of `model`, inserted as rows (auto-increment keys left out)."""
    names = [f.attname for f in _fields(model)]
    insert_rows(model, [{n: getattr(o, n) for n in names} for o in objects])


def _fields(model) -> list:
    return [
        f
        for f in model._meta.concrete_fields
        if not (isinstance(f, models.AutoField | models.BigAutoField))
    ]


def _default(field):
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    raise ValueError(f"{field.model.__name__}.{field.name} needs a value")


def insert_rows(model, rows: list[dict]) -> None:
    fields = _fields(model)
    defaults = {}
    for f in fields:
        # Without a default every row must give it; the database says so if one does not.
        with contextlib.suppress(ValueError):
            defaults[f.attname] = _default(f)
    columns = [f.column for f in fields]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
            names = ", ".join(f'"{c}"' for c in columns)
            with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(
                        [
                            json.dumps(v) if f.attname in json_fields else v
                            for f in fields
                            for v in (row.get(f.attname, defaults.get(f.attname)),)
                        ]
                    )
        else:
            placeholders = ", ".join("?" for _ in columns)
            names = ", ".join(f'"{c}"' for c in columns)
            cursor.executemany(
                f'INSERT INTO "{table}" ({names}) VALUES ({placeholders})',
                [
                    [_sqlite(row.get(f.attname, defaults.get(f.attname))) for f in fields]
                    for row in rows
                ],
            )


def _sqlite(value):
    """Python values as Django's SQLite backend stores them."""
    if isinstance(value, UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, Decimal):
        return str(value)
    return value
