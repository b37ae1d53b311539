"""Export of list pages to CSV and XLSX: the registry of exportable lists.

A list page and its export must show the same rows: the same filters, search,
sort, columns and — above all — the same visibility. So each app registers, under a
key such as `customers.contacts`, the one builder its list view also calls:
`build(actor, params) -> (ListSpec, QuerySet)`, where `params` is the page's query
string as a `QueryDict`. The export rebuilds the list from the saved query string
outside the request (in a background job), which is why a builder takes an actor
and parameters, never a request.

Lower apps register here from `AppConfig.ready()`; core never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True)
class ExportableList:
    key: str
    build: Callable[[Any, Any], tuple[Any, QuerySet]]
    # The list page, where the user returns after starting a background export.
    url_name: str


_lists: dict[str, ExportableList] = {}


def register_export(key: str, build: Callable, *, url_name: str) -> None:
    """Make a list exportable under `key` (`<app>.<list>`)."""
    _lists[key] = ExportableList(key=key, build=build, url_name=url_name)


def exportable(key: str) -> ExportableList | None:
    return _lists.get(key)


def exportable_keys() -> list[str]:
    return sorted(_lists)
