"""Fast inserts of prepared rows, bypassing the ORM, on SQLite and PostgreSQL.

The demo dataset is millions of rows; building model instances and saving them one
by one would take hours. Here rows are plain tuples in a fixed column order:
SQLite gets them through `executemany` on the driver's own connection, PostgreSQL
through `COPY`. Columns the generator does not fill get their model default, so a
field another app adds later (with a default, as every migration needs) does not
break the loader.

Ids of companies and contacts are reserved up front (`reserve_ids`) so the generator
can link rows to each other without asking the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

from crm.core.bulk import sqlite_reserve_ids


class Table:
    """The insert statement of one model for a given list of columns."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        self.name = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise ValueError(f"{model.__name__} has no column {', '.join(unknown)}")
        rest = [
            f
            for f in model._meta.concrete_fields
            if f.attname not in columns and not f.primary_key
        ]
        self.columns = [fields[c].column for c in columns] + [f.column for f in rest]
        # One value for every row: the field's default as the database stores it.
        self.tail = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        self.searchable = "search_text" in fields

    def column_list(self) -> str:
        return ", ".join(connection.ops.quote_name(c) for c in self.columns)


def insert(table: Table, rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert rows (tuples in the table's column order) in the current transaction."""
    tail = table.tail
    quoted = connection.ops.quote_name(table.name)
    count = 0
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        with raw.cursor() as cursor:
            sql = f"COPY {quoted} ({table.column_list()}) FROM STDIN"
            with cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row + tail)
                    count += 1
        return count
    if connection.vendor == "sqlite":
        marks = ", ".join("?" * len(table.columns))
        sql = f"INSERT INTO {quoted} ({table.column_list()}) VALUES ({marks})"  # noqa: S608 - names from model metadata
        prepared = [row + tail for row in rows]
        raw.executemany(sql, prepared)
        return len(prepared)
    marks = ", ".join(["%s"] * len(table.columns))
    sql = f"INSERT INTO {quoted} ({table.column_list()}) VALUES ({marks})"  # noqa: S608 - names from model metadata
    prepared = [row + tail for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)
    return len(prepared)


def reserve_ids(model: type[models.Model], count: int) -> int:
    """Reserve `count` consecutive ids of a table and return the first one.

    The id counter moves past the block at once, so rows that the application
    inserts meanwhile take ids after it and never clash with the loader's. Call it
    inside a transaction.
    """
    table = model._meta.db_table
    quoted = connection.ops.quote_name(table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Blocks writers of the table for the few statements below, not longer.
            cursor.execute(f"LOCK TABLE {quoted} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, "id"])
            sequence = cursor.fetchone()[0]
            cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {quoted}")  # noqa: S608
            highest = cursor.fetchone()[0]
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
            last_value, is_called = cursor.fetchone()
            first = max(highest, last_value if is_called else last_value - 1) + 1
            cursor.execute("SELECT setval(%s, %s, true)", [sequence, first + count - 1])
            return first
        return sqlite_reserve_ids(cursor, table, count, model._meta.pk.column)


def reset_sequences(models_: Sequence[type[models.Model]]) -> None:
    """Move id counters past the highest id (for engines without `reserve_ids`)."""
    if connection.vendor in ("sqlite", "postgresql"):
        return
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def split(total: int, size: int) -> list[int]:
    """Sizes of the batches that `total` items make, `size` at most each."""
    if total <= 0:
        return []
    batches = math.ceil(total / size)
    base, extra = divmod(total, batches)
    return [base + (1 if i < extra else 0) for i in range(batches)]


class SqliteSearchTriggers:
    """Lift SQLite's per-row search triggers during one batch of a bulk load.

    Each trigger writes one row into an FTS5 index; indexing a batch's rows with one
    statement afterwards is cheaper. Use it inside the batch's transaction, which
    holds SQLite's only write lock, so no other writer's row can slip past the index
    meanwhile: `lift()` notes each table's highest id and drops its search triggers,
    `restore()` indexes the rows above that id and puts the triggers back exactly as
    they were. On other engines it does nothing: PostgreSQL's index needs no
    triggers.
    """

    def __init__(self, tables: Sequence[str]) -> None:
        self.tables = list(tables)
        self.saved: list[str] = []
        self.highest: dict[str, int] = {}

    def lift(self) -> None:
        if connection.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s",
                    [f"{table}_fts"],
                )
                if cursor.fetchone() is None:
                    continue
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
                self.highest[table] = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master "
                    "WHERE type = 'trigger' AND tbl_name = %s AND name LIKE %s",
                    [table, f"{table}_fts%"],
                )
                for name, sql in cursor.fetchall():
                    cursor.execute(f'DROP TRIGGER "{name}"')
                    self.saved.append(sql)

    def restore(self) -> None:
        if connection.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            for table, highest in self.highest.items():
                cursor.execute(
                    f'INSERT INTO "{table}_fts" (rowid, search_text) '  # noqa: S608
                    f'SELECT id, search_text FROM "{table}" WHERE id > %s',
                    [highest],
                )
            for sql in self.saved:
                cursor.execute(sql)
        self.saved = []
        self.highest = {}


class DeferredIndexes:
    """Drop the secondary indexes of some tables for a large load, then rebuild them.

    A timeline index such as (author, time) takes every new row at a random place;
    once the index outgrows the cache, each insert reads pages from disk, and ten
    million rows take many times longer than building the index afterwards from
    sorted data. Only `Meta.indexes` are dropped: primary keys, unique constraints
    and foreign-key indexes stay, so the data stays checked.

    If the process is killed before `restore()`, `repair()` (called at the start of
    the next load) builds whatever is missing.
    """

    def __init__(self, models_: Sequence[type[models.Model]]) -> None:
        self.models = list(models_)
        self.dropped: list[tuple[type[models.Model], models.Index]] = []

    def drop(self) -> None:
        editor = _sql_writer()
        for model in self.models:
            present = _index_names(model)
            for index in model._meta.indexes:
                if index.name in present:
                    _run([index.remove_sql(model, editor)])
                    self.dropped.append((model, index))
        if connection.vendor == "postgresql":
            # The search index (core.search) too; ensure_indexes() makes it again.
            _run(
                [
                    f'DROP INDEX IF EXISTS "{model._meta.db_table}_search_idx"'
                    for model in self.models
                ]
            )

    def restore(self) -> None:
        from crm.core.search import ensure_indexes

        editor = _sql_writer()
        _run([index.create_sql(model, editor) for model, index in self.dropped])
        self.dropped = []
        ensure_indexes()

    @staticmethod
    def repair(models_: Sequence[type[models.Model]]) -> None:
        """Build the `Meta.indexes` of the models that are missing."""
        editor = _sql_writer()
        for model in models_:
            present = _index_names(model)
            _run(
                [
                    index.create_sql(model, editor)
                    for index in model._meta.indexes
                    if index.name not in present
                ]
            )


def _sql_writer():
    """A schema editor used only to spell index SQL, never entered.

    Entering one on SQLite checks every foreign key of the whole database on exit,
    which takes longer than building the index itself.
    """
    editor = connection.schema_editor()
    editor.deferred_sql = []  # what entering would have set
    return editor


def _run(statements) -> None:
    with connection.cursor() as cursor:
        if (
            statements
            and connection.vendor == "postgresql"
            and connection.in_atomic_block
        ):
            # Inside an outer transaction, deferred foreign-key checks of the rows just
            # written are pending, and PostgreSQL refuses CREATE INDEX until they run.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in statements:
            cursor.execute(str(statement))


def _index_names(model: type[models.Model]) -> set[str]:
    with connection.cursor() as cursor:
        return set(
            connection.introspection.get_constraints(cursor, model._meta.db_table)
        )


def highest_id(model: type[models.Model]) -> int:
    """The highest id of a table: a cheap stand-in for its number of rows."""
    quoted = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608
        return cursor.fetchone()[0]
