"""Reads of imports: a user sees their own imports and templates (an administrator
sees every import), and the rejected rows of a job, as pages or as a CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import groupby

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from crm.core import visibility
from crm.core.errors import NotFound
from crm.imports.models import ImportJob, ImportRowError, MappingTemplate


def import_list(*, actor, entity: str | None = None) -> QuerySet[ImportJob]:
    """The actor's imports, newest first (an administrator's: everybody's)."""
    jobs = ImportJob.objects.select_related("owner")
    if not visibility.is_admin(actor):
        jobs = jobs.filter(owner=actor)
    if entity:
        jobs = jobs.filter(entity=entity)
    return jobs


def import_get(*, actor, job_id) -> ImportJob:
    try:
        return import_list(actor=actor).get(pk=int(job_id))
    except (ImportJob.DoesNotExist, TypeError, ValueError):
        raise NotFound from None


def import_errors(*, job: ImportJob, dry_run: bool | None = None) -> QuerySet:
    """The rejected rows of the job's last dry run or of its import.

    Without `dry_run`: those of the job's last run, the dry run or the import.
    """
    if dry_run is None:
        dry_run = job.dry_run
    return ImportRowError.objects.filter(job=job, dry_run=dry_run).order_by("row", "id")


def import_errors_csv(*, job: ImportJob, dry_run: bool | None = None) -> Iterator[str]:
    """The rejected rows as CSV lines (`;`, UTF-8 with a BOM so Excel reads it): the
    file's own columns, then the reasons. Streams: one row in memory at a time."""

    class Line:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Line(), delimiter=";")
    yield "\ufeff" + writer.writerow([*job.headers, _("Reason")])
    errors = import_errors(job=job, dry_run=dry_run).iterator(chunk_size=2000)
    for _row, group in groupby(errors, key=lambda e: e.row):
        items = list(group)
        cells = list(items[0].values) + [""] * (len(job.headers) - len(items[0].values))
        reasons = "; ".join(
            f"{e.column}: {e.message}" if e.column else e.message for e in items
        )
        yield writer.writerow([*cells[: len(job.headers)], reasons])


def mapping_template_list(*, actor, entity: str | None = None) -> QuerySet:
    templates = MappingTemplate.objects.filter(owner=actor)
    if entity:
        templates = templates.filter(entity=entity)
    return templates


def mapping_template_get(*, actor, template_id) -> MappingTemplate:
    try:
        return mapping_template_list(actor=actor).get(pk=int(template_id))
    except (MappingTemplate.DoesNotExist, TypeError, ValueError):
        raise NotFound from None
