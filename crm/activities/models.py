"""Work with clients: tasks, and the activities logged on their cards — calls,
meetings, notes, letters and files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.models import Record
from crm.core.search import search_text


class TaskPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


class TaskQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class LiveTaskManager(models.Manager.from_queryset(TaskQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Task(Record):
    """Something a member of staff must do by a deadline, often for a client."""

    object_type = "task"
    owner_fields = ("assignee", "created_by")

    title = models.CharField(_("task"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    priority = models.CharField(
        _("priority"),
        max_length=10,
        choices=TaskPriority.choices,
        default=TaskPriority.NORMAL,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(
        _("completed"), null=True, blank=True, editable=False
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    # Normalised words of the title and description for word-prefix search (FTS5 /
    # tsvector, see core.search); kept by the services.
    search_text = models.TextField(blank=True, editable=False)

    objects = LiveTaskManager()

    audit_exclude = (*Record.audit_exclude, "reminder_sent_at")

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(
                fields=["assignee", "status", "due_at"], name="task_assignee_idx"
            ),
            models.Index(
                fields=["created_by", "status", "due_at"], name="task_author_idx"
            ),
            models.Index(fields=["status", "due_at"], name="task_status_idx"),
            # "Done today" on my day: a manager's finished tasks by completion time.
            models.Index(
                fields=["assignee", "completed_at"], name="task_completed_idx"
            ),
            models.Index(fields=["company", "-created_at"], name="task_company_idx"),
            models.Index(fields=["contact", "-created_at"], name="task_contact_idx"),
            models.Index(
                fields=["remind_at"],
                condition=Q(reminder_sent_at__isnull=True, remind_at__isnull=False),
                name="task_reminder_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:task-detail", args=[self.pk])

    def build_search_text(self) -> str:
        return search_text(texts=[self.title, self.description])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")
    EMAIL = "email", _("E-mail")
    FILE = "file", _("File")


class Direction(models.TextChoices):
    INCOMING = "in", _("Incoming")
    OUTGOING = "out", _("Outgoing")


class Activity(Record):
    """A call, meeting, note, letter or file on a client's timeline."""

    object_type = "activity"
    owner_fields = ("created_by",)

    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, blank=True
    )
    duration_minutes = models.PositiveIntegerField(
        _("duration, min"), null=True, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    location = models.CharField(_("place"), max_length=300, blank=True)
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    # Normalised words of the subject, text and outcome for search (see core.search).
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(
                fields=["company", "-occurred_at", "-id"], name="activity_company_idx"
            ),
            models.Index(
                fields=["contact", "-occurred_at", "-id"], name="activity_contact_idx"
            ),
            models.Index(
                fields=["created_by", "-occurred_at"], name="activity_author_idx"
            ),
            models.Index(fields=["kind", "occurred_at"], name="activity_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.subject or self.get_kind_display()

    def get_absolute_url(self) -> str:
        return reverse("activities:activity-detail", args=[self.pk])

    def build_search_text(self) -> str:
        return search_text(texts=[self.subject, self.body, self.outcome, self.location])


def attachment_path(instance, filename: str) -> str:
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{filename}"


class Attachment(models.Model):
    """A file attached to an activity (a file on the timeline, a letter's attachment)."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=500)
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("activities:attachment-download", args=[self.pk])


class CalendarFeed(models.Model):
    """A user's secret calendar address (`/calendar/<token>.ics`).

    Calendar programs cannot sign in, so the token in the address is the key: it
    is long and random, shown only on the owner's profile, and resetting it makes
    the old address stop working at once.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar address")
        verbose_name_plural = _("calendar addresses")

    def __str__(self) -> str:
        return str(self.user)
