"""The timeline of a company's or a contact's card."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F, QuerySet

from crm.activities.models import (
    Activity,
    ActivityKind,
    Task,
)
from crm.activities.selectors.records import (
    ENTITIES,
)
from crm.core import audit, visibility
from crm.core.errors import NotFound
from crm.core.models import AuditAction, AuditEntry, CustomField

TIMELINE_PAGE_SIZE = 20


@dataclass
class TimelineItem:
    """One line of a card's timeline: an activity, a task or a change of the record."""

    kind: str  # "activity", "task" or "change"
    at: dt.datetime
    obj: Any
    changes: list = field(default_factory=list)

    @property
    def icon(self) -> str:
        if self.kind == "task":
            return "check2-square"
        if self.kind == "change":
            return {
                AuditAction.CREATE: "plus-circle",
                AuditAction.DELETE: "trash",
                AuditAction.RESTORE: "arrow-counterclockwise",
            }.get(self.obj.action, "pencil")
        return {
            ActivityKind.CALL: "telephone",
            ActivityKind.MEETING: "people",
            ActivityKind.NOTE: "sticky",
            ActivityKind.EMAIL: "envelope",
            ActivityKind.FILE: "paperclip",
        }.get(self.obj.kind, "circle")


@dataclass
class TimelinePage:
    items: list[TimelineItem]
    number: int
    has_next: bool

    @property
    def next_number(self) -> int:
        return self.number + 1


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.query.get_compiler(using=queryset.db).as_sql()


def _timeline_sources(entity: str, obj, depth: int) -> list[tuple[str, QuerySet]]:
    """Per source, the newest `depth` rows as (id AS oid, time AS ts), newest first.

    Each source is cut to `depth` rows in SQL, so a page costs the same whether the
    record has ten events or ten thousand.
    """
    client = {entity: obj.pk}
    content_type = ContentType.objects.get_for_model(type(obj))
    sources = [
        ("activity", Activity.objects.filter(**client), "occurred_at"),
        ("task", Task.objects.filter(**client), "created_at"),
        (
            "change",
            AuditEntry.objects.filter(content_type=content_type, object_id=obj.pk),
            "at",
        ),
    ]
    return [
        (
            kind,
            queryset.order_by()
            .annotate(oid=F("pk"), ts=F(time_field))
            .order_by("-ts", "-oid")
            .values_list("oid", "ts")[:depth],
        )
        for kind, queryset, time_field in sources
    ]


def _custom_labels(entries: list[AuditEntry]) -> dict[str, str]:
    keys = {
        name.split(".", 1)[1]
        for entry in entries
        for name in entry.changes
        if name.startswith("custom_fields.")
    }
    if not keys:
        return {}
    return {f.key: f.label for f in CustomField.objects.filter(key__in=keys)}


def _describe(entry: AuditEntry, custom_labels: dict[str, str]) -> list[tuple]:
    """core.audit.describe, with custom field labels looked up once per page."""
    custom = {k: v for k, v in entry.changes.items() if k.startswith("custom_fields.")}
    if not custom:
        return audit.describe(entry)
    plain = AuditEntry(
        content_type=entry.content_type,
        changes={k: v for k, v in entry.changes.items() if k not in custom},
    )
    rows = audit.describe(plain)
    for name, change in custom.items():
        key = name.split(".", 1)[1]
        for label, old, new in audit.describe(
            AuditEntry(content_type=entry.content_type, changes={"id": change})
        ):
            del label
            rows.append((custom_labels.get(key, key), old, new))
    return rows


def timeline(
    *, actor, entity: str, obj, page: int = 1, page_size: int = TIMELINE_PAGE_SIZE
) -> TimelinePage:
    """One page of a card's timeline, newest first: activities, tasks and changes.

    A UNION ALL of (kind, id, time) over the three sources, each cut to the rows the
    page can need, is ordered and paged in SQL; then each kind's rows load in one
    query. Seven queries at most, whatever the size of the history. The record must
    be visible to the actor (NotFound otherwise); everything attached to a visible
    record is visible with it (see the module's docstring).
    """
    if entity not in ENTITIES or not isinstance(obj, ENTITIES[entity]):
        raise NotFound()
    if obj.deleted_at is not None or not visibility.can(actor, obj):
        raise NotFound()
    page = max(int(page or 1), 1)
    page_size = min(max(int(page_size or TIMELINE_PAGE_SIZE), 1), 100)
    offset = (page - 1) * page_size
    depth = offset + page_size + 1
    parts: list[str] = []
    params: list[Any] = []
    for kind, queryset in _timeline_sources(entity, obj, depth):
        sql, sql_params = _sql(queryset)
        parts.append(f"SELECT '{kind}' AS k, s.oid, s.ts FROM ({sql}) s")  # noqa: S608
        params.extend(sql_params)
    statement = (
        "SELECT k, oid FROM ("  # noqa: S608 - parts are built from querysets
        + " UNION ALL ".join(parts)
        + ") u ORDER BY ts DESC, oid DESC, k LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, page_size + 1, offset])
        keys = [(k, int(oid)) for k, oid in cursor.fetchall()]
    has_next = len(keys) > page_size
    keys = keys[:page_size]
    ids: dict[str, list[int]] = {"activity": [], "task": [], "change": []}
    for kind, oid in keys:
        ids[kind].append(oid)
    loaded: dict[tuple[str, int], TimelineItem] = {}
    if ids["activity"]:
        for activity in (
            Activity.objects.filter(pk__in=ids["activity"])
            .select_related("created_by", "contact", "company")
            .prefetch_related("attachments")
        ):
            loaded["activity", activity.pk] = TimelineItem(
                "activity", activity.occurred_at, activity
            )
    if ids["task"]:
        for task in Task.objects.filter(pk__in=ids["task"]).select_related(
            "assignee", "created_by", "contact", "company"
        ):
            loaded["task", task.pk] = TimelineItem("task", task.created_at, task)
    if ids["change"]:
        entries = list(
            AuditEntry.objects.filter(pk__in=ids["change"]).select_related(
                "actor", "content_type"
            )
        )
        labels = _custom_labels(entries)
        for entry in entries:
            loaded["change", entry.pk] = TimelineItem(
                "change", entry.at, entry, _describe(entry, labels)
            )
    items = [loaded[key] for key in keys if key in loaded]
    return TimelinePage(items=items, number=page, has_next=has_next)
