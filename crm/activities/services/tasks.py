"""Writes of tasks: create, change, complete, reopen, trash; the assignee hears of
a task someone else gave them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.activities.models import (
    OPEN_STATUSES,
    Task,
    TaskPriority,
    TaskStatus,
)
from crm.activities.services.records import (
    active_user,
    attach_clients,
    clean_choice,
    clean_datetime,
    clean_text,
    language_of,
    local_text,
)
from crm.core import audit, visibility
from crm.core.errors import DomainError
from crm.core.services import claim_version, notification_send, record_trash

# Higher apps follow a task's status through these callables (a deal's plan step keeps
# the status of its task). Each is called as `listener(actor=, task=, old_status=)`
# inside the service's transaction, after the task is saved, only when the status
# changed; a DomainError it raises refuses the whole change. Registered from the
# higher app's `ready()`: activities cannot import sales.
TASK_STATUS_LISTENERS: list[Callable[..., None]] = []


def task_status_listener_register(listener: Callable[..., None]) -> None:
    """Call `listener(actor=, task=, old_status=)` whenever a task's status changes."""
    if listener not in TASK_STATUS_LISTENERS:
        TASK_STATUS_LISTENERS.append(listener)


def _status_changed(actor, task: Task, old_status: str) -> None:
    if task.status == old_status:
        return
    for listener in list(TASK_STATUS_LISTENERS):
        listener(actor=actor, task=task, old_status=old_status)


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


def _clean_task(task: Task, data: dict[str, Any], actor) -> None:
    if "title" in data:
        task.title = clean_text(data["title"], field="title", model=Task, required=True)
    if "description" in data:
        task.description = (data["description"] or "").strip()
    if "assignee" in data:
        task.assignee = active_user(data["assignee"] or actor)
    if "due_at" in data:
        task.due_at = clean_datetime(data["due_at"], field="due_at")
    if "remind_at" in data:
        remind_at = clean_datetime(data["remind_at"], field="remind_at")
        if remind_at != task.remind_at:
            # A new reminder time means a new reminder, even after one was sent.
            task.reminder_sent_at = None
        task.remind_at = remind_at
    if "priority" in data:
        task.priority = clean_choice(
            data["priority"],
            field="priority",
            choices=TaskPriority,
            default=TaskPriority.NORMAL,
        )
    if "status" in data:
        status = clean_choice(
            data["status"], field="status", choices=TaskStatus, default=TaskStatus.OPEN
        )
        _set_status(task, status)
    attach_clients(task, actor, data)


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
    with translation.override(language_of(assignee)):
        title = _("%(author)s assigned you a task: %(title)s") % {
            "author": str(actor),
            "title": task.title,
        }
        lines = []
        if task.due_at:
            lines.append(_("Due: %(due)s") % {"due": local_text(assignee, task.due_at)})
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
    previous_status = task.status
    _clean_task(task, data, actor)
    task.search_text = task.build_search_text()
    claim_version(task, expected_version=version)
    task.save()
    audit.record_update(actor, task, before)
    _status_changed(actor, task, previous_status)
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
    previous_status = task.status
    _set_status(task, TaskStatus.DONE)
    claim_version(task, expected_version=version)
    task.save()
    audit.record_update(actor, task, before)
    _status_changed(actor, task, previous_status)
    return task


@transaction.atomic
def task_reopen(*, actor, task: Task, version: int | None = None) -> Task:
    """Open a done or cancelled task again."""
    visibility.ensure_can_edit(actor=actor, obj=task)
    if task.is_open:
        return task
    before = audit.snapshot(task)
    previous_status = task.status
    _set_status(task, TaskStatus.OPEN)
    claim_version(task, expected_version=version)
    task.save()
    audit.record_update(actor, task, before)
    _status_changed(actor, task, previous_status)
    return task


@transaction.atomic
def task_delete(*, actor, task: Task) -> Task:
    """Move a task to the trash; an administrator can restore it."""
    visibility.ensure_can_edit(actor=actor, obj=task)
    record_trash(actor=actor, obj=task)
    return task
