"""Exporting a list: at once for a small one, as a background job for a large one.

The export is rebuilt from the list's key and query string through the builder the
list page uses (`core.exports.register_export`), with the exporting user as the
actor: a user exports exactly the rows they can see, nothing more.
"""

from __future__ import annotations

import logging
import tempfile
import zoneinfo

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from crm.core.errors import DomainError, NotFound
from crm.core.exports import exportable, writing
from crm.core.models import ExportFormat, ExportJob, ExportStatus
from crm.core.services import notification_send

log = logging.getLogger(__name__)

# Up to this many rows an export downloads during the request; more go to a job.
DEFAULT_SYNC_LIMIT = 5000


def sync_limit() -> int:
    return getattr(settings, "CRM_EXPORT_SYNC_LIMIT", DEFAULT_SYNC_LIMIT)


def _params(query: str | dict | QueryDict) -> QueryDict:
    if isinstance(query, QueryDict):
        params = query.copy()
    elif isinstance(query, dict):
        params = QueryDict(mutable=True)
        for key, value in query.items():
            if isinstance(value, list | tuple):
                params.setlist(key, [str(v) for v in value])
            elif value is not None:
                params[key] = str(value)
    else:
        params = QueryDict(query or "", mutable=True)
    for name in ("page", "page_size", "format"):
        params.pop(name, None)
    return params


def _check(list_key: str, format: str):
    entry = exportable(list_key)
    if entry is None:
        raise DomainError(
            _("There is no list “%(key)s” to export.") % {"key": list_key},
            field="list",
        )
    if format not in ExportFormat.values:
        raise DomainError(
            _("Choose the format: CSV or XLSX."), field="format", code="invalid"
        )
    return entry


class ExportRows:
    """A list rebuilt for export: title, header and a lazy iterator of rows."""

    def __init__(self, *, actor, list_key: str, query, format: str):
        entry = _check(list_key, format)
        self.list_key = list_key
        self.format = format
        self.params = _params(query)
        self.spec, queryset = entry.build(actor, self.params)
        self.queryset, self.columns = writing.ordered(self.spec, queryset, self.params)
        self.entry = entry

    @property
    def header(self) -> list[str]:
        return [str(column.label) for column in self.columns]

    @property
    def title(self) -> str:
        return str(self.spec.title)

    def filename(self) -> str:
        name = slugify(self.list_key.split(".")[-1]) or "export"
        return f"{name}-{timezone.localdate().isoformat()}.{self.format}"

    def is_small(self) -> bool:
        limit = sync_limit()
        return self.queryset.order_by()[: limit + 1].count() <= limit

    def body(self, on_chunk=None):
        return writing.rows(self.queryset, self.columns, on_chunk=on_chunk)

    def write(self, out, on_chunk=None) -> None:
        if self.format == ExportFormat.CSV:
            writing.write_csv(
                out, self.header, self.body(on_chunk), writing.csv_delimiter()
            )
        else:
            writing.write_xlsx(out, self.header, self.body(on_chunk), self.title)


def export_rows(*, actor, list_key: str, query, format: str) -> ExportRows:
    """The rows of a list as `actor` sees it, ready to write (nothing is read yet).

    Raises `DomainError` for an unknown list or format. The queryset comes from the
    list's own builder, so filters the user cannot apply on the page cannot be
    smuggled in through the export either.
    """
    return ExportRows(actor=actor, list_key=list_key, query=query, format=format)


@transaction.atomic
def export_job_create(*, actor, list_key: str, query, format: str) -> ExportJob:
    """Queue a background export of a list as `actor` sees it now.

    The query string is checked by building the list once (an unknown list or
    format fails here, not in the worker); the worker rebuilds it, so rows added
    meanwhile are included and the owner's visibility at run time applies.
    """
    from crm.core.tasks import export_job_run_task

    rows = export_rows(actor=actor, list_key=list_key, query=query, format=format)
    job = ExportJob.objects.create(
        owner=actor,
        list_key=list_key,
        query=rows.params.urlencode(),
        format=format,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    transaction.on_commit(lambda: export_job_run_task(job.pk))
    return job


def _zone(user):
    """The user's time zone, as their pages use it (the site's when unset)."""
    try:
        return zoneinfo.ZoneInfo(user.time_zone) if user.time_zone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write a queued export's file and tell its owner where to download it.

    Idempotent: a finished job is left alone; a job killed half-way is written
    again from the start into a fresh file (the old one is replaced), so a re-run
    never leaves a truncated file behind a "ready" status.
    """
    job = ExportJob.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status == ExportStatus.DONE:
        return job
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, progress=0, error=""
    )
    owner = job.owner
    with (
        translation.override(job.language or owner.language or None),
        timezone.override(_zone(owner)),
    ):
        try:
            rows = export_rows(
                actor=owner, list_key=job.list_key, query=job.query, format=job.format
            )
            total = rows.queryset.order_by().count()
            ExportJob.objects.filter(pk=job.pk).update(total=total)

            def progress(done: int) -> None:
                percent = min(99, done * 100 // total) if total else 99
                ExportJob.objects.filter(pk=job.pk).update(
                    progress=percent, row_count=done
                )

            written = 0

            def counting(body):
                nonlocal written
                for row in body:
                    written += 1
                    yield row

            with tempfile.TemporaryFile() as out:
                body = counting(rows.body(progress))
                if job.format == ExportFormat.CSV:
                    delimiter = writing.csv_delimiter()
                    writing.write_csv(out, rows.header, body, delimiter)
                else:
                    writing.write_xlsx(out, rows.header, body, rows.title)
                out.seek(0)
                old = job.file.name
                job.file.save(rows.filename(), File(out), save=False)
                if old and old != job.file.name:
                    job.file.storage.delete(old)
        except Exception as error:
            log.exception("Export %s failed", job.pk)
            job.status = ExportStatus.FAILED
            job.error = str(getattr(error, "message", error))[:2000]
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
            notification_send(
                user=owner,
                title=_("The export could not be written"),
                body=job.error,
                email=False,
            )
            return job
        job.status = ExportStatus.DONE
        job.progress = 100
        job.row_count = written
        job.total = max(total, written)
        job.finished_at = timezone.now()
        job.save(
            update_fields=[
                "status",
                "progress",
                "row_count",
                "total",
                "file",
                "finished_at",
            ]
        )
        notification_send(
            user=owner,
            title=_("Your export is ready: %(list)s, %(rows)s rows")
            % {"list": rows.title, "rows": written},
            url=reverse("core:export-file", args=[job.pk]),
            email=False,
        )
    return job


def export_job_get(*, actor, job_id: int) -> ExportJob:
    """One export job of `actor`; someone else's answers like a missing one."""
    job = ExportJob.objects.filter(pk=job_id, owner=actor).first()
    if job is None or not actor.is_authenticated:
        raise NotFound
    return job


def export_job_list(*, actor):
    return ExportJob.objects.filter(owner=actor)


KEEP_DAYS = 7


def export_jobs_clean(*, now=None) -> int:
    """Delete exports older than `CRM_EXPORT_KEEP_DAYS` (7) days with their files.

    Exports are copies of the base, kept only so their owner can download them; old
    copies left on disk would outlive the visibility rules they were made under.
    """
    import datetime as dt

    now = now or timezone.now()
    days = getattr(settings, "CRM_EXPORT_KEEP_DAYS", KEEP_DAYS)
    old = ExportJob.objects.filter(created_at__lt=now - dt.timedelta(days=days))
    removed = 0
    for job in old.iterator():
        if job.file:
            job.file.storage.delete(job.file.name)
        job.delete()
        removed += 1
    return removed
