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
