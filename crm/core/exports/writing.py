"""Writing a list's rows as CSV or XLSX with bounded memory.

Cells are the values the page shows — dates, money and choices already formatted
in the reader's language by the columns' `render` — with the HTML of links and
badges stripped. Rows are read with `.iterator(chunk_size=…)` and the queryset's
`prefetch_related` runs once per chunk, so a million rows never sit in memory at once.

A list whose chosen columns all give a plain-text `Column.export` is written faster:
no link is built and stripped, and each chunk's relations are loaded with one query
per relation into plain lists, only those the columns declare they read (`uses`).
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import IO, Any

from django.db.models import prefetch_related_objects
from django.db.models.constants import LOOKUP_SEP
from django.db.models.fields.related_descriptors import (
    ManyToManyDescriptor,
    ReverseManyToOneDescriptor,
)
from django.db.models.query import normalize_prefetch_lookups
from django.utils.safestring import SafeData
from django.utils.translation import get_language

from crm.core.listing import index_order

CHUNK_SIZE = 2000
# Excel runs a cell that starts with these as a formula (CSV injection). A leading
# "+" or "-" followed by a digit is a phone number or an amount and stays as it is.
_FORMULA_STARTS = ("=", "@", "\t", "\r")


# Cells are built with format_html, which escapes every "<" of the text itself, so
# whatever sits between angle brackets is markup. A regular expression strips it
# several times faster than Django's strip_tags (an HTML parser), which matters at a
# million rows.
_TAG = re.compile(r"<[^>]*>")


def cell_text(value: Any) -> str:
    """What a rendered cell says, as plain text."""
    if value is None:
        return ""
    if isinstance(value, SafeData):
        text = html.unescape(_TAG.sub(" ", str(value)))
        return " ".join(text.split())
    return str(value)


def _defuse(text: str) -> str:
    if not text:
        return text
    if text.startswith(_FORMULA_STARTS) or (
        text[0] in "+-" and len(text) > 1 and not (text[1].isdigit() or text[1] == " ")
    ):
        return "'" + text
    return text


def ordered(spec, queryset, params):
    """The list's queryset in the page's order, and the chosen columns."""
    _sort, order, columns = spec.choose(params)
    return queryset.order_by(*index_order(queryset.model, order)), columns


def _cell(column) -> Callable[[Any], str]:
    if column.export is not None:
        export = column.export

        def cell(obj) -> str:
            value = export(obj)
            return _defuse("" if value is None else str(value))

    else:
        render = column.render

        def cell(obj) -> str:
            return _defuse(cell_text(render(obj)))

    return cell


def _fast_prefetch(instances: list, lookups, uses: set[str]) -> list:
    """Load the many-relations of one chunk, one query per relation; the lookups
    left for Django's own `prefetch_related_objects`.

    Django's prefetch builds a filtered queryset for every object and relation (the
    relation's manager caches it); for an export that is most of the time of a row.
    Here a plain list goes into the object's prefetch cache: only the columns'
    export functions read it (through `listing.related`), so this runs only when
    every chosen column has one, and relations none of them `uses` are skipped.
    The related querysets are the lookups' own (a
    `Prefetch` with a filtered queryset stays filtered: visibility is kept).
    """
    rest = []
    first = instances[0]
    for lookup in normalize_prefetch_lookups(lookups):
        if lookup.prefetch_to.split(LOOKUP_SEP)[0] not in uses:
            continue  # no chosen column reads it
        if LOOKUP_SEP in lookup.prefetch_through:
            rest.append(lookup)
            continue
        name = lookup.prefetch_through
        descriptor = getattr(type(first), name, None)
        if not isinstance(
            descriptor, ManyToManyDescriptor | ReverseManyToOneDescriptor
        ):
            rest.append(lookup)
            continue
        manager = getattr(first, name)
        if not hasattr(manager, "get_prefetch_querysets"):
            rest.append(lookup)
            continue
        rel_qs, rel_attr, instance_attr, single, cache_name, _descriptor = (
            manager.get_prefetch_querysets(instances, lookup.get_current_querysets(0))
        )
        if single or getattr(rel_qs, "_prefetch_related_lookups", ()):
            rest.append(lookup)
            continue
        buckets: dict[Any, list] = {}
        for rel_obj in rel_qs:
            buckets.setdefault(rel_attr(rel_obj), []).append(rel_obj)
        to_attr, as_attr = lookup.get_current_to_attr(0)
        for obj in instances:
            values = buckets.get(instance_attr(obj), [])
            if as_attr:
                setattr(obj, to_attr, values)
            else:
                obj.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = (
                    values
                )
    return rest


def _paths(name: str, nested: dict) -> list[str]:
    """`select_related` names of a join and of the joins beyond it."""
    deeper = [
        path
        for key, value in nested.items()
        for path in _paths(f"{name}{LOOKUP_SEP}{key}", value)
    ]
    return deeper or [name]


def _chunks(queryset, fast: bool, uses: set[str]) -> Iterator[list]:
    """The rows in lists of CHUNK_SIZE with their relations loaded."""
    lookups = queryset._prefetch_related_lookups
    queryset = queryset.prefetch_related(None)
    joined = queryset.query.select_related
    if fast and isinstance(joined, dict) and any(k not in uses for k in joined):
        # The joins no chosen column reads only build model instances to drop.
        kept = [path for k in joined if k in uses for path in _paths(k, joined[k])]
        queryset = queryset.select_related(None)
        if kept:
            queryset = queryset.select_related(*kept)
    iterator = queryset.iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(islice(iterator, CHUNK_SIZE)):
        if lookups:
            rest = _fast_prefetch(chunk, lookups, uses) if fast else lookups
            if rest:
                prefetch_related_objects(chunk, *rest)
        yield chunk


def rows(
    queryset, columns, *, on_chunk: Callable[[int], None] | None = None
) -> Iterator[list[str]]:
    """Each row's cells as text; `on_chunk(rows_so_far)` after every chunk."""
    cells = [_cell(column) for column in columns]
    fast = all(column.export is not None for column in columns)
    uses = {name for column in columns for name in column.uses}
    count = 0
    for chunk in _chunks(queryset, fast, uses):
        for obj in chunk:
            yield [cell(obj) for cell in cells]
        count += len(chunk)
        if on_chunk is not None and len(chunk) == CHUNK_SIZE:
            on_chunk(count)


def csv_delimiter(language: str | None = None) -> str:
    """`;` for Russian: Excel with Russian regional settings splits on it (the
    decimal separator there is the comma); `,` otherwise."""
    language = (language or get_language() or "en").lower()
    return ";" if language.startswith("ru") else ","


def csv_chunks(header: list[str], body: Iterable[list[str]], delimiter: str):
    """CSV text for a streaming response: UTF-8 with a BOM, so Excel reads it.

    Rows go to the writer 500 at a time (`writerows`), each batch one chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    body = iter(body)
    while batch := list(islice(body, 500)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        yield buffer.getvalue().encode("utf-8")


def write_csv(out: IO[bytes], header, body, delimiter: str) -> None:
    for chunk in csv_chunks(header, body, delimiter):
        out.write(chunk)


def write_xlsx(out: IO[bytes], header, body, title: str) -> None:
    """An XLSX workbook written row by row (openpyxl's write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    bold = Font(bold=True)
    heading = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    sheet.freeze_panes = "A2"
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    for row in body:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in row])
    book.save(out)


def _sheet_title(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:31] or "Sheet"
