"""Settings pages of deals (administrators): pipelines and their stages, reasons for
losing, and the discount each role may give without approval."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.core.errors import DomainError
from crm.core.forms import apply_domain_error
from crm.core.views import admin_required
from crm.sales.forms.deals import (
    DiscountLimitsForm,
    LostReasonForm,
    PipelineForm,
    StageForm,
)
from crm.sales.selectors import deals as selectors
from crm.sales.services import approvals as approval_services
from crm.sales.services import pipelines as services


def _tabs(active: str) -> dict:
    return {"settings_tab": active}


@admin_required
def pipeline_list(request):
    pipelines = list(selectors.pipeline_list(actor=request.user, include_inactive=True))
    return render(
        request,
        "sales/deals/settings/pipeline_list.html",
        {"pipelines": pipelines, **_tabs("pipelines")},
    )


@admin_required
def pipeline_create(request):
    form = PipelineForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            pipeline = services.pipeline_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Pipeline “%(name)s” created: set up its stages.")
                % {"name": pipeline.name},
            )
            return redirect("sales:pipeline-update", pipeline.pk)
    return render(
        request,
        "sales/deals/settings/pipeline_form.html",
        {"form": form, "pipeline": None, **_tabs("pipelines")},
    )


@admin_required
def pipeline_update(request, pk: int):
    pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pk)
    form = PipelineForm(
        request.POST or None,
        initial={
            "name": pipeline.name,
            "is_default": pipeline.is_default,
            "is_active": pipeline.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.pipeline_update(
                actor=request.user, pipeline=pipeline, **form.cleaned_data
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("sales:pipeline-update", pipeline.pk)
    return render(
        request,
        "sales/deals/settings/pipeline_form.html",
        {
            "form": form,
            "pipeline": pipeline,
            "stages": list(pipeline.stages.all()),
            "stage_form": StageForm(prefix="stage"),
            **_tabs("pipelines"),
        },
    )


@require_POST
@admin_required
def pipeline_delete(request, pk: int):
    pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pk)
    name = pipeline.name
    try:
        services.pipeline_delete(actor=request.user, pipeline=pipeline)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("sales:pipeline-update", pk)
    messages.success(request, _("Pipeline “%(name)s” deleted.") % {"name": name})
    return redirect("sales:pipeline-list")


def _moved(ids: list[int], pk: int, direction: str) -> list[int]:
    index = ids.index(pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    return ids


@require_POST
@admin_required
def pipeline_move(request, pk: int):
    """Move a pipeline one place up or down."""
    pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pk)
    ids = [
        p.pk for p in selectors.pipeline_list(actor=request.user, include_inactive=True)
    ]
    services.pipeline_reorder(
        actor=request.user,
        pipeline_ids=_moved(ids, pipeline.pk, request.POST.get("direction", "")),
    )
    return redirect("sales:pipeline-list")


@require_POST
@admin_required
def stage_create(request, pk: int):
    pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pk)
    form = StageForm(request.POST, prefix="stage")
    if form.is_valid():
        try:
            services.stage_create(
                actor=request.user, pipeline=pipeline, **form.cleaned_data
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Stage added."))
            return redirect("sales:pipeline-update", pipeline.pk)
    return render(
        request,
        "sales/deals/settings/pipeline_form.html",
        {
            "form": PipelineForm(
                initial={
                    "name": pipeline.name,
                    "is_default": pipeline.is_default,
                    "is_active": pipeline.is_active,
                }
            ),
            "pipeline": pipeline,
            "stages": list(pipeline.stages.all()),
            "stage_form": form,
            **_tabs("pipelines"),
        },
    )


@admin_required
def stage_update(request, pk: int, stage_id: int):
    pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pk)
    stage = selectors.stage_get(actor=request.user, stage_id=stage_id)
    if stage.pipeline_id != pipeline.pk:
        raise Http404
    form = StageForm(
        request.POST or None,
        initial={
            "name": stage.name,
            "probability": stage.probability,
            "kind": stage.kind,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.stage_update(actor=request.user, stage=stage, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("sales:pipeline-update", pipeline.pk)
    return render(
        request,
        "sales/deals/settings/stage_form.html",
        {"form": form, "pipeline": pipeline, "stage": stage, **_tabs("pipelines")},
    )


@require_POST
@admin_required
def stage_delete(request, pk: int, stage_id: int):
    stage = selectors.stage_get(actor=request.user, stage_id=stage_id)
    if stage.pipeline_id != pk:
        raise Http404
    try:
        services.stage_delete(actor=request.user, stage=stage)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Stage deleted."))
    return redirect("sales:pipeline-update", pk)


@require_POST
@admin_required
def stage_move(request, pk: int, stage_id: int):
    """Move a stage one place left (up) or right (down) on the board."""
    pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pk)
    ids = [s.pk for s in pipeline.stages.all()]
    if stage_id in ids:
        services.stage_reorder(
            actor=request.user,
            pipeline=pipeline,
            stage_ids=_moved(ids, stage_id, request.POST.get("direction", "")),
        )
    return redirect("sales:pipeline-update", pipeline.pk)


# --- reasons for losing -----------------------------------------------------------------


@admin_required
def lost_reason_list(request):
    reasons = selectors.lost_reason_list(actor=request.user, include_inactive=True)
    return render(
        request,
        "sales/deals/settings/lost_reason_list.html",
        {"reasons": reasons, **_tabs("lost-reasons")},
    )


@admin_required
def lost_reason_create(request):
    form = LostReasonForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            services.lost_reason_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Reason added."))
            return redirect("sales:lost-reason-list")
    return render(
        request,
        "sales/deals/settings/lost_reason_form.html",
        {"form": form, "reason": None, **_tabs("lost-reasons")},
    )


@admin_required
def lost_reason_update(request, pk: int):
    reason = selectors.lost_reason_get(actor=request.user, reason_id=pk)
    form = LostReasonForm(
        request.POST or None,
        initial={
            "name_en": reason.name_en,
            "name_ru": reason.name_ru,
            "position": reason.position,
            "is_active": reason.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.lost_reason_update(
                actor=request.user, reason=reason, **form.cleaned_data
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("sales:lost-reason-list")
    return render(
        request,
        "sales/deals/settings/lost_reason_form.html",
        {"form": form, "reason": reason, **_tabs("lost-reasons")},
    )


@require_POST
@admin_required
def lost_reason_delete(request, pk: int):
    reason = selectors.lost_reason_get(actor=request.user, reason_id=pk)
    try:
        services.lost_reason_delete(actor=request.user, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Reason deleted."))
    return redirect("sales:lost-reason-list")


# --- discount limits --------------------------------------------------------------------


@admin_required
def discount_limits(request):
    limits = selectors.discount_limit_map(actor=request.user)
    form = DiscountLimitsForm(request.POST or None, limits=limits)
    if request.method == "POST" and form.is_valid():
        try:
            approval_services.discount_limits_set(
                actor=request.user, limits=form.limits()
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Discount limits saved."))
            return redirect("sales:discount-limits")
    return render(
        request,
        "sales/deals/settings/discount_limits.html",
        {"form": form, **_tabs("discount-limits")},
    )
