"""Delete many rows without holding them all: primary-key batches, one transaction each.

`QuerySet.delete()` on a million rows collects every row (and its cascades) in memory
and holds one transaction for the whole run. Maintenance commands (`purge_sessions`,
and `purge_events` after it) call `delete_in_batches` instead: memory stays flat,
locks are short, and a run stopped half-way has kept what it deleted.
"""

from collections.abc import Iterator
from typing import Any

from django.db import connections, transaction
from django.db.models import QuerySet

DELETE_BATCH_SIZE = 2000


def delete_in_batches(
    queryset: QuerySet, *, batch_size: int = DELETE_BATCH_SIZE
) -> int:
    """Delete the queryset's rows (and cascades) in id batches; return how many went.

    Each batch is the next `batch_size` ids after the last one (keyset paging: no
    batch rescans what an earlier one deleted), deleted through the ORM in its own
    transaction so cascades and `SET_NULL`s apply. The queryset's filter is applied
    again inside the transaction, so a row that stopped matching is kept.
    """
    model = queryset.model
    label = model._meta.label
    deleted = 0
    last_pk = None
    while True:
        page = queryset.order_by("pk")
        if last_pk is not None:
            page = page.filter(pk__gt=last_pk)
        ids = list(page.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        with transaction.atomic():
            _, per_model = queryset.filter(pk__in=ids).delete()
        deleted += per_model.get(label, 0)
        last_pk = ids[-1]


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def update_by_key(
    queryset: QuerySet, *, key: str, field: str, values: dict[Any, Any]
) -> int:
    """Set `field` to a value per `key` in one UPDATE per chunk; return rows changed.

    `values` maps key values to new field values. Only rows of `queryset` (whose
    filter must not join other tables) change. `QuerySet.bulk_update` builds one CASE
    branch per row in Python, which costs more than the write itself at thousands of
    rows; this joins the table to a VALUES list instead (PostgreSQL, SQLite >= 3.33).
    """
    if not values:
        return 0
    model = queryset.model
    connection = connections[queryset.db]
    key_field = model._meta.get_field(key)
    value_field = model._meta.get_field(field)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    key_column, value_column = quote(key_field.column), quote(value_field.column)
    where, where_params = queryset.query.get_compiler(queryset.db).compile(
        queryset.query.where
    )
    size = max((connection.features.max_query_params or 30_000) // 3 - 50, 1)
    changed = 0
    for chunk in _chunks(list(values.items()), size):
        rows = ", ".join(["(%s, %s)"] * len(chunk))
        params, keys = [], []
        for key_value, value in chunk:
            keys.append(key_field.get_db_prep_value(key_value, connection))
            params += [keys[-1], value_field.get_db_prep_value(value, connection)]
        # The key list again, as IN: joined to VALUES alone, PostgreSQL reads the whole
        # table for every chunk (a hash join), which made a long run quadratic.
        sql = (
            f"WITH new_values (k, v) AS (VALUES {rows}) "
            f"UPDATE {table} SET {value_column} = new_values.v FROM new_values "
            f"WHERE {table}.{key_column} = new_values.k "
            f"AND {table}.{key_column} IN ({', '.join(['%s'] * len(keys))})"
        )
        if where:
            sql += f" AND {where}"
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *keys, *where_params])
            changed += cursor.rowcount
    return changed
