"""Pages of exports: download a list as CSV/XLSX, and a finished export's file."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crm.core.errors import DomainError, NotFound
from crm.core.exports import writing
from crm.core.exports.services import export_job_create, export_job_get, export_rows
from crm.core.models import ExportFormat, ExportStatus

CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
}


@require_GET
@login_required
def export_list(request, key: str, format: str):
    """The list as the user sees it now: at once when small, else as a job.

    A GET, like the list itself: it changes nothing but may queue a job, which is
    harmless to repeat.
    """
    try:
        rows = export_rows(
            actor=request.user, list_key=key, query=request.GET, format=format
        )
    except DomainError:
        raise Http404 from None
    if not rows.is_small():
        export_job_create(
            actor=request.user, list_key=key, query=request.GET, format=format
        )
        messages.info(
            request,
            _(
                "The list is long, so it is being exported in the background. "
                "You will get a notification with the file when it is ready."
            ),
        )
        target = reverse(rows.entry.url_name)
        query = rows.params.urlencode()
        return redirect(f"{target}?{query}" if query else target)
    disposition = f'attachment; filename="{rows.filename()}"'
    if format == ExportFormat.CSV:
        response = StreamingHttpResponse(
            _as_the_page(
                writing.csv_chunks(rows.header, rows.body(), writing.csv_delimiter())
            ),
            content_type=CONTENT_TYPES[format],
        )
        response["Content-Disposition"] = disposition
        return response
    # FileResponse closes the file when the response is sent.
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    rows.write(out)
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=rows.filename(),
        content_type=CONTENT_TYPES[format],
    )


def _as_the_page(chunks):
    """Stream in the language and time zone of the request.

    The server reads a streaming response after the middleware has returned (and
    reset the user's time zone), so dates would otherwise come out in the site's
    zone rather than as the page showed them.
    """
    language = translation.get_language()
    zone = timezone.get_current_timezone()

    def stream():
        with translation.override(language), timezone.override(zone):
            yield from chunks

    return stream()


@require_GET
@login_required
def export_file(request, pk: int):
    """A finished export's file, for its owner only (never a public media URL)."""
    try:
        job = export_job_get(actor=request.user, job_id=pk)
    except NotFound:
        raise Http404 from None
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404
    return file_response(job)


def file_response(job) -> FileResponse:
    name = job.file.name.rsplit("/", 1)[-1]
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=CONTENT_TYPES[job.format],
    )
