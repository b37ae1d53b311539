"""Write CommerceML 2 as a stream of text pieces, so a catalogue of any size goes
out without being held in memory (`StreamingHttpResponse`, a file, a test)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from django.utils import timezone

NAMESPACE = "urn:1C.ru:commerceml_2"
VERSION = "2.08"


def plain(value: Decimal | int | None) -> str:
    """A number as 1C writes it: a dot, no grouping, no trailing zeros."""
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}"


def element(name: str, value, attrs: dict | None = None) -> str:
    attributes = "".join(f" {k}={quoteattr(str(v))}" for k, v in (attrs or {}).items())
    if value is None or value == "":
        return f"<{name}{attributes}/>"
    return f"<{name}{attributes}>{escape(str(value))}</{name}>"


def fields(pairs: Iterable[tuple[str, object]]) -> str:
    return "".join(element(name, value) for name, value in pairs)


def requisites(values: Iterable[tuple[str, object]]) -> str:
    rows = "".join(
        "<ЗначениеРеквизита>"
        + element("Наименование", name)
        + element("Значение", value)
        + "</ЗначениеРеквизита>"
        for name, value in values
    )
    return f"<ЗначенияРеквизитов>{rows}</ЗначенияРеквизитов>" if rows else ""


def document(body: Iterable[str], *, now: dt.datetime | None = None) -> Iterator[str]:
    """The root КоммерческаяИнформация around `body`, with ВерсияСхемы and
    ДатаФормирования (local time, as 1C writes it)."""
    moment = timezone.localtime(now or timezone.now()).replace(
        tzinfo=None, microsecond=0
    )
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield (
        f'<КоммерческаяИнформация xmlns="{NAMESPACE}" '
        f'ВерсияСхемы="{VERSION}" ДатаФормирования="{moment.isoformat()}">\n'
    )
    yield from body
    yield "</КоммерческаяИнформация>\n"
