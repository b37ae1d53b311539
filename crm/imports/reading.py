"""Reading spreadsheets row by row: CSV in UTF-8 or Windows-1251 with `;` or `,`,
and XLSX, never holding more than one row in memory.

`open_table()` looks at the file once (format, encoding, delimiter, headers) and
returns a `Table` whose `rows()` can be walked again and again (preview, dry run,
import), each time from the disk. A file that cannot be read raises `FileError`
with a message for the user.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _

SAMPLE_BYTES = 64 * 1024
# Cells longer than this are damaged data rather than a field.
csv.field_size_limit(1024 * 1024)


class FileError(Exception):
    """The file as a whole cannot be read; the message says why, for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class Table:
    path: Path
    file_format: str  # "csv" | "xlsx"
    encoding: str = ""
    delimiter: str = ""
    headers: list[str] | None = None

    def rows(self, skip: int = 0) -> Iterator[tuple[int, list[str]]]:
        """(row number in the file, cells as text) after the header row.

        Row numbers count the header as row 1, as a spreadsheet shows them;
        `skip` data rows are passed over (resuming a job).
        """
        reader = self._xlsx_rows() if self.file_format == "xlsx" else self._csv_rows()
        next(reader, None)  # the header row
        number = 1
        for cells in reader:
            number += 1
            if number - 1 <= skip:
                continue
            if not any(cells):
                continue
            yield number, cells

    def count(self) -> int:
        """How many data lines follow the header (one pass, nothing kept)."""
        reader = self._xlsx_rows() if self.file_format == "xlsx" else self._csv_rows()
        return max(0, sum(1 for _ in reader) - 1)

    def _csv_rows(self) -> Iterator[list[str]]:
        with open(self.path, encoding=self.encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            try:
                for cells in reader:
                    yield [c.strip() for c in cells]
            except UnicodeDecodeError:
                raise FileError(
                    _(
                        "The file changes its encoding after line %(line)s: save it "
                        "again as UTF-8 and upload it once more."
                    )
                    % {"line": reader.line_num}
                ) from None
            except csv.Error as error:
                raise FileError(
                    _("Line %(line)s of the file is damaged: %(reason)s")
                    % {"line": reader.line_num, "reason": error}
                ) from None

    def _xlsx_rows(self) -> Iterator[list[str]]:
        workbook = _open_workbook(self.path)
        try:
            sheet = workbook.worksheets[0]
            for values in sheet.iter_rows(values_only=True):
                yield [_cell_text(v) for v in values]
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise FileError(
                _("The XLSX file is damaged: %(reason)s") % {"reason": error}
            ) from None
        finally:
            workbook.close()


def _cell_text(value) -> str:
    """A cell of a workbook as the text a person would have typed into a CSV."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value).strip()


def _open_workbook(path: Path):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FileError(
            _(
                "The XLSX file is damaged or is not a workbook: open it in your "
                "spreadsheet program and save it again."
            )
        ) from None


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(sample) > 4 and sample[1:4:2] == b"\0\0"
    ):
        raise FileError(
            _(
                "The file is in UTF-16, which is not supported: save it as CSV "
                "in UTF-8 or Windows-1251."
            )
        )
    if b"\0" in sample:
        raise FileError(
            _("This is not a text file: upload a CSV (UTF-8 or Windows-1251) or XLSX.")
        )
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A character cut in two by the end of the sample is still UTF-8.
        if error.start < len(sample) - 3:
            return "cp1251"
    return "utf-8"


def _looks_like_text(text: str) -> bool:
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\r\n\t")
    return controls <= len(text) // 100


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def open_table(path: str | Path) -> Table:
    """Look at a file: its format, encoding, delimiter and header row."""
    path = Path(path)
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if not sample.strip():
        raise FileError(_("The file is empty."))
    if sample.startswith(b"PK\x03\x04"):
        table = Table(path=path, file_format="xlsx")
    elif sample.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileError(
            _("Old Excel files (XLS) are not supported: save it as XLSX or CSV.")
        )
    else:
        encoding = _detect_encoding(sample)
        text = sample.decode(encoding, errors="ignore")
        if not _looks_like_text(text):
            raise FileError(
                _(
                    "This is not a text file: upload a CSV (UTF-8 or Windows-1251) "
                    "or XLSX."
                )
            )
        first_line = next(iter(io.StringIO(text)), "")
        table = Table(
            path=path,
            file_format="csv",
            encoding=encoding,
            delimiter=_sniff_delimiter(first_line),
        )
    reader = table._xlsx_rows() if table.file_format == "xlsx" else table._csv_rows()
    headers = next(reader, None)
    reader.close()
    while headers and not headers[-1]:
        headers = headers[:-1]
    if not headers or not any(headers):
        raise FileError(_("The first row must name the columns; it is empty."))
    table.headers = headers
    return table
