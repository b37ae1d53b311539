"""The `exports` API: export a list with its filters, follow the job, fetch the file."""

from __future__ import annotations

import builtins
import datetime as dt

from django.urls import reverse
from ninja import Field, Router, Schema, Status

from crm.core.errors import Conflict
from crm.core.exports.services import export_job_create, export_job_get
from crm.core.exports.views import file_response
from crm.core.models import ExportStatus

router = Router(tags=["exports"])


class ExportIn(Schema):
    list: str = Field(
        ..., description="The list's key, e.g. `customers.contacts`.", max_length=60
    )
    format: str = Field("csv", description="`csv` or `xlsx`.")
    filters: dict[str, str | builtins.list[str]] = Field(
        default_factory=dict,
        description=(
            "The list page's query parameters: filters, `q`, `sort`, `cols` "
            "(a list of column keys)."
        ),
    )


class ExportJobOut(Schema):
    id: int
    list: str
    format: str
    status: str
    progress: int
    row_count: int
    total: int
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    file_url: str | None

    @staticmethod
    def resolve_list(obj) -> str:
        return obj.list_key

    @staticmethod
    def resolve_file_url(obj) -> str | None:
        if obj.status != ExportStatus.DONE:
            return None
        return reverse("api:export_job_file", args=[obj.pk])


@router.post("/exports", response={202: ExportJobOut}, operation_id="export_job_create")
def create_export(request, payload: ExportIn):
    """Export a list as the caller sees it, with its filters, to CSV or XLSX.

    Always a background job (status `pending` → `running` → `done`); poll
    `GET /exports/{id}` and fetch `file_url` when done.
    """
    job = export_job_create(
        actor=request.user,
        list_key=payload.list,
        query=payload.filters,
        format=payload.format,
    )
    job.refresh_from_db()
    return Status(202, job)


@router.get("/exports/{job_id}", response=ExportJobOut, operation_id="export_job_get")
def get_export(request, job_id: int):
    """An export job of the caller: its status, progress and row count."""
    return export_job_get(actor=request.user, job_id=job_id)


@router.get(
    "/exports/{job_id}/file",
    operation_id="export_job_file",
    url_name="export_job_file",
    response={200: None},
    openapi_extra={
        "responses": {
            200: {
                "description": "The exported file (CSV or XLSX).",
                "content": {
                    "text/csv": {},
                    "application/vnd.openxmlformats-officedocument"
                    ".spreadsheetml.sheet": {},
                },
            }
        }
    },
)
def get_export_file(request, job_id: int):
    """The exported file; 409 while the job is not done yet."""
    job = export_job_get(actor=request.user, job_id=job_id)
    if job.status != ExportStatus.DONE or not job.file:
        from django.utils.translation import gettext as _

        raise Conflict(_("The export is not ready yet."))
    return file_response(job)
