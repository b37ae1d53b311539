"""Reads of activities shared by pages and the API: tasks, activities, the timeline of
a card and the "my day" page, with record visibility applied once, here.

A task or an activity is visible to the actor when the rules let them see it as a
record of its own (their own, their team's, all: see `core.visibility`), or when it
is attached to a company or contact they can see — the history of a client belongs
to whoever works with the client.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.activities.models import (
    OPEN_STATUSES,
    Activity,
    ActivityKind,
    Attachment,
    Task,
    TaskStatus,
)
from crm.core import audit, visibility
from crm.core.errors import DomainError, NotFound
from crm.core.models import AuditAction, AuditEntry, CustomField
from crm.core.search import matching
from crm.customers.models import Company, Contact
from crm.customers.selectors import company_search, contact_search

ENTITIES: dict[str, Any] = {"company": Company, "contact": Contact}
ACTIVE = "active"  # the status filter meaning "not done yet" (open or in progress)
TIMELINE_PAGE_SIZE = 20


# --- visibility ---------------------------------------------------------------------


def _visible_q(actor, model) -> Q | None:
    """Rows of a task or activity model the actor may see; None means all of them."""
    own = visibility.scope_q(actor, model)
    if own is None:
        return None
    condition = own
    for name, client_model in (("company", Company), ("contact", Contact)):
        client = visibility.scope_q(actor, client_model)
        if client is None:
            condition |= Q(**{f"{name}__isnull": False})
        else:
            # A subquery per branch keeps each side of the OR on its own index.
            condition |= Q(
                **{f"{name}_id__in": client_model.objects.filter(client).values("pk")}
            )
    return condition


def _visible(queryset: QuerySet, actor) -> QuerySet:
    condition = _visible_q(actor, queryset.model)
    return queryset if condition is None else queryset.filter(condition)


def _can_see_record(actor, obj) -> bool:
    """Whether the actor may see one task or activity (no query for most roles)."""
    if visibility.can(actor, obj):
        return True
    for name in ("company", "contact"):
        if getattr(obj, f"{name}_id") is None:
            continue
        client = getattr(obj, name)
        if client.deleted_at is None and visibility.can(actor, client):
            return True
    return False


def client_get(*, actor, entity: str, client_id: int):
    """A company or contact the actor may see (NotFound for hidden and missing)."""
    model = ENTITIES.get(entity)
    if model is None:
        raise NotFound()
    obj = visibility.visible(model.objects.all(), actor).filter(pk=client_id).first()
    if obj is None:
        raise NotFound()
    return obj


def client_search(*, actor, entity: str, query: str, limit: int = 20) -> list:
    """Companies or contacts whose name, e-mail or phone match, for pickers in forms."""
    if entity == "company":
        return company_search(actor=actor, query=query, limit=limit)
    if entity == "contact":
        return contact_search(actor=actor, query=query, limit=limit)
    return []


# --- tasks --------------------------------------------------------------------------


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of a calendar day in the current (the user's) time zone."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, start + dt.timedelta(days=1)


def _as_bound(value, *, end: bool = False) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, dt.date):
        start, finish = _day_bounds(value)
        return finish if end else start
    return None


def task_list(*, actor, filters: dict[str, Any] | None = None) -> QuerySet[Task]:
    """Tasks the actor may see, narrowed by `filters`.

    Filters: `status` (a status, or "active" for open and in progress), `priority`,
    `assignee` (a user id), `due_from` / `due_to` (a date or date-time; a date
    includes the whole day), `overdue` (True), `company`, `contact` (ids), `q` (words
    of the title or description, each matching a word's start).
    """
    filters = filters or {}
    queryset = _visible(Task.objects.all(), actor)
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
    due_from = _as_bound(filters.get("due_from"))
    if due_from is not None:
        queryset = queryset.filter(due_at__gte=due_from)
    due_to = _as_bound(filters.get("due_to"), end=True)
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
    if task is None or not _can_see_record(actor, task):
        raise NotFound()
    return task


# --- activities ---------------------------------------------------------------------


def activity_list(
    *, actor, filters: dict[str, Any] | None = None
) -> QuerySet[Activity]:
    """Activities the actor may see, newest first, narrowed by `filters`.

    Filters: `kind`, `company`, `contact`, `author` (ids), `occurred_from` /
    `occurred_to` (a date or date-time), `q` (words of the subject or text).
    """
    filters = filters or {}
    queryset = _visible(Activity.objects.all(), actor)
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("company"):
        queryset = queryset.filter(company_id=filters["company"])
    if filters.get("contact"):
        queryset = queryset.filter(contact_id=filters["contact"])
    if filters.get("author"):
        queryset = queryset.filter(created_by_id=filters["author"])
    since = _as_bound(filters.get("occurred_from"))
    if since is not None:
        queryset = queryset.filter(occurred_at__gte=since)
    until = _as_bound(filters.get("occurred_to"), end=True)
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
    if activity is None or not _can_see_record(actor, activity):
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
    if attachment is None or not _can_see_record(actor, attachment.activity):
        raise NotFound()
    return attachment


@dataclass
class HistoryItem:
    """An entry of a record's own history with its (label, old, new) rows."""

    entry: AuditEntry
    rows: list


def record_history(*, actor, obj, limit: int = 50) -> list[HistoryItem]:
    """The newest entries of a task's or activity's own change history.

    The caller has loaded `obj` through `task_get`/`activity_get`, which checked that
    the actor may see it; this checks again so no page can forget.
    """
    if not _can_see_record(actor, obj):
        raise NotFound()
    content_type = ContentType.objects.get_for_model(type(obj))
    entries = list(
        AuditEntry.objects.filter(content_type=content_type, object_id=obj.pk)
        .select_related("actor", "content_type")
        .order_by("-at", "-id")[:limit]
    )
    return [HistoryItem(entry, audit.describe(entry)) for entry in entries]


# --- the timeline -------------------------------------------------------------------


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


# --- my day -------------------------------------------------------------------------


@dataclass
class MyDay:
    day: dt.date
    overdue: list[Task]
    today: list[Task]
    meetings: list[Activity]
    upcoming: list[tuple[dt.datetime, str, Any]]
    recent: list[Activity]
    done_today: int

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.today or self.meetings or self.upcoming)


def my_day(*, actor, day: dt.date | None = None, limit: int = 50) -> MyDay:
    """The actor's overdue and today's tasks, today's meetings, the next seven days
    and recent activity on their clients, in seven queries whatever the data size.

    Days are calendar days in the current time zone (the user's, set by the
    middleware); overdue means due before the day began.
    """
    day = day or timezone.localdate()
    start, end = _day_bounds(day)
    week_end = start + dt.timedelta(days=8)
    tasks = Task.objects.filter(
        assignee=actor, status__in=OPEN_STATUSES
    ).select_related("company", "contact")
    meetings = Activity.objects.filter(
        created_by=actor, kind=ActivityKind.MEETING
    ).select_related("company", "contact")
    overdue = list(tasks.filter(due_at__lt=start).order_by("due_at", "pk")[:limit])
    today = list(
        tasks.filter(due_at__gte=start, due_at__lt=end).order_by("due_at", "pk")[:limit]
    )
    todays_meetings = list(
        meetings.filter(occurred_at__gte=start, occurred_at__lt=end).order_by(
            "occurred_at", "pk"
        )[:limit]
    )
    upcoming: list[tuple[dt.datetime, str, Any]] = [
        (task.due_at, "task", task)
        for task in tasks.filter(due_at__gte=end, due_at__lt=week_end).order_by(
            "due_at", "pk"
        )[:limit]
    ]
    upcoming += [
        (meeting.occurred_at, "meeting", meeting)
        for meeting in meetings.filter(
            occurred_at__gte=end, occurred_at__lt=week_end
        ).order_by("occurred_at", "pk")[:limit]
    ]
    upcoming.sort(key=lambda row: (row[0], row[1], row[2].pk))
    recent = list(
        Activity.objects.filter(
            Q(created_by=actor)
            | Q(company_id__in=Company.objects.filter(curator=actor).values("pk"))
            | Q(contact_id__in=Contact.objects.filter(curator=actor).values("pk")),
            occurred_at__lte=timezone.now(),
        )
        .select_related("created_by", "company", "contact")
        .order_by("-occurred_at", "-pk")[:10]
    )
    done_today = Task.objects.filter(
        assignee=actor,
        status=TaskStatus.DONE,
        completed_at__gte=start,
        completed_at__lt=end,
    ).count()
    return MyDay(
        day=day,
        overdue=overdue,
        today=today,
        meetings=todays_meetings,
        upcoming=upcoming[:limit],
        recent=recent,
        done_today=done_today,
    )
