"""Word-prefix search over a million records, one function for SQLite and PostgreSQL.

A searchable model keeps a `search_text` column: its name, e-mails, phones, INN…
normalised by `search_text()` into lower-case words (ё folded to е, e-mails split into
words, phones as all their digits and as the national number). A query matches a
record when every word of the query starts one of its words: "ром" finds «Ромашка»,
"ivan@mail" finds ivan.petrov@mail.ru, "916 123" finds +7 916 123-45-67.

The index behind it is the engine's own: an FTS5 table kept in step by triggers on
SQLite, a GIN index over `to_tsvector('simple', search_text)` on PostgreSQL. Both are
(re)made after every `migrate` by `ensure_indexes()`, because SQLite drops a table's
triggers when a migration rebuilds the table.
"""

from __future__ import annotations

import re

import phonenumbers
from django.apps import apps
from django.db import connection, models
from django.db.models.expressions import RawSQL

_WORD = re.compile(r"\w+", re.UNICODE)
_PHONEISH = re.compile(r"^[\d\s()+\-.]+$")
MIN_QUERY_LENGTH = 2
MAX_WORDS = 6


def _normalise(text: str) -> str:
    return text.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    return _WORD.findall(_normalise(text or ""))


def phone_words(phone: str) -> list[str]:
    """All digits of a phone, and its national number, so either prefix finds it."""
    digits = re.sub(r"\D", "", phone or "")
    if not digits:
        return []
    result = [digits]
    try:
        parsed = phonenumbers.parse(phone if phone.startswith("+") else "+" + digits)
        national = str(parsed.national_number)
        if national != digits:
            result.append(national)
    except phonenumbers.NumberParseException:
        pass
    return result


def search_text(*, texts=(), phones=()) -> str:
    """The normalised `search_text` of a record from its texts and phone numbers."""
    result: list[str] = []
    for text in texts:
        result.extend(words(text))
    for phone in phones:
        result.extend(phone_words(phone))
    return " ".join(dict.fromkeys(result))


def query_words(query: str) -> list[str]:
    """The words of a user's query; a phone number typed with spaces is one word."""
    query = (query or "").strip()
    if _PHONEISH.match(query) and sum(c.isdigit() for c in query) >= 3:
        return [re.sub(r"\D", "", query)]
    return words(query)[:MAX_WORDS]


def is_searchable(query: str) -> bool:
    return len((query or "").strip()) >= MIN_QUERY_LENGTH and bool(query_words(query))


def matching(queryset: models.QuerySet, query: str) -> models.QuerySet:
    """Narrow a queryset of a searchable model to the records matching the query."""
    terms = query_words(query)
    if not terms:
        return queryset
    table = queryset.model._meta.db_table
    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"{t}:*" for t in terms)
        condition = RawSQL(
            f'to_tsvector(\'simple\'::regconfig, "{table}"."search_text") '
            "@@ to_tsquery('simple'::regconfig, %s)",
            [tsquery],
            output_field=models.BooleanField(),
        )
        return queryset.filter(condition)
    if connection.vendor == "sqlite":
        match = " ".join(f'"{t}"*' for t in terms)
        condition = RawSQL(
            f'"{table}"."id" IN (SELECT rowid FROM "{table}_fts" '
            f'WHERE "{table}_fts" MATCH %s)',
            [match],
            output_field=models.BooleanField(),
        )
        return queryset.filter(condition)
    for term in terms:  # other engines: correct, not fast
        queryset = queryset.filter(search_text__icontains=term)
    return queryset


def searchable_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models()
        if any(f.name == "search_text" for f in m._meta.concrete_fields)
    ]


def _sqlite_statements(table: str) -> list[str]:
    fts = f"{table}_fts"
    return [
        f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts}" USING fts5('
        f"search_text, content='{table}', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')",
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_ai" AFTER INSERT ON "{table}" BEGIN '
        f'INSERT INTO "{fts}"(rowid, search_text) VALUES (new.id, new.search_text); END',
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_ad" AFTER DELETE ON "{table}" BEGIN '
        f'INSERT INTO "{fts}"("{fts}", rowid, search_text) VALUES (\'delete\', old.id, old.search_text); END',
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_au" AFTER UPDATE OF search_text ON "{table}" BEGIN '
        f'INSERT INTO "{fts}"("{fts}", rowid, search_text) VALUES (\'delete\', old.id, old.search_text); '
        f'INSERT INTO "{fts}"(rowid, search_text) VALUES (new.id, new.search_text); END',
    ]


def ensure_indexes(using=None, rebuild: bool = False) -> None:
    """Create the search index of every searchable table if it is missing.

    `rebuild` re-reads every row into the SQLite index (after a bulk load or a table
    rebuilt by a migration).
    """
    from django.db import connections

    conn = connections[using or "default"]
    with conn.cursor() as cursor:
        for model in searchable_models():
            table = model._meta.db_table
            if conn.vendor == "sqlite":
                had_index = _sqlite_has_table(cursor, f"{table}_fts")
                for statement in _sqlite_statements(table):
                    cursor.execute(statement)
                if rebuild or not had_index:
                    cursor.execute(
                        f'INSERT INTO "{table}_fts"("{table}_fts") VALUES (\'rebuild\')'
                    )
            elif conn.vendor == "postgresql":
                cursor.execute(
                    f'CREATE INDEX IF NOT EXISTS "{table}_search_idx" ON "{table}" '
                    "USING gin (to_tsvector('simple'::regconfig, search_text))"
                )


def _sqlite_has_table(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [name])
    return cursor.fetchone() is not None
