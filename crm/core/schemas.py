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
    return queryset.order_by(f"-{field}" if descending else field, "pk")
