"""Pages of imports: upload a file, map its columns, dry-run, import with a progress
bar, read and download the rejected rows; the list of past imports."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.core import registry
from crm.core.errors import DomainError, Forbidden, NotFound
from crm.core.forms import apply_domain_error
from crm.core.views import paginate_page, pagination
from crm.imports import selectors, services
from crm.imports.entities import fields_of
from crm.imports.forms import ImportUploadForm, MappingForm, TemplateSaveForm

ERRORS_SHOWN = 50
# Where the imported records are listed, by entity.
RECORD_LISTS = {
    "companies": "customers:company-list",
    "contacts": "customers:contact-list",
    "leads": "sales:lead-list",
    "products": "sales:product-list",
    "deals": "sales:deal-list",
}


def register() -> None:
    registry.register_nav(
        registry.NavItem(
            key="imports",
            label=gettext_lazy("Import"),
            url_name="imports:import-list",
            icon="upload",
            order=900,
            more=True,
        )
    )


def _guarded(view):
    """Turn the domain's refusals into 403 / 404 pages."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Forbidden as error:
            raise PermissionDenied(error.message or "") from None
        except NotFound:
            raise Http404 from None

    return login_required(wrapper)


@_guarded
def import_list(request):
    """Upload a new file; below, the imports made before."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_upload(
                actor=request.user,
                entity=form.cleaned_data["entity"],
                upload=form.cleaned_data["file"],
                filename=form.cleaned_data["file"].name,
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            return redirect(job)
    page = paginate_page(request, selectors.import_list(actor=request.user))
    return render(
        request,
        "imports/import_list.html",
        {"form": form, "page": page, **pagination(request, page)},
    )


def _detail_context(request, job, mapping_form=None) -> dict:
    fields = list(fields_of(job.entity))
    errors = selectors.import_errors(job=job)
    mapping_form = mapping_form or MappingForm(job=job, fields=fields)
    samples = [
        " · ".join(row[i] for row in job.preview[:3] if i < len(row) and row[i])
        for i in range(len(job.headers))
    ]
    return {
        "job": job,
        "fields": fields,
        "mapping_form": mapping_form,
        "mapping_rows": list(zip(mapping_form, samples, strict=False)),
        "template_form": TemplateSaveForm(),
        "templates": selectors.mapping_template_list(
            actor=request.user, entity=job.entity
        ),
        "errors": errors[:ERRORS_SHOWN],
        "errors_count": errors.count(),
        "editable": job.status in ("uploaded", "checked"),
        "records_url": reverse(RECORD_LISTS[job.entity])
        if job.entity in RECORD_LISTS
        else "",
    }


@_guarded
def import_detail(request, job_id: int):
    """The job: mapping and preview, then the dry run's report, the progress, the
    result. An htmx request gets only the progress block (polled while busy)."""
    job = selectors.import_get(actor=request.user, job_id=job_id)
    if request.htmx and request.GET.get("part") == "progress":
        response = render(request, "imports/_progress.html", {"job": job})
        if not job.is_busy:
            # Finished: the whole page changes (report, downloads), so reload it.
            response["HX-Refresh"] = "true"
        return response
    return render(request, "imports/import_detail.html", _detail_context(request, job))


@require_POST
@_guarded
def import_mapping(request, job_id: int):
    """Save the mapping; `action` dry-run or run also starts the job."""
    job = selectors.import_get(actor=request.user, job_id=job_id)
    fields = list(fields_of(job.entity))
    form = MappingForm(request.POST, job=job, fields=fields)
    action = request.POST.get("action", "save")
    if form.is_valid():
        try:
            if job.status in ("uploaded", "checked"):
                job = services.import_set_mapping(
                    actor=request.user, job=job, mapping=form.mapping()
                )
            if action in ("dry-run", "run"):
                services.import_start(
                    actor=request.user, job=job, dry_run=action == "dry-run"
                )
            else:
                messages.success(request, _("The mapping is saved."))
            return redirect(job)
        except DomainError as error:
            form.add_error(None, str(error.message))
    job.refresh_from_db()
    return render(
        request,
        "imports/import_detail.html",
        _detail_context(request, job, mapping_form=form),
        status=422,
    )


@require_POST
@_guarded
def import_template_save(request, job_id: int):
    job = selectors.import_get(actor=request.user, job_id=job_id)
    form = TemplateSaveForm(request.POST)
    if form.is_valid():
        try:
            services.mapping_template_save(
                actor=request.user,
                entity=job.entity,
                name=form.cleaned_data["name"],
                job=job,
            )
            messages.success(request, _("The template is saved."))
        except DomainError as error:
            messages.error(request, str(error.message))
    else:
        messages.error(request, _("Name the template."))
    return redirect(job)


@require_POST
@_guarded
def import_template_apply(request, job_id: int):
    job = selectors.import_get(actor=request.user, job_id=job_id)
    template = selectors.mapping_template_get(
        actor=request.user, template_id=request.POST.get("template")
    )
    try:
        services.import_apply_template(actor=request.user, job=job, template=template)
        messages.success(request, _("The columns are mapped as the template says."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect(job)


@_guarded
def import_errors_csv(request, job_id: int):
    """Download the rejected rows with their reasons."""
    job = selectors.import_get(actor=request.user, job_id=job_id)
    dry_run = {"1": True, "0": False}.get(request.GET.get("dry_run", ""))
    response = StreamingHttpResponse(
        selectors.import_errors_csv(job=job, dry_run=dry_run),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="rejected-{job.pk}.csv"'
    return response
