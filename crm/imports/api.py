"""Imports in the HTTP API: upload a file, map its columns, dry-run, run, follow the
progress, read the rejected rows (JSON or CSV), and keep mapping templates."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from crm.core.schemas import paginate
from crm.imports import selectors, services
from crm.imports.entities import fields_of
from crm.imports.models import ImportJob
from crm.imports.schemas import (
    ImportErrorFilter,
    ImportErrorListOut,
    ImportFilter,
    ImportListOut,
    ImportMappingIn,
    ImportOut,
    ImportTemplateApplyIn,
    MappingTemplateIn,
    MappingTemplateListOut,
    MappingTemplateOut,
)

router = Router(tags=["imports"])


def _out(job: ImportJob) -> dict:
    return {
        **{f: getattr(job, f) for f in ImportOut.model_fields if hasattr(job, f)},
        "fields": [
            {"name": f.name, "label": str(f.label), "required": f.required}
            for f in fields_of(job.entity)
        ],
    }


@router.get("/imports", response=ImportListOut, operation_id="import_list")
def list_imports(request, filters: Query[ImportFilter]):
    """Your imports, newest first (an administrator sees everybody's)."""
    jobs = selectors.import_list(actor=request.user, entity=filters.entity)
    return paginate(jobs, page=filters.page, page_size=filters.page_size)


@router.post("/imports", response={201: ImportOut}, operation_id="import_upload")
def upload(request, entity: Form[str], file: File[UploadedFile]):
    """Upload a CSV (UTF-8 or Windows-1251, `;` or `,`) or XLSX file of `entity`
    (companies, contacts, leads, products, deals, orders): returns the guessed mapping and the
    first rows."""
    job = services.import_upload(
        actor=request.user, entity=entity, upload=file, filename=file.name
    )
    return Status(201, _out(job))


@router.get("/imports/{job_id}", response=ImportOut, operation_id="import_get")
def read(request, job_id: int):
    """The job's status, progress and counts."""
    return _out(selectors.import_get(actor=request.user, job_id=job_id))


def _set_mapping(request, job_id: int, payload: ImportMappingIn):
    job = selectors.import_get(actor=request.user, job_id=job_id)
    return _out(
        services.import_set_mapping(
            actor=request.user, job=job, mapping=payload.mapping
        )
    )


@router.put(
    "/imports/{job_id}/mapping",
    response=ImportOut,
    operation_id="import_set_mapping",
)
def put_mapping(request, job_id: int, payload: ImportMappingIn):
    """Set which field each column goes into: {column number: field name}."""
    return _set_mapping(request, job_id, payload)


@router.patch(
    "/imports/{job_id}/mapping",
    response=ImportOut,
    operation_id="import_patch_mapping",
)
def patch_mapping(request, job_id: int, payload: ImportMappingIn):
    """Change the fields of some columns; the others keep theirs."""
    job = selectors.import_get(actor=request.user, job_id=job_id)
    mapping = {**job.mapping, **payload.mapping}
    return _out(
        services.import_set_mapping(actor=request.user, job=job, mapping=mapping)
    )


@router.post(
    "/imports/{job_id}/template",
    response=ImportOut,
    operation_id="import_apply_template",
)
def apply_template(request, job_id: int, payload: ImportTemplateApplyIn):
    """Map the columns as a saved template says."""
    job = selectors.import_get(actor=request.user, job_id=job_id)
    template = selectors.mapping_template_get(
        actor=request.user, template_id=payload.template_id
    )
    return _out(
        services.import_apply_template(actor=request.user, job=job, template=template)
    )


@router.post(
    "/imports/{job_id}/dry-run",
    response={202: ImportOut},
    operation_id="import_dry_run",
)
def dry_run(request, job_id: int):
    """Check every row in the background, save nothing; then read the errors."""
    job = selectors.import_get(actor=request.user, job_id=job_id)
    job = services.import_start(actor=request.user, job=job, dry_run=True)
    return Status(202, _out(job))


@router.post(
    "/imports/{job_id}/run", response={202: ImportOut}, operation_id="import_run"
)
def run(request, job_id: int):
    """Import in the background (a failed import resumes where it stopped)."""
    job = selectors.import_get(actor=request.user, job_id=job_id)
    job = services.import_start(actor=request.user, job=job, dry_run=False)
    return Status(202, _out(job))


@router.get(
    "/imports/{job_id}/errors",
    response=ImportErrorListOut,
    operation_id="import_errors",
)
def errors(request, job_id: int, filters: Query[ImportErrorFilter]):
    """Rejected rows: row number, column, reason (of the import once it started,
    else of the dry run; `dry_run` chooses)."""
    job = selectors.import_get(actor=request.user, job_id=job_id)
    rows = selectors.import_errors(job=job, dry_run=filters.dry_run)
    return paginate(rows, page=filters.page, page_size=filters.page_size)


@router.get(
    "/imports/{job_id}/errors.csv",
    operation_id="import_errors_csv",
    response={200: None},
)
def errors_csv(request, job_id: int, dry_run: bool | None = None):
    """The rejected rows as CSV: the file's columns and a reason column."""
    job = selectors.import_get(actor=request.user, job_id=job_id)
    response = StreamingHttpResponse(
        selectors.import_errors_csv(job=job, dry_run=dry_run),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="rejected-{job.pk}.csv"'
    return response


@router.get(
    "/import-templates",
    response=MappingTemplateListOut,
    operation_id="mapping_template_list",
)
def list_templates(request, entity: str | None = None):
    templates = selectors.mapping_template_list(actor=request.user, entity=entity)
    return {"items": list(templates), "count": templates.count()}


@router.post(
    "/import-templates",
    response={201: MappingTemplateOut},
    operation_id="mapping_template_save",
)
def save_template(request, payload: MappingTemplateIn):
    """Save a mapping under a name ({header: field}, or an import's)."""
    job = None
    if payload.import_id is not None:
        job = selectors.import_get(actor=request.user, job_id=payload.import_id)
    template = services.mapping_template_save(
        actor=request.user,
        entity=payload.entity,
        name=payload.name,
        mapping=payload.mapping,
        job=job,
    )
    return Status(201, template)


@router.delete(
    "/import-templates/{template_id}",
    response={204: None},
    operation_id="mapping_template_delete",
)
def delete_template(request, template_id: int):
    template = selectors.mapping_template_get(
        actor=request.user, template_id=template_id
    )
    services.mapping_template_delete(actor=request.user, template=template)
    return Status(204, None)
