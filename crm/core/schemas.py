"""API plumbing shared by every router: the list envelope and pagination."""

from __future__ import annotations

from django.db.models import QuerySet
from ninja import Schema

MAX_PAGE_SIZE = 200


class ListQuery(Schema):
    """Query parameters every list endpoint accepts."""

    q: str | None = None
    page: int = 1
    page_size: int = 50
    ordering: str | None = None


def paginate(queryset: QuerySet, *, page: int, page_size: int) -> dict:
    """`{"items": [...], "count": N}` for one page of a queryset."""
    page = max(page, 1)
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    start = (page - 1) * page_size
    return {
        "items": list(queryset[start : start + page_size]),
        "count": queryset.count(),
    }


def ordered(
    queryset: QuerySet, ordering: str | None, allowed: dict[str, str]
) -> QuerySet:
    """Apply `ordering=name` / `ordering=-name` when the field is allowed.

    `allowed` maps API names to model fields; unknown names are a 422, raised by the
    caller with `ordering_error()`.
    """
    if not ordering:
        return queryset
    descending = ordering.startswith("-")
    field = allowed.get(ordering.lstrip("-"))
    if field is None:
        from django.utils.translation import gettext as _

        from crm.core.errors import DomainError

        raise DomainError(
            _("Order by one of: %(fields)s.") % {"fields": ", ".join(sorted(allowed))},
            field="ordering",
        )
    from crm.core.listing import index_order

    return queryset.order_by(
        *index_order(queryset.model, [f"-{field}" if descending else field])
    )


# --- custom fields (the `custom-fields` endpoints of core) ----------------------------


class CustomFieldOut(Schema):
    """A custom field definition: values live under `custom_fields.<key>` of records."""

    id: int
    entity: str
    key: str
    label: str
    label_en: str
    label_ru: str
    kind: str
    choices: list[str]
    is_required: bool
    position: int
    is_active: bool


class CustomFieldIn(Schema):
    """A new custom field; `entity` is `company` or `contact`, `kind` one of `text`,
    `number`, `date`, `choice`, `boolean`; `choices` only for `choice`."""

    entity: str
    key: str
    label_en: str = ""
    label_ru: str = ""
    kind: str
    choices: list[str] = []
    is_required: bool = False
    position: int = 0
    is_active: bool = True


class CustomFieldPatch(Schema):
    """A change to a custom field: only the fields sent change; key and entity stay,
    and the type cannot change."""

    label_en: str | None = None
    label_ru: str | None = None
    kind: str | None = None
    choices: list[str] | None = None
    is_required: bool | None = None
    position: int | None = None
    is_active: bool | None = None


class CustomFieldFilter(ListQuery):
    entity: str | None = None


class CustomFieldListOut(Schema):
    items: list[CustomFieldOut]
    count: int
