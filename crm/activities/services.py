"""Writes of activities: tasks, logged calls, meetings, notes, letters and files, and
the reminders of tasks.

Every service checks rights through `core.visibility`: the actor must see the company
or contact the record is attached to (`NotFound` otherwise, so ids reveal nothing) and
may create tasks or activities at all; changing a record needs edit rights on it.
Every write leaves an entry in the audit history.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.activities.models import (
    OPEN_STATUSES,
    Activity,
    ActivityKind,
    Attachment,
    Direction,
    Task,
    TaskPriority,
    TaskStatus,
)
from crm.core import audit, visibility
from crm.core.errors import DomainError, NotFound
from crm.core.models import Notification
from crm.core.services import claim_version, notification_send, record_trash
from crm.customers.models import Company, Contact, Employment

logger = logging.getLogger(__name__)

TASK_FIELDS = (
    "title",
    "description",
    "assignee",
    "due_at",
    "priority",
    "status",
    "remind_at",
    "company",
    "contact",
)
ACTIVITY_FIELDS = (
    "kind",
    "subject",
    "body",
    "occurred_at",
    "ends_at",
    "direction",
    "duration_minutes",
    "outcome",
    "location",
    "company",
    "contact",
)
# Kinds people log by hand; a "file" activity is made by uploading a file.
LOGGABLE_KINDS = (
    ActivityKind.CALL,
    ActivityKind.MEETING,
    ActivityKind.NOTE,
    ActivityKind.EMAIL,
)
MAX_DURATION_MINUTES = 60 * 24 * 7


# --- input checks -----------------------------------------------------------------


def _clean_datetime(value: Any, *, field: str) -> dt.datetime | None:
    """A date and time from a form, the API or code; naive values are the user's."""
    if value in (None, ""):
        return None
    parsed: dt.datetime | None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time(9, 0))
    else:
        try:
            parsed = parse_datetime(str(value).strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise DomainError(
            _("Enter a date and time, like 2025-03-14 15:30."), field=field
        )
    result = parsed
    if timezone.is_naive(result):
        result = timezone.make_aware(result)
    return result


def _clean_text(value: Any, *, field: str, model, required: bool = False) -> str:
    text = ("" if value is None else str(value)).strip()
    if required and not text:
        raise DomainError(_("This field is required."), field=field)
    limit = model._meta.get_field(field).max_length
    if limit and len(text) > limit:
        raise DomainError(
            _("At most %(limit)d characters.") % {"limit": limit}, field=field
        )
    return text


def _clean_choice(value: Any, *, field: str, choices, default: str = "") -> str:
    if value in (None, ""):
        return default
    if value not in choices.values:
        raise DomainError(
            _("Choose one of: %(values)s.")
            % {"values": ", ".join(str(label) for label in choices.labels)},
            field=field,
        )
    return value


def _pk(value: Any, *, field: str) -> int | None:
    if value in (None, ""):
        return None
    if hasattr(value, "pk"):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Choose a record from the list."), field=field) from None


def _visible_client(actor, model, value: Any, *, field: str):
    """The company or contact the actor may see; NotFound for a hidden or missing one.

    A hidden record and a missing one answer alike, so an id reveals nothing.
    """
    pk = _pk(value, field=field)
    if pk is None:
        return None
    obj = (
        value
        if isinstance(value, model) and value.deleted_at is None
        else visibility.visible(model.objects.all(), actor).filter(pk=pk).first()
    )
    if obj is None or not visibility.can(actor, obj):
        raise NotFound()
    return obj


def _active_user(value: Any, *, field: str = "assignee"):
    pk = _pk(value, field=field)
    if pk is None:
        raise DomainError(_("Choose who does the task."), field=field)
    user_model = get_user_model()
    user = (
        value
        if isinstance(value, user_model)
        else user_model.objects.filter(pk=pk).first()
    )
    if user is None or not user.is_active:
        raise DomainError(_("Choose an active user."), field=field)
    return user


def main_company(contact: Contact) -> Company | None:
    """The company a person mainly works for: the primary position, or the only one."""
    employments = list(
        Employment.objects.filter(contact=contact, company__deleted_at__isnull=True)
        .select_related("company")
        .order_by("-is_primary", "id")[:2]
    )
    if not employments:
        return None
    if employments[0].is_primary or len(employments) == 1:
        return employments[0].company
    return None


def _attach_clients(obj, actor, data: dict[str, Any]) -> None:
    """Set company/contact from the input; a contact brings their main company."""
    if "company" in data:
        obj.company = _visible_client(actor, Company, data["company"], field="company")
    if "contact" in data:
        obj.contact = _visible_client(actor, Contact, data["contact"], field="contact")
        if obj.contact is not None and obj.company is None:
            # So the record shows on the contact's card and on their company's.
            obj.company = main_company(obj.contact)


def _user_now_text(user, value: dt.datetime | None) -> str:
    """A date and time as the user reads it: their language and time zone."""
    if value is None:
        return ""
    zone = None
    if getattr(user, "time_zone", ""):
        try:
            zone = zoneinfo.ZoneInfo(user.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = None
    local = timezone.localtime(value, zone)
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def _language_of(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


# --- tasks ------------------------------------------------------------------------


def _clean_task(task: Task, data: dict[str, Any], actor) -> None:
    if "title" in data:
        task.title = _clean_text(
            data["title"], field="title", model=Task, required=True
        )
    if "description" in data:
        task.description = (data["description"] or "").strip()
    if "assignee" in data:
        task.assignee = _active_user(data["assignee"] or actor)
    if "due_at" in data:
        task.due_at = _clean_datetime(data["due_at"], field="due_at")
    if "remind_at" in data:
        remind_at = _clean_datetime(data["remind_at"], field="remind_at")
        if remind_at != task.remind_at:
            # A new reminder time means a new reminder, even after one was sent.
            task.reminder_sent_at = None
        task.remind_at = remind_at
    if "priority" in data:
        task.priority = _clean_choice(
            data["priority"],
            field="priority",
            choices=TaskPriority,
            default=TaskPriority.NORMAL,
        )
    if "status" in data:
        status = _clean_choice(
            data["status"], field="status", choices=TaskStatus, default=TaskStatus.OPEN
        )
        _set_status(task, status)
    _attach_clients(task, actor, data)


def _set_status(task: Task, status: str) -> None:
    if status in OPEN_STATUSES:
        task.completed_at = None
    elif task.status in OPEN_STATUSES or task.completed_at is None:
        task.completed_at = timezone.now()
    task.status = status


def _notify_assignee(task: Task, actor) -> None:
    """Tell the assignee about a task someone else gave them, in their language."""
    assignee = task.assignee
    if assignee.pk == getattr(actor, "pk", None):
        return
    with translation.override(_language_of(assignee)):
        title = _("%(author)s assigned you a task: %(title)s") % {
            "author": str(actor),
            "title": task.title,
        }
        lines = []
        if task.due_at:
            lines.append(
                _("Due: %(due)s") % {"due": _user_now_text(assignee, task.due_at)}
            )
        client = task.contact or task.company
        if client is not None:
            lines.append(_("Client: %(client)s") % {"client": str(client)})
        if task.description:
            lines.append(task.description)
        notification_send(
            user=assignee,
            title=title[:300],
            body="\n".join(lines),
            url=task.get_absolute_url(),
        )


@transaction.atomic
def task_create(*, actor, title: str, **data) -> Task:
    """Create a task; the assignee (the actor by default) hears about it.

    The actor must see the company or contact the task is for. A task given to
    someone else notifies them in the application and by e-mail once committed.
    """
    visibility.ensure_can_create(actor=actor, object_type="task")
    unknown = set(data) - set(TASK_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    data = {"assignee": actor, **data, "title": title}
    task = Task(created_by=actor)
    _clean_task(task, data, actor)
    task.search_text = task.build_search_text()
    task.save()
    audit.record_create(actor, task)
    _notify_assignee(task, actor)
    return task


@transaction.atomic
def task_update(*, actor, task: Task, version: int | None = None, **data) -> Task:
    """Change a task; `version` is the one the user loaded (a stale save is refused).

    Changing the assignee notifies the new one; changing the reminder time arms the
    reminder again.
    """
    visibility.ensure_can_edit(actor=actor, obj=task)
    unknown = set(data) - set(TASK_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    before = audit.snapshot(task)
    previous_assignee = task.assignee_id
    _clean_task(task, data, actor)
    task.search_text = task.build_search_text()
    claim_version(task, expected_version=version)
    task.save()
    audit.record_update(actor, task, before)
    if task.assignee_id != previous_assignee:
        _notify_assignee(task, actor)
    return task


@transaction.atomic
def task_complete(*, actor, task: Task, version: int | None = None) -> Task:
    """Mark a task done (no-op when it already is)."""
    visibility.ensure_can_edit(actor=actor, obj=task)
    if task.status == TaskStatus.DONE:
        return task
    before = audit.snapshot(task)
    _set_status(task, TaskStatus.DONE)
    claim_version(task, expected_version=version)
    task.save()
    audit.record_update(actor, task, before)
    return task


@transaction.atomic
def task_reopen(*, actor, task: Task, version: int | None = None) -> Task:
    """Open a done or cancelled task again."""
    visibility.ensure_can_edit(actor=actor, obj=task)
    if task.is_open:
        return task
    before = audit.snapshot(task)
    _set_status(task, TaskStatus.OPEN)
    claim_version(task, expected_version=version)
    task.save()
    audit.record_update(actor, task, before)
    return task


@transaction.atomic
def task_delete(*, actor, task: Task) -> Task:
    """Move a task to the trash; an administrator can restore it."""
    visibility.ensure_can_edit(actor=actor, obj=task)
    record_trash(actor=actor, obj=task)
    return task


# --- reminders ----------------------------------------------------------------------


def task_reminders_send(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Send every due task reminder exactly once; return how many were sent.

    Each reminder is claimed with a conditional UPDATE (`reminder_sent_at IS NULL`)
    in the same transaction that writes the in-app notification, so two workers, or
    a run killed half-way and started again, never deliver one reminder twice. The
    e-mail leaves after that transaction commits.
    """
    now = now or timezone.now()
    due = list(
        Task.objects.filter(
            remind_at__lte=now,
            reminder_sent_at__isnull=True,
            status__in=OPEN_STATUSES,
        )
        .order_by("remind_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for task_id in due:
        with transaction.atomic():
            claimed = Task.objects.filter(
                pk=task_id,
                reminder_sent_at__isnull=True,
                status__in=OPEN_STATUSES,
            ).update(reminder_sent_at=now)
            if not claimed:
                continue
            task = (
                Task.objects.select_related("assignee", "company", "contact")
                .filter(pk=task_id)
                .first()
            )
            if task is None or not task.assignee.is_active:
                continue
            _send_reminder(task)
            sent += 1
    return sent


def _send_reminder(task: Task) -> None:
    assignee = task.assignee
    with translation.override(_language_of(assignee)):
        title = _("Reminder: %(title)s") % {"title": task.title}
        lines = []
        if task.due_at:
            lines.append(
                _("Due: %(due)s") % {"due": _user_now_text(assignee, task.due_at)}
            )
        client = task.contact or task.company
        if client is not None:
            lines.append(_("Client: %(client)s") % {"client": str(client)})
        if task.description:
            lines.append(task.description)
        notification_send(
            user=assignee,
            title=title[:300],
            body="\n".join(lines),
            url=task.get_absolute_url(),
        )


def task_overdue_nudges_send(*, now: dt.datetime | None = None) -> int:
    """Tell each user once a day how many of their tasks are overdue.

    One notice per user and day, whatever the number of tasks: a nudge, not a flood.
    The day's notice is looked for inside the same transaction that writes it, so a
    re-run after a crash sends nothing twice.
    """
    now = now or timezone.now()
    day_start = timezone.localtime(now).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    counts = (
        Task.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now)
        .values("assignee")
        .annotate(overdue=Count("pk"))
        .order_by("assignee")
    )
    list_url = reverse("activities:task-list")
    sent = 0
    user_model = get_user_model()
    for row in counts:
        with transaction.atomic():
            # Locking the user row serialises two runs for one user (PostgreSQL);
            # SQLite's writers are serial anyway.
            user = (
                user_model.objects.select_for_update()
                .filter(pk=row["assignee"], is_active=True)
                .first()
            )
            if user is None:
                continue
            url = f"{list_url}?" + urlencode(
                {"assignee": user.pk, "status": "active", "overdue": "on"}
            )
            if Notification.objects.filter(
                user=user, url=url, created_at__gte=day_start
            ).exists():
                continue
            with translation.override(_language_of(user)):
                title = ngettext(
                    "You have %(count)d overdue task.",
                    "You have %(count)d overdue tasks.",
                    row["overdue"],
                ) % {"count": row["overdue"]}
                body = _("Close what is done, or move the due date.")
            notification_send(user=user, title=title, body=body, url=url)
            sent += 1
    return sent


# --- activities ---------------------------------------------------------------------


def _clean_activity(activity: Activity, data: dict[str, Any], actor) -> None:
    if "kind" in data:
        kind = _clean_choice(data["kind"], field="kind", choices=ActivityKind)
        if not kind:
            raise DomainError(_("Choose what happened."), field="kind")
        if kind == ActivityKind.FILE and activity.kind != ActivityKind.FILE:
            raise DomainError(_("Upload a file to add a file."), field="kind")
        if activity.kind == ActivityKind.FILE and kind != ActivityKind.FILE:
            raise DomainError(_("A file stays a file."), field="kind")
        activity.kind = kind
    for name in ("subject", "outcome", "location"):
        if name in data:
            setattr(activity, name, _clean_text(data[name], field=name, model=Activity))
    if "body" in data:
        activity.body = (data["body"] or "").strip()
    if "occurred_at" in data:
        activity.occurred_at = (
            _clean_datetime(data["occurred_at"], field="occurred_at") or timezone.now()
        )
    if "ends_at" in data:
        activity.ends_at = _clean_datetime(data["ends_at"], field="ends_at")
    if "direction" in data:
        activity.direction = _clean_choice(
            data["direction"], field="direction", choices=Direction
        )
    if "duration_minutes" in data:
        activity.duration_minutes = _clean_duration(data["duration_minutes"])
    _attach_clients(activity, actor, data)
    if activity.ends_at and activity.ends_at < activity.occurred_at:
        raise DomainError(_("The end must come after the start."), field="ends_at")
    if activity.company_id is None and activity.contact_id is None:
        raise DomainError(_("Choose a company or a contact."), field="company")
    if activity.kind == ActivityKind.NOTE and not (activity.body or activity.subject):
        raise DomainError(_("Write the note."), field="body")


def _clean_duration(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(
            _("Enter the duration in whole minutes."), field="duration_minutes"
        ) from None
    if minutes < 0 or minutes > MAX_DURATION_MINUTES:
        raise DomainError(
            _("Enter a duration between 0 and %(max)d minutes.")
            % {"max": MAX_DURATION_MINUTES},
            field="duration_minutes",
        )
    return minutes


@transaction.atomic
def activity_log(*, actor, kind: str, **data) -> Activity:
    """Log a call, meeting, note or letter on a company's or contact's card.

    Logged on a person with a main company, the activity is attached to that company
    too, so it shows on both cards.
    """
    visibility.ensure_can_create(actor=actor, object_type="activity")
    unknown = set(data) - set(ACTIVITY_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    if kind not in LOGGABLE_KINDS:
        raise DomainError(
            _("Choose a call, a meeting, a note or an e-mail."), field="kind"
        )
    activity = Activity(created_by=actor, kind=kind)
    _clean_activity(activity, {**data, "kind": kind}, actor)
    activity.search_text = activity.build_search_text()
    activity.save()
    audit.record_create(actor, activity)
    return activity


@transaction.atomic
def activity_update(
    *, actor, activity: Activity, version: int | None = None, **data
) -> Activity:
    """Change a logged activity; a stale `version` is refused."""
    visibility.ensure_can_edit(actor=actor, obj=activity)
    unknown = set(data) - set(ACTIVITY_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    before = audit.snapshot(activity)
    _clean_activity(activity, data, actor)
    activity.search_text = activity.build_search_text()
    claim_version(activity, expected_version=version)
    activity.save()
    audit.record_update(actor, activity, before)
    return activity


@transaction.atomic
def activity_delete(*, actor, activity: Activity) -> Activity:
    """Move an activity (and with it its files) to the trash."""
    visibility.ensure_can_edit(actor=actor, obj=activity)
    record_trash(actor=actor, obj=activity)
    return activity


# --- files --------------------------------------------------------------------------


def _clean_upload(file) -> None:
    if file is None or not getattr(file, "name", ""):
        raise DomainError(_("Choose a file to upload."), field="file")
    limit = settings.CRM_MAX_ATTACHMENT_SIZE
    if file.size > limit:
        raise DomainError(
            _("The file is %(size)s; files may be at most %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
            field="file",
        )
    if file.size == 0:
        raise DomainError(_("The file is empty."), field="file")


@transaction.atomic
def attachment_add(
    *,
    actor,
    file,
    activity: Activity | None = None,
    company: Company | int | None = None,
    contact: Contact | int | None = None,
    description: str = "",
) -> Attachment:
    """Store an uploaded file on an activity, or on a card as a new "file" activity.

    Files larger than `CRM_MAX_ATTACHMENT_SIZE` are refused before anything is
    written. The file lands under MEDIA_ROOT through the FileField's storage, which
    never overwrites another file of the same name.
    """
    _clean_upload(file)
    name = os.path.basename(file.name)[:255]
    if activity is not None:
        visibility.ensure_can_edit(actor=actor, obj=activity)
    else:
        visibility.ensure_can_create(actor=actor, object_type="activity")
        activity = Activity(
            created_by=actor,
            kind=ActivityKind.FILE,
            subject=name[:300],
            body=(description or "").strip(),
            occurred_at=timezone.now(),
        )
        _attach_clients(activity, actor, {"company": company, "contact": contact})
        if activity.company_id is None and activity.contact_id is None:
            raise DomainError(_("Choose a company or a contact."), field="company")
        activity.search_text = activity.build_search_text()
        activity.save()
        audit.record_create(actor, activity)
    attachment = Attachment(
        activity=activity,
        name=name,
        size=file.size,
        content_type=(getattr(file, "content_type", "") or "")[:100],
        uploaded_by=actor,
    )
    attachment.file.save(name, file, save=False)
    attachment.save()
    return attachment
