"""Bulk loads that bypass the ORM (the demo loader, imports) reserve ids up front, so a
batch can link its rows — a contact to its company, a history entry to its record —
before writing them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models.expressions import RawSQL


def sqlite_reserve_ids(cursor, table: str, count: int, pk: str = "id") -> int:
    """Move SQLite's id counter of `table` past a block of `count` ids; the first one.

    Call it inside a write transaction: on SQLite that holds the database's only write
    lock (`BEGIN IMMEDIATE`), so reading the highest id and moving `sqlite_sequence`
    cannot race another writer. AUTOINCREMENT tables remember their highest id ever in
    `sqlite_sequence`, so ids of deleted rows are not given again.
    """
    quoted = connection.ops.quote_name(table)
    column = connection.ops.quote_name(pk)
    cursor.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {quoted}")  # noqa: S608 - names from model metadata
    first = cursor.fetchone()[0] + 1
    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
    found = cursor.fetchone()
    if found is not None:
        first = max(first, found[0] + 1)
        cursor.execute(
            "UPDATE sqlite_sequence SET seq = %s WHERE name = %s",
            [first + count - 1, table],
        )
    else:
        cursor.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
            [table, first + count - 1],
        )
    return first


def listed(values: Iterable) -> RawSQL:
    """`values` as one query parameter, for `field__in=listed(values)`.

    Django compiles a plain list term by term (1.5 s for the 300,000 values of a
    100,000-row import, measured); one JSON array (SQLite) or array (PostgreSQL)
    costs nothing to compile, and the planner still probes the column's index once
    per value. Values are all integers (ids) or all text.
    """
    values = list(values)
    if connection.vendor == "postgresql":
        numbers = all(isinstance(v, int) for v in values)
        cast = "bigint[]" if numbers and values else "text[]"
        return RawSQL(f"SELECT unnest(%s::{cast})", [values])  # noqa: S611 - a constant cast
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(values)])


def refresh_statistics(models) -> None:
    """Recount the planner's statistics of these models' tables after a bulk load.

    Without them, or with sampled ones, SQLite takes the index on `deleted_at` (all
    NULL) for "live contacts" and sorts a million rows for the first page instead of
    walking the name index. Exact statistics take seconds per million rows.
    """
    tables = sorted({model._meta.db_table for model in models})
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 0")
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


# Pages SQLite keeps in memory during a bulk load (KiB; the default is 64 MB).
BULK_CACHE_KIB = 262_144


@contextmanager
def bulk_cache() -> Iterator[None]:
    """A larger SQLite page cache for the length of a bulk load.

    Each new row goes into every index of its table at a random place (by name,
    e-mail, phone…); past a few hundred thousand rows those indexes outgrow the
    usual cache and every insert reads its pages back from the file (measured:
    the rate of a contacts import falling from 4,400 to 3,300 rows/s between 200 k
    and 400 k rows). The cache is bounded, so memory still does not grow with the
    file; the connection gets its usual size back afterwards.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        usual = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(usual)}")


def by_external_id(queryset, values):
    """Rows of `queryset` having this external ID (a string) or one of these (an
    iterable), of any model with the usual partial unique index on `external_id`.

    That index is partial (`NOT external_id = ''`), and SQLite uses a partial index
    only when the query repeats its condition (PostgreSQL cannot prove it for an
    `IN` list past 100 values): without it every such look-up reads the whole table.
    """
    if isinstance(values, str):
        queryset = queryset.filter(external_id=values)
    else:
        queryset = queryset.filter(external_id__in=listed(v for v in values if v))
    return queryset.exclude(external_id="")
