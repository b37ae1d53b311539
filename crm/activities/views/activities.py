"""Pages of activities and the download of their files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.activities import selectors, services
from crm.activities.forms import (
    KIND_FIELDS,
    ActivityForm,
    UploadForm,
)
from crm.activities.views.base import (
    FIELD_MAP,
    domain_errors,
)
from crm.core import visibility
from crm.core.errors import DomainError
from crm.core.forms import apply_domain_error
from crm.core.views import safe_next


@require_GET
@login_required
@domain_errors
def activity_detail(request, pk: int):
    activity = selectors.activity_get(actor=request.user, activity_id=pk)
    return render(
        request,
        "activities/activity_detail.html",
        {
            "activity": activity,
            "history": selectors.record_history(actor=request.user, obj=activity),
            "can_edit": visibility.can(request.user, activity, "edit"),
            "upload_form": UploadForm(),
        },
    )


@login_required
@domain_errors
def activity_update_view(request, pk: int):
    activity = selectors.activity_get(actor=request.user, activity_id=pk)
    visibility.ensure_can_edit(actor=request.user, obj=activity)
    if request.method == "POST":
        form = ActivityForm(request.POST)
        if form.is_valid():
            # Only the fields this kind shows: the others are not on the page.
            data = {
                name: form.cleaned_data.get(name)
                for name in (*KIND_FIELDS.get(activity.kind, ("subject", "body")),)
            }
            try:
                services.activity_update(
                    actor=request.user,
                    activity=activity,
                    version=form.cleaned_data.get("version"),
                    **data,
                )
            except DomainError as error:
                apply_domain_error(form, error, FIELD_MAP)
            else:
                messages.success(request, _("Saved."))
                return redirect(activity.get_absolute_url())
    else:
        form = ActivityForm(
            initial={
                name: getattr(activity, name)
                for name in (
                    "subject",
                    "body",
                    "occurred_at",
                    "ends_at",
                    "direction",
                    "duration_minutes",
                    "outcome",
                    "location",
                    "version",
                )
            }
        )
    return render(
        request,
        "activities/activity_form.html",
        {"form": form, "activity": activity},
    )


@require_POST
@login_required
@domain_errors
def activity_delete_view(request, pk: int):
    activity = selectors.activity_get(actor=request.user, activity_id=pk)
    client = activity.contact or activity.company
    services.activity_delete(actor=request.user, activity=activity)
    messages.success(request, _("Moved to the trash."))
    default = client.get_absolute_url() if client else reverse("activities:my-day")
    return redirect(safe_next(request, default))


@require_POST
@login_required
@domain_errors
def activity_upload(request, pk: int):
    activity = selectors.activity_get(actor=request.user, activity_id=pk)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                actor=request.user, file=form.cleaned_data["file"], activity=activity
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("File uploaded."))
            return redirect(activity.get_absolute_url())
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, str(message))
    return redirect(activity.get_absolute_url())


@require_GET
@login_required
@domain_errors
def attachment_download(request, pk: int):
    attachment = selectors.attachment_get(actor=request.user, attachment_id=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
