"""Reminders of tasks and the morning nudge about overdue ones, each delivered once
(in the application and by e-mail) however often the job runs."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.activities.models import (
    OPEN_STATUSES,
    Task,
)
from crm.activities.services.records import language_of, local_text
from crm.core.models import Notification
from crm.core.services import notification_send


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
    with translation.override(language_of(assignee)):
        title = _("Reminder: %(title)s") % {"title": task.title}
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
                {"assignee": str(user.pk), "status": "active", "overdue": "on"}
            )
            if Notification.objects.filter(
                user=user, url=url, created_at__gte=day_start
            ).exists():
                continue
            with translation.override(language_of(user)):
                title = ngettext(
                    "You have %(count)d overdue task.",
                    "You have %(count)d overdue tasks.",
                    row["overdue"],
                ) % {"count": row["overdue"]}
                body = _("Close what is done, or move the due date.")
            notification_send(user=user, title=title, body=body, url=url)
            sent += 1
    return sent
