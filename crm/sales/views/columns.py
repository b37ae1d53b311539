"""List columns shared by the sales lists (leads, deals, catalogue, documents)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import get_language

from crm.core.listing import Column


def text_column(
    key: str,
    label: Any,
    cell: Callable[[Any], Any],
    *,
    uses: tuple[str, ...] = (),
    **options: Any,
) -> Column:
    """A column whose cell is plain text already (no link, no badge).

    The export writes the same text (`Column.export`) without rendering the cell
    as HTML and stripping it; `uses` names the joins `cell` reads, which the export
    loads with the row (a join read but not named costs a query a row).
    """
    return Column(key, label, cell, export=cell, uses=uses, **options)


def short_date(value: dt.date | dt.datetime | None) -> str:
    """A date, or the day of a moment where the reader is, in the short format of
    the active language ("" for none).

    Formatting a date costs more than the rest of a typical cell, and an exported
    list has few distinct days among many rows: each day is formatted once per
    language.
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return _short_date(value, get_language())


@lru_cache(maxsize=4096)
def _short_date(day: dt.date, language: str | None) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def choice_label(choices: type[models.Choices], value: Any) -> Any:
    """The label of a stored choice, as `get_<field>_display()` gives it.

    Django's own rebuilds a dictionary of the field's choices on every call (with a
    translation per label); for an export of many rows that is a good part of the
    time of a row. A value that is not a choice is given as it is.
    """
    try:
        return str(choices(value).label)
    except ValueError:
        return value
