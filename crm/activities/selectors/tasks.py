"""Reads of tasks."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.activities.models import (
    OPEN_STATUSES,
    Task,
    TaskStatus,
)
from crm.activities.selectors.records import (
    ACTIVE,
    as_bound,
    can_see_record,
    visible_records,
)
from crm.core.errors import DomainError, NotFound
from crm.core.search import matching


def task_list(*, actor, filters: dict[str, Any] | None = None) -> QuerySet[Task]:
    """Tasks the actor may see, narrowed by `filters`.

    Filters: `status` (a status, or "active" for open and in progress), `priority`,
    `assignee` (a user id), `due_from` / `due_to` (a date or date-time; a date
    includes the whole day), `overdue` (True), `company`, `contact` (ids), `q` (words
    of the title or description, each matching a word's start).
    """
    filters = filters or {}
    queryset = visible_records(Task.objects.all(), actor)
    status = filters.get("status")
    if status and status != ACTIVE and status not in TaskStatus.values:
        raise DomainError(
            _("Choose one of: %(values)s.")
            % {"values": ", ".join([ACTIVE, *TaskStatus.values])},
            field="status",
        )
    if status == ACTIVE:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status:
        queryset = queryset.filter(status=status)
    if filters.get("priority"):
        queryset = queryset.filter(priority=filters["priority"])
    if filters.get("assignee"):
        queryset = queryset.filter(assignee_id=filters["assignee"])
    due_from = as_bound(filters.get("due_from"))
    if due_from is not None:
        queryset = queryset.filter(due_at__gte=due_from)
    due_to = as_bound(filters.get("due_to"), end=True)
    if due_to is not None:
        queryset = queryset.filter(due_at__lt=due_to)
    if filters.get("overdue"):
        queryset = queryset.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    if filters.get("company"):
        queryset = queryset.filter(company_id=filters["company"])
    if filters.get("contact"):
        queryset = queryset.filter(contact_id=filters["contact"])
    query = (filters.get("q") or "").strip()
    if query:
        queryset = matching(queryset, query)
    return queryset.select_related("assignee", "company", "contact", "created_by")


def task_get(*, actor, task_id: int) -> Task:
    """One task the actor may see; NotFound when it is missing or hidden."""
    task = (
        Task.objects.select_related("assignee", "company", "contact", "created_by")
        .filter(pk=task_id)
        .first()
    )
    if task is None or not can_see_record(actor, task):
        raise NotFound()
    return task
