"""The «Ид» of CRM records that have no 1C ID yet.

Exported records without `external_id` get `crm-<kind>-<pk>`; when 1C sends such
an Ид back, it names that CRM row, so a round trip through 1C finds the same
records instead of creating copies.
"""

from __future__ import annotations

PREFIX = "crm-%s-"


def own_id(kind: str, obj) -> str:
    external = getattr(obj, "external_id", "")
    return external or f"{PREFIX % kind}{obj.pk}"


def own_pk(kind: str, value: str) -> int | None:
    """The pk in `crm-<kind>-<pk>`, or None for any other Ид."""
    prefix = PREFIX % kind
    if not value.startswith(prefix):
        return None
    rest = value[len(prefix) :]
    return int(rest) if rest.isdigit() else None


def by_external_id(queryset, value):
    """Rows with the 1C Ид `value` (a string or a collection of them).

    The unique index on `external_id` is partial (`WHERE NOT external_id = ''`);
    SQLite uses a partial index only when the query repeats its condition, so it
    is repeated here — without it every batch of an import scanned the whole table
    (100 k items: 572 → many thousand items/s on a re-import).
    """
    if isinstance(value, str):
        found = queryset.filter(external_id=value)
    else:
        found = queryset.filter(external_id__in=list(value))
    return found.exclude(external_id="").order_by()
