"""Reads of activities and their files."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from crm.activities.models import (
    Activity,
    Attachment,
)
from crm.activities.selectors.records import (
    as_bound,
    can_see_record,
    visible_records,
)
from crm.core.errors import NotFound
from crm.core.search import matching


def activity_list(
    *, actor, filters: dict[str, Any] | None = None
) -> QuerySet[Activity]:
    """Activities the actor may see, newest first, narrowed by `filters`.

    Filters: `kind`, `company`, `contact`, `author` (ids), `occurred_from` /
    `occurred_to` (a date or date-time), `q` (words of the subject or text).
    """
    filters = filters or {}
    queryset = visible_records(Activity.objects.all(), actor)
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("company"):
        queryset = queryset.filter(company_id=filters["company"])
    if filters.get("contact"):
        queryset = queryset.filter(contact_id=filters["contact"])
    if filters.get("author"):
        queryset = queryset.filter(created_by_id=filters["author"])
    since = as_bound(filters.get("occurred_from"))
    if since is not None:
        queryset = queryset.filter(occurred_at__gte=since)
    until = as_bound(filters.get("occurred_to"), end=True)
    if until is not None:
        queryset = queryset.filter(occurred_at__lt=until)
    query = (filters.get("q") or "").strip()
    if query:
        queryset = matching(queryset, query)
    return queryset.select_related("created_by", "company", "contact").prefetch_related(
        "attachments"
    )


def activity_get(*, actor, activity_id: int) -> Activity:
    """One activity the actor may see, with its files; NotFound otherwise."""
    activity = (
        Activity.objects.select_related("created_by", "company", "contact")
        .prefetch_related("attachments")
        .filter(pk=activity_id)
        .first()
    )
    if activity is None or not can_see_record(actor, activity):
        raise NotFound()
    return activity


def attachment_get(*, actor, attachment_id: int) -> Attachment:
    """A file the actor may download: they must see the activity it belongs to."""
    attachment = (
        Attachment.objects.select_related(
            "activity", "activity__company", "activity__contact"
        )
        .filter(pk=attachment_id, activity__deleted_at__isnull=True)
        .first()
    )
    if attachment is None or not can_see_record(actor, attachment.activity):
        raise NotFound()
    return attachment
