"""Multi-row INSERTs and UPDATEs for the signing batch, without the ORM's per-value work.

``QuerySet.bulk_create`` prepares every value of every row through the field's full save
path (``pre_save``, ``get_db_prep_save``, expression checks): about a quarter of a
millisecond of CPU per signature and its email, most of what the group-commit writer spent
under a surge. Here each field's adapter is chosen once per model, and plain values (text,
numbers, booleans) pass straight to the driver. Values are taken as they are on the
instances: nothing is computed on save (no ``auto_now``), so set everything beforehand.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, models

Adapter = Callable[[Any], Any]

# Field classes whose Python values the database drivers take as they are. Exact classes
# only: a subclass (django-countries' CountryField is a CharField) may hold another type.
_PLAIN_FIELDS: tuple[type[models.Field[Any, Any]], ...] = (
    models.CharField,
    models.EmailField,
    models.SlugField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
)


def _identity(value: Any) -> Any:
    return value


@functools.cache
def _plan(
    model: type[models.Model], returning: tuple[str, ...], alias: str
) -> tuple[str, list[str], list[Adapter], str]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and isinstance(field, models.AutoField))
    ]
    adapters = [_adapter(field, alias) for field in fields]
    # Only the model's own table and column names, quoted; every value is a parameter.
    columns = ", ".join(quote(field.column) for field in fields)  # type: ignore[arg-type]
    insert = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608  # nosec B608
    returned = [model._meta.get_field(name) for name in returning]
    suffix = (
        " RETURNING " + ", ".join(quote(field.column) for field in returned)  # type: ignore[union-attr, arg-type]
        if returning
        else ""
    )
    return insert, [field.attname for field in fields], adapters, suffix


def _adapter(field: models.Field[Any, Any], alias: str) -> Adapter:
    if type(field) in _PLAIN_FIELDS:
        return _identity
    if type(field) is models.DateTimeField:
        return connections[alias].ops.adapt_datetimefield_value
    return functools.partial(_field_prep, field, alias)


def _field_prep(field: models.Field[Any, Any], alias: str, value: Any) -> Any:
    return field.get_db_prep_save(value, connections[alias])


def instance_values(instance: models.Model, *, alias: str = "default") -> list[Any]:
    """The parameters that ``rows_insert`` takes for ``instance``: every concrete column but
    an automatic primary key, in the model's order, each prepared for the driver.

    Preparing is most of an INSERT's CPU; a caller can do it before it takes a lock (the
    signing path does it in the request's thread, before the batch writer's turn).
    """
    _insert, attnames, adapters, _suffix = _plan(type(instance), (), alias)
    return [
        adapter(getattr(instance, attname))
        for attname, adapter in zip(attnames, adapters, strict=True)
    ]


def value_position(model: type[models.Model], attname: str, *, alias: str = "default") -> int:
    """Where the value of field ``attname`` stands in ``instance_values``' list."""
    return _plan(model, (), alias)[1].index(attname)


def rows_insert(
    model: type[models.Model],
    rows: Sequence[Sequence[Any]],
    *,
    returning: Sequence[str] = (),
    alias: str = "default",
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (each from ``instance_values``) of ``model`` in the caller's transaction.

    Returns the ``returning`` columns of the new rows (SQLite 3.35+ and PostgreSQL have
    ``RETURNING``) in no promised order: return a unique column beside the id to tell the
    rows apart. Each statement carries at most as many parameters as the database allows.
    """
    if not rows:
        return []
    insert, attnames, _adapters, suffix = _plan(model, tuple(returning), alias)
    connection = connections[alias]
    placeholder = "(" + ", ".join(["%s"] * len(attnames)) + ")"
    per_statement = max(1, (connection.features.max_query_params or 65535) // len(attnames))
    returned: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            parameters = [value for row in chunk for value in row]
            cursor.execute(f"{insert}{', '.join([placeholder] * len(chunk))}{suffix}", parameters)
            if returning:
                returned.extend(tuple(row) for row in cursor.fetchall())
    return returned


def instances_saved(instances: Sequence[models.Model], *, alias: str = "default") -> None:
    """Mark ``instances`` as saved in ``alias``, as ``save()`` would, once they are inserted."""
    for instance in instances:
        instance._state.adding = False
        instance._state.db = alias


def instances_insert(
    instances: Sequence[models.Model], *, returning: Sequence[str] = (), alias: str = "default"
) -> list[tuple[Any, ...]]:
    """Insert unsaved ``instances`` of one model in the caller's transaction (``rows_insert``
    of their ``instance_values``)."""
    if not instances:
        return []
    returned = rows_insert(
        type(instances[0]),
        [instance_values(instance, alias=alias) for instance in instances],
        returning=returning,
        alias=alias,
    )
    instances_saved(instances, alias=alias)
    return returned


@functools.cache
def _update_plan(
    model: type[models.Model], names: tuple[str, ...], alias: str
) -> tuple[str, list[str], list[Adapter]]:
    quote = connections[alias].ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)  # type: ignore[union-attr, arg-type]
    pk = model._meta.pk
    assert pk is not None and pk.column is not None
    table = quote(model._meta.db_table)
    update = f"UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s"  # noqa: S608  # nosec B608
    attnames = [field.attname for field in fields] + [pk.attname]  # type: ignore[union-attr]
    adapters = [_adapter(field, alias) for field in fields] + [_identity]  # type: ignore[arg-type]
    return update, attnames, adapters


def instances_update(
    instances: Sequence[models.Model], fields: Sequence[str], *, alias: str = "default"
) -> None:
    """Write ``fields`` of saved ``instances`` of one model, as they are in memory: one
    prepared UPDATE by primary key, run for each instance (``executemany``).

    ``QuerySet.bulk_update`` builds one CASE expression per field over all the rows, which
    costs far more CPU than the writes themselves for the few rows a signing batch changes.
    """
    if not instances:
        return
    update, attnames, adapters = _update_plan(type(instances[0]), tuple(fields), alias)
    with connections[alias].cursor() as cursor:
        cursor.executemany(
            update,
            [
                [
                    adapter(getattr(instance, attname))
                    for attname, adapter in zip(attnames, adapters, strict=True)
                ]
                for instance in instances
            ],
        )
