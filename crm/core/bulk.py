"""Bulk loads that bypass the ORM (the demo loader, imports) reserve ids up front, so a
batch can link its rows — a contact to its company, a history entry to its record —
before writing them."""

from __future__ import annotations

from django.db import connection


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
