"""List pages: columns the user chooses, sorting, pagination and saved views.

A domain app describes its list once (`ListSpec` with `Column`s), its selector
returns the filtered queryset with visibility applied, and `list_context()` turns the
request's query string (`sort`, `cols`, `page`) into what `components/list.html`
renders. An htmx request gets only the results (`components/list_results.html`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import get_language

from crm.core.models import SavedView

PAGE_SIZES = (25, 50, 100)
# Counting a million rows costs more than the page itself; past this many rows a list
# says "more than 10,000" and the user narrows it with filters or search.
COUNT_LIMIT = 10_000


class CappedPaginator(Paginator):
    """A paginator that counts at most COUNT_LIMIT rows (`capped` tells if there are more)."""

    capped = False

    @cached_property
    def count(self) -> int:
        # Without ORDER BY: how many there are does not depend on their order.
        counted = self.object_list.order_by()[: COUNT_LIMIT + 1].count()
        self.capped = counted > COUNT_LIMIT
        return min(counted, COUNT_LIMIT)


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    render: Callable[[Any], Any]
    sort: str | None = None
    css: str = ""
    # The cell as plain text for a CSV/XLSX export, without links or badges: what
    # `render` shows once its HTML is stripped (see `plain`). Building a link's URL
    # and HTML only to strip it again costs more than the rest of an exported row.
    # None: the export renders the cell and strips it. A column whose every
    # related-object access goes through `related()` lets the export load relations
    # its faster way (see `core.exports.writing`).
    export: Callable[[Any], Any] | None = None
    # The relations (`select_related` and `prefetch_related` names, or `to_attr`s)
    # `export` reads; when every chosen column has `export`, the others are not
    # loaded for the export (a relation read but not declared costs a query a row).
    uses: tuple[str, ...] = ()


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


@dataclass
class ListSpec:
    key: str
    title: Any
    columns: list[Column]
    default_columns: list[str]
    default_sort: str
    create_url: str | None = None
    create_label: Any = None
    extra: dict = field(default_factory=dict)
    # The key under which `core.exports` rebuilds this list for a CSV/XLSX export.
    export_key: str | None = None

    @cached_property
    def by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    def sort_fields(self, sort: str) -> list[str] | None:
        descending = sort.startswith("-")
        column = self.by_key.get(sort.lstrip("-"))
        if column is None or not column.sort:
            return None
        fields = [f.strip() for f in column.sort.split(",")]
        if descending:
            fields = [f[1:] if f.startswith("-") else f"-{f}" for f in fields]
        return fields

    def choose(self, params) -> tuple[str, list[str], list[Column]]:
        """The sort, its order keys and the columns a query string asks for.

        Unknown sorts and columns fall back to the defaults, so a hand-edited or
        outdated link still shows (or exports) a sensible list.
        """
        sort = params.get("sort") or self.default_sort
        order = self.sort_fields(sort)
        if order is None:
            sort, order = self.default_sort, self.sort_fields(self.default_sort)
        columns = [
            self.by_key[k] for k in params.getlist("cols") if k in self.by_key
        ] or [self.by_key[k] for k in self.default_columns]
        return sort, order or [], columns


def index_order(model, order: list[str]) -> list[str]:
    """The sort keys with `deleted_at` first and the id last, all in one direction.

    Lists show live rows only, so `deleted_at` changes nothing in the order, but it
    lets PostgreSQL walk an index `(deleted_at, name, id)` and stop after a page (it
    does not treat `IS NULL` as fixing the first column); one direction for every key
    lets it walk the index backwards for a descending sort.
    """
    descending = bool(order) and order[0].startswith("-")
    keys = [f.lstrip("-") for f in order]
    if any(f.name == "deleted_at" for f in model._meta.concrete_fields):
        keys = ["deleted_at", *keys]
    keys.append("pk")
    return [f"-{k}" if descending else k for k in keys]


def plain(text) -> str:
    """Text as a stripped HTML cell reads: runs of whitespace become one space."""
    return " ".join(str(text).split())


def related(obj, name: str) -> list:
    """The objects of a many-relation `name` of `obj`, prefetched ones without a
    query; for export functions of columns (`Column.export`)."""
    cache = getattr(obj, "_prefetched_objects_cache", None)
    if cache is not None and name in cache:
        return list(cache[name])
    return list(getattr(obj, name).all())


def link(url: str, text) -> str:
    return format_html('<a href="{}">{}</a>', url, text)


class ListPage:
    """The state of one list request: sort, columns, page, and helpers for links."""

    def __init__(self, request, spec: ListSpec, queryset: QuerySet):
        self.request = request
        self.spec = spec
        params = request.GET
        self.sort, order, self.columns = spec.choose(params)
        try:
            page_size = int(params.get("page_size", PAGE_SIZES[0]))
        except ValueError:
            page_size = PAGE_SIZES[0]
        self.page_size = page_size if page_size in PAGE_SIZES else PAGE_SIZES[0]
        paginator = CappedPaginator(
            queryset.order_by(*index_order(queryset.model, order)), self.page_size
        )
        try:
            self.page = paginator.page(params.get("page") or 1)
        except PageNotAnInteger:
            self.page = paginator.page(1)
        except EmptyPage:
            self.page = paginator.page(paginator.num_pages)
        self.rows = [
            (row, [(c, c.render(row)) for c in self.columns]) for row in self.page
        ]

    def query(self, **changes) -> str:
        """The current query string with some parameters replaced (None drops one)."""
        params = self.request.GET.copy()
        for key, value in changes.items():
            params.pop(key, None)
            if value is not None:
                if isinstance(value, list | tuple):
                    params.setlist(key, list(value))
                else:
                    params[key] = value
        return params.urlencode()

    @property
    def column_keys(self) -> list[str]:
        return [c.key for c in self.columns]

    @property
    def headers(self) -> list[dict]:
        result = []
        for column in self.columns:
            header = {"column": column, "url": None, "direction": None}
            if column.sort:
                current = self.sort.lstrip("-") == column.key
                descending = self.sort.startswith("-")
                next_sort = (
                    f"-{column.key}" if current and not descending else column.key
                )
                header["url"] = "?" + self.query(sort=next_sort, page=None)
                if current:
                    header["direction"] = "desc" if descending else "asc"
            result.append(header)
        return result

    def page_url(self, number: int) -> str:
        return "?" + self.query(page=number)

    @property
    def page_links(self) -> list[dict]:
        """Links to nearby pages; None numbers are the elided gaps."""
        paginator = self.page.paginator
        links = []
        for number in paginator.get_elided_page_range(self.page.number, on_each_side=2):
            if number == paginator.ELLIPSIS:
                links.append({"number": None, "url": None, "current": False})
            else:
                links.append(
                    {
                        "number": number,
                        "url": self.page_url(number),
                        "current": number == self.page.number,
                    }
                )
        return links

    @property
    def saved_query(self) -> str:
        """What a saved view stores: filters, sort and columns, without the page."""
        return self.query(page=None)

    @cached_property
    def saved_views(self) -> list[SavedView]:
        return list(
            SavedView.objects.filter(user=self.request.user, list_key=self.spec.key)
        )


PRIMARY_FILTERS = 4  # shown at once; the rest fold under "More filters"


def _split_filters(filter_form) -> tuple[list, list, bool]:
    """The filters shown at once, those folded away, and whether a folded one is set."""
    if filter_form is None:
        return [], [], False
    visible = [f for f in filter_form if not f.is_hidden]
    primary, more = visible[:PRIMARY_FILTERS], visible[PRIMARY_FILTERS:]
    data = filter_form.data if filter_form.is_bound else {}
    more_active = any(
        any(v not in ("", None) for v in data.getlist(f.html_name))
        if hasattr(data, "getlist")
        else data.get(f.html_name) not in ("", None)
        for f in more
    )
    return primary, more, more_active


def list_context(
    request, *, spec: ListSpec, queryset: QuerySet, filter_form=None
) -> dict:
    listing = ListPage(request, spec, queryset)
    primary, more, more_active = _split_filters(filter_form)
    return {
        "spec": spec,
        "listing": listing,
        "page_obj": listing.page,
        "filter_form": filter_form,
        "primary_filters": primary,
        "more_filters": more,
        "more_filters_active": more_active,
        "all_columns": spec.columns,
    }


def list_template(request, full: str = "components/list.html") -> str:
    """The whole page, or only the results for an htmx request from the list itself."""
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        return "components/list_results.html"
    return full


def querystring(params: dict) -> str:
    return urlencode(
        {k: v for k, v in params.items() if v not in (None, "")}, doseq=True
    )
