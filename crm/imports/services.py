"""Writes of imports: upload a file, map its columns, save a mapping as a template,
start a dry run or the import, and the job's own run (called by the background
task, the command line uses the same engine).

Pitfalls:
- The run is resumable: each batch commits together with `committed_rows`, so a
  killed job started again continues after the last committed batch — it neither
  loses rows nor writes them twice. A dry run always starts from the first row.
- The report is written in the language the owner uploaded in, because the job
  runs where no request says which language the user reads.
- Only one run of a job at a time: starting a busy job is refused.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.core import visibility
from crm.core.errors import DomainError
from crm.imports import engine
from crm.imports.entities import fields_of
from crm.imports.fields import (
    guess_mapping,
    mapping_from_headers,
    mapping_to_headers,
)
from crm.imports.models import (
    ImportEntity,
    ImportJob,
    ImportRowError,
    ImportStatus,
    MappingTemplate,
)
from crm.imports.reading import FileError, Table, open_table

log = logging.getLogger(__name__)

PREVIEW_ROWS = 10
MAX_UPLOAD_BYTES = 2 * 1024**3
ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx")


def _ensure_owner(*, actor, job: ImportJob) -> None:
    if job.owner_id != actor.pk and not visibility.is_admin(actor):
        raise DomainError(_("This import is not yours."), field="job")


def table_of(job: ImportJob) -> Table:
    return Table(
        path=Path(job.file.path),
        file_format=job.file_format,
        encoding=job.encoding,
        delimiter=job.delimiter,
        headers=job.headers,
    )


@transaction.atomic
def import_upload(*, actor, entity: str, upload, filename: str = "") -> ImportJob:
    """Take an uploaded file: read its header and first rows, guess the mapping.

    `upload` is a Django `UploadedFile` or an open binary file. A file that cannot
    be read is refused here, with the reason, and not kept.
    """
    if entity not in ImportEntity.values:
        raise DomainError(_("Choose what the file holds."), field="entity")
    engine.make_importer(entity, actor=actor)  # refuses who may not create these
    filename = Path(filename or getattr(upload, "name", "") or "import.csv").name
    if not filename.lower().endswith(ALLOWED_SUFFIXES):
        raise DomainError(
            _("Upload a CSV or XLSX file; «%(name)s» is neither.") % {"name": filename},
            field="file",
        )
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise DomainError(_("The file is larger than 2 GB."), field="file")
    job = ImportJob(
        owner=actor,
        entity=entity,
        filename=filename[:255],
        language=translation.get_language() or "",
    )
    job.file.save(filename, upload if isinstance(upload, File) else File(upload))
    try:
        table = open_table(job.file.path)
        preview = []
        for _number, cells in table.rows():
            preview.append(cells[: len(table.headers or [])])
            if len(preview) >= PREVIEW_ROWS:
                break
    except FileError as error:
        job.file.delete(save=False)
        raise DomainError(error.message, field="file") from None
    job.file_format = table.file_format
    job.encoding = table.encoding
    job.delimiter = table.delimiter
    job.headers = table.headers or []
    job.preview = preview
    job.mapping = guess_mapping(fields_of(entity), job.headers)
    job.save()
    return job


@transaction.atomic
def import_set_mapping(*, actor, job: ImportJob, mapping: dict[str, Any]) -> ImportJob:
    """Choose the field of each column ({column number: field name or ""}).

    A changed mapping makes the last dry run stale, so its report goes.
    """
    _ensure_owner(actor=actor, job=job)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
        raise DomainError(
            _("The import has started; its columns cannot change now."),
            field="mapping",
        )
    clean: dict[str, str] = {}
    for key, name in (mapping or {}).items():
        try:
            index = int(key)
        except (TypeError, ValueError):
            raise DomainError(
                _("Columns are numbered from 0; «%(key)s» is not a number.")
                % {"key": key},
                field="mapping",
            ) from None
        if not 0 <= index < len(job.headers):
            raise DomainError(
                _("The file has no column %(number)s.") % {"number": index},
                field="mapping",
            )
        if name:
            clean[str(index)] = str(name)
    importer = engine.make_importer(job.entity, actor=actor)
    engine.check_mapping(importer, clean)
    job.mapping = clean
    if job.status == ImportStatus.CHECKED:
        job.status = ImportStatus.UPLOADED
        job.checked = False
        job.created_count = job.updated_count = job.rejected_count = 0
        job.errors.filter(dry_run=True).delete()
    job.save(
        update_fields=[
            "mapping",
            "status",
            "checked",
            "created_count",
            "updated_count",
            "rejected_count",
        ]
    )
    return job


@transaction.atomic
def import_apply_template(
    *, actor, job: ImportJob, template: MappingTemplate
) -> ImportJob:
    """Map the job's columns as a saved template says (by header names)."""
    if template.entity != job.entity:
        raise DomainError(_("This template is for other records."), field="template")
    mapping = mapping_from_headers(
        template.mapping, job.headers, list(fields_of(job.entity))
    )
    return import_set_mapping(actor=actor, job=job, mapping=mapping)


@transaction.atomic
def mapping_template_save(
    *,
    actor,
    entity: str,
    name: str,
    mapping: dict[str, str] | None = None,
    job: ImportJob | None = None,
) -> MappingTemplate:
    """Save a mapping under a name ({header: field}); from a job when given.

    A template with the same name for the same records is replaced.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Name the template."), field="name")
    if len(name) > 100:
        raise DomainError(_("At most %(count)d characters.") % {"count": 100}, "name")
    if entity not in ImportEntity.values:
        raise DomainError(_("Choose what the file holds."), field="entity")
    if job is not None:
        _ensure_owner(actor=actor, job=job)
        mapping = mapping_to_headers(job.mapping, job.headers)
    valid = {f.name for f in fields_of(entity)}
    mapping = {str(k): str(v) for k, v in (mapping or {}).items() if v}
    unknown = sorted(set(mapping.values()) - valid)
    if unknown:
        raise DomainError(
            _("There is no field «%(name)s» to import into.") % {"name": unknown[0]},
            field="mapping",
        )
    template, _created = MappingTemplate.objects.update_or_create(
        owner=actor, entity=entity, name=name, defaults={"mapping": mapping}
    )
    return template


@transaction.atomic
def mapping_template_delete(*, actor, template: MappingTemplate) -> None:
    if template.owner_id != actor.pk:
        raise DomainError(_("This template is not yours."), field="template")
    template.delete()


@transaction.atomic
def import_start(*, actor, job: ImportJob, dry_run: bool) -> ImportJob:
    """Queue the dry run or the import of a job as a background job.

    The import may start without a dry run; one that failed or was killed starts
    again from the last committed batch.
    """
    _ensure_owner(actor=actor, job=job)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.is_busy:
        raise DomainError(_("This import is already running."), field="job")
    if job.status == ImportStatus.DONE:
        raise DomainError(_("This file has been imported already."), field="job")
    if dry_run and job.status == ImportStatus.FAILED and job.committed_rows:
        raise DomainError(
            _("Part of this file is imported: resume the import instead."),
            field="job",
        )
    importer = engine.make_importer(job.entity, actor=actor)
    engine.check_mapping(importer, job.mapping)
    job.status = ImportStatus.CHECKING if dry_run else ImportStatus.RUNNING
    job.dry_run = dry_run
    job.error = ""
    job.finished_at = None
    job.save(update_fields=["status", "dry_run", "error", "finished_at"])
    from crm.imports.tasks import import_job_run

    transaction.on_commit(lambda: import_job_run(job.pk))
    return job


def import_execute(*, job_id: int) -> ImportJob:
    """Run a queued job to its end (the body of the background task).

    Safe to call again after a crash: the import resumes after `committed_rows`;
    a job that is not queued (done, or never started) is left alone.
    """
    job = ImportJob.objects.select_related("owner").get(pk=job_id)
    if not job.is_busy:
        return job
    dry_run = job.status == ImportStatus.CHECKING
    with translation.override(job.owner.language or job.language or None):
        try:
            _execute(job, dry_run=dry_run)
        except (FileError, DomainError) as error:
            _fail(job, str(error.message))
        except Exception as error:
            log.exception("Import %s failed", job.pk)
            _fail(
                job, _("The import stopped on an error: %(error)s") % {"error": error}
            )
    job.refresh_from_db()
    return job


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED, error=message[:2000], finished_at=timezone.now()
    )


def _execute(job: ImportJob, *, dry_run: bool) -> None:
    table = table_of(job)
    importer = engine.make_importer(job.entity, actor=job.owner)
    engine.check_mapping(importer, job.mapping)
    total = table.count()
    start = 0 if dry_run else job.committed_rows
    fields = {str(f.name): f for f in importer.fields}
    columns = {name: job.headers[int(i)] for i, name in job.mapping.items()}
    progress = "checked_rows" if dry_run else "committed_rows"
    if dry_run or start == 0:
        ImportRowError.objects.filter(job=job, dry_run=dry_run).delete()
        counters = {"created_count": 0, "updated_count": 0, "rejected_count": 0}
    else:
        counters = {
            "created_count": job.created_count,
            "updated_count": job.updated_count,
            "rejected_count": job.rejected_count,
        }
    ImportJob.objects.filter(pk=job.pk).update(
        total_rows=total,
        started_at=timezone.now(),
        **{progress: start},
        **counters,
    )
    totals = engine.Totals(
        created=counters["created_count"],
        updated=counters["updated_count"],
        rejected=counters["rejected_count"],
        done=start,
    )

    def on_batch(cells_by_row, outcome, totals: engine.Totals) -> None:
        ImportRowError.objects.bulk_create(
            [
                ImportRowError(
                    job=job,
                    dry_run=dry_run,
                    row=number,
                    column=columns.get(field, "")
                    or (str(fields[field].label) if field in fields else ""),
                    message=message,
                    values=cells_by_row.get(number, []),
                )
                for number, field, message in outcome.errors
            ],
            batch_size=1000,
        )
        ImportJob.objects.filter(pk=job.pk).update(
            **{progress: totals.done},
            created_count=totals.created,
            updated_count=totals.updated,
            rejected_count=totals.rejected,
        )

    engine.run(
        table=table,
        mapping=job.mapping,
        importer=importer,
        dry_run=dry_run,
        skip=start,
        on_batch=on_batch,
        totals=totals,
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.CHECKED if dry_run else ImportStatus.DONE,
        checked=True if dry_run else job.checked,
        **{progress: total},
        finished_at=timezone.now(),
    )
