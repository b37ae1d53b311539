"""Writing a list's rows as CSV or XLSX with bounded memory.

Cells are the values the page shows — dates, money and choices already formatted
in the reader's language by the columns' `render` — with the HTML of links and
badges stripped. Rows are read with `.iterator(chunk_size=…)`, which also runs the
queryset's `prefetch_related` once per chunk, so a million rows never sit in memory
at once.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

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


def rows(
    queryset, columns, *, on_chunk: Callable[[int], None] | None = None
) -> Iterator[list[str]]:
    """Each row's cells as text; `on_chunk(rows_so_far)` after every chunk."""
    for count, obj in enumerate(queryset.iterator(chunk_size=CHUNK_SIZE), start=1):
        yield [_defuse(cell_text(column.render(obj))) for column in columns]
        if on_chunk is not None and count % CHUNK_SIZE == 0:
            on_chunk(count)


def csv_delimiter(language: str | None = None) -> str:
    """`;` for Russian: Excel with Russian regional settings splits on it (the
    decimal separator there is the comma); `,` otherwise."""
    language = (language or get_language() or "en").lower()
    return ";" if language.startswith("ru") else ","


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(header: list[str], body: Iterable[list[str]], delimiter: str):
    """CSV text for a streaming response: UTF-8 with a BOM, so Excel reads it."""
    writer = csv.writer(_Echo(), delimiter=delimiter)
    yield ("\ufeff" + writer.writerow(header)).encode("utf-8")
    buffer: list[str] = []
    for row in body:
        buffer.append(writer.writerow(row))
        if len(buffer) >= 500:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    if buffer:
        yield "".join(buffer).encode("utf-8")


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
