"""Base models shared by every domain app, and the cross-cutting records of core:
the audit history, custom field definitions, visibility rules, saved list views and
in-app notifications."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from crm.core.bulk import by_external_id


class LiveQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)

    def with_external_id(self, values):
        """Records having this external ID or one of these (`core.bulk`)."""
        return by_external_id(self, values)


class LiveManager(models.Manager.from_queryset(LiveQuerySet)):
    """The default manager of a record: rows in the trash are not there."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Record(models.Model):
    """A domain record: timestamps, author, optimistic-lock version and soft delete.

    `version` grows by one on every save through a service; a save that carries an
    older version is refused (two people editing one record). Deleting moves the row
    to the trash (`deleted_at`), from which an administrator restores it.
    """

    created_at = models.DateTimeField(
        _("created"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(
        _("updated"), default=timezone.now, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = LiveManager()
    all_objects = LiveQuerySet.as_manager()

    # Fields that the audit history leaves out: they change on every save.
    audit_exclude: tuple[str, ...] = (
        "updated_at",
        "version",
        "search_text",
        "created_by",
        "deleted_at",
        "deleted_by",
    )
    # Names of the object type in the visibility rules (see core.visibility).
    object_type: str = ""

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ReferenceItem(models.Model):
    """An entry of a reference list (справочник) with a Russian and an English name."""

    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["position", "name_en"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "en").startswith("ru"):
            return self.name_ru or self.name_en
        return self.name_en or self.name_ru


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("moved to trash")
    RESTORE = "restore", _("restored")


class AuditEntry(models.Model):
    """One write to a record: who, when, and the old and new value of each field."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=300)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # {field name: {"label": verbose name, "old": display value, "new": display value}}
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-at"], name="audit_object_idx"
            ),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
        ]
        verbose_name = _("history entry")
        verbose_name_plural = _("history")

    def __str__(self) -> str:
        return f"{self.object_repr}: {self.get_action_display()}"


class CustomFieldEntity(models.TextChoices):
    COMPANY = "company", _("Company")
    CONTACT = "contact", _("Contact")


class CustomFieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    BOOLEAN = "boolean", _("Yes/no")


class CustomField(models.Model):
    """A field an administrator added to companies or contacts without code.

    Values live in the record's `custom_fields` JSON under `key`; the key never
    changes once created so that stored values, filters and API clients keep working.
    """

    entity = models.CharField(
        _("for"), max_length=20, choices=CustomFieldEntity.choices
    )
    key = models.SlugField(_("key"), max_length=50)
    label_en = models.CharField(_("label (English)"), max_length=100)
    label_ru = models.CharField(_("label (Russian)"), max_length=100)
    kind = models.CharField(_("type"), max_length=10, choices=CustomFieldKind.choices)
    # For kind=choice: the allowed values, one per entry.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    is_required = models.BooleanField(_("required"), default=False)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["entity", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "key"], name="custom_field_unique_key"
            )
        ]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if (get_language() or "en").startswith("ru"):
            return self.label_ru or self.label_en
        return self.label_en or self.label_ru


class VisibilityRule(models.Model):
    """An administrator's override of which records a role sees and changes.

    Without a row the defaults of `core.visibility.DEFAULT_RULES` apply.
    """

    role = models.CharField(_("role"), max_length=20)
    object_type = models.CharField(_("object type"), max_length=30)
    view_scope = models.CharField(_("sees"), max_length=10)
    edit_scope = models.CharField(_("changes"), max_length=10)

    class Meta:
        ordering = ["role", "object_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["role", "object_type"], name="visibility_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}/{self.object_type}: {self.view_scope}/{self.edit_scope}"


class SavedView(models.Model):
    """A user's named list view: filters, sort order and chosen columns."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    list_key = models.CharField(max_length=30)
    name = models.CharField(_("name"), max_length=100)
    query = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list_key", "name"], name="saved_view_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """An in-app notice to one user (a task reminder, an approval request…)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "read_at", "-created_at"], name="notif_user_idx"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    RUNNING = "running", _("in progress")
    DONE = "done", _("ready")
    FAILED = "failed", _("failed")


def _export_path(job: ExportJob, filename: str) -> str:
    # Served only by the export's own view, which checks the owner. The random folder
    # keeps the path unguessable where MEDIA_ROOT is served directly (DEBUG).
    import secrets

    return f"exports/{job.owner_id}/{secrets.token_hex(16)}/{filename}"


class ExportJob(models.Model):
    """A list export too large to stream during the request, written by a worker.

    `query` is the list page's query string (filters, search, sort, columns), so
    the job rebuilds exactly the rows the owner saw, with the owner's visibility.
    The file is served only to its owner.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    list_key = models.CharField(_("list"), max_length=60)
    query = models.TextField(blank=True)
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ExportStatus.choices,
        default=ExportStatus.PENDING,
    )
    progress = models.PositiveSmallIntegerField(default=0)
    row_count = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=_export_path, blank=True, max_length=300)
    error = models.TextField(blank=True)
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="export_owner_idx")
        ]

    def __str__(self) -> str:
        return f"{self.list_key}.{self.format}"
