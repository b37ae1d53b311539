"""Imports of spreadsheets: a job per uploaded file, its rejected rows, and the
column mappings people save to reuse."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportEntity(models.TextChoices):
    COMPANIES = "companies", _("Companies")
    CONTACTS = "contacts", _("Contacts")
    LEADS = "leads", _("Leads")
    PRODUCTS = "products", _("Products")
    DEALS = "deals", _("Deals")
    ORDERS = "orders", _("Orders")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("uploaded")
    CHECKING = "checking", _("checking")
    CHECKED = "checked", _("checked")
    RUNNING = "running", _("importing")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


def _upload_to(job: ImportJob, filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/{filename}"


class ImportJob(models.Model):
    """One uploaded file on its way into the CRM: mapping, dry run, import.

    `committed_rows` is how many data rows are done and committed: a job that was
    killed resumes after it, so nothing is lost and nothing is written twice.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.CASCADE,
        related_name="imports",
    )
    entity = models.CharField(_("records"), max_length=20, choices=ImportEntity.choices)
    file = models.FileField(_("file"), upload_to=_upload_to, max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(max_length=10, default="csv")
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    headers = models.JSONField(default=list, blank=True)
    # {column number as a string: field name}; a column left out is skipped.
    mapping = models.JSONField(default=dict, blank=True)
    preview = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ImportStatus.choices,
        default=ImportStatus.UPLOADED,
    )
    dry_run = models.BooleanField(default=False)
    checked = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    committed_rows = models.PositiveIntegerField(default=0)
    # The dry run's progress, apart: it must not move where the import resumes.
    checked_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    error = models.TextField(blank=True)
    # The language of the report: the owner's at upload time.
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="import_owner_idx")
        ]

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse("imports:import-detail", args=[self.pk])

    @property
    def is_busy(self) -> bool:
        return self.status in (ImportStatus.CHECKING, ImportStatus.RUNNING)

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status in (ImportStatus.DONE, ImportStatus.CHECKED):
            return 100
        if not self.total_rows:
            return 0
        done = (
            self.checked_rows
            if self.status == ImportStatus.CHECKING
            else self.committed_rows
        )
        return min(100, round(100 * done / self.total_rows))


class ImportRowError(models.Model):
    """A rejected row: its number in the file, the column, the reason (already in
    the job owner's language) and the row's own values for the CSV of rejects."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="errors")
    dry_run = models.BooleanField(default=False)
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=200, blank=True)
    message = models.TextField(_("reason"))
    values = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["row", "id"]
        indexes = [
            models.Index(fields=["job", "dry_run", "row"], name="import_error_row_idx")
        ]
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")

    def __str__(self) -> str:
        return f"{self.row}: {self.message}"


class MappingTemplate(models.Model):
    """A saved column mapping, {column header: field}, offered for the next file."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    entity = models.CharField(_("records"), max_length=20, choices=ImportEntity.choices)
    name = models.CharField(_("name"), max_length=100)
    mapping = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("mapping template")
        verbose_name_plural = _("mapping templates")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "entity", "name"], name="mapping_template_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name
