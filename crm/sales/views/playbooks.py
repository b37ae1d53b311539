"""Pages of typical sales models and deals' action plans: the models and their steps
(reordered by dragging or with up/down), the plan panel on a deal's card, the plans
overview, and "derive a model" from won deals.

Views parse, call one selector or service, and render; an htmx request from the
deal's card gets the plan panel back.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from crm.activities.services import task_status_listener_register
from crm.activities.views.base import domain_errors
from crm.core import registry, visibility
from crm.core.errors import DomainError
from crm.core.forms import apply_domain_error
from crm.core.views import paginate_page, pagination, safe_next
from crm.sales.forms.playbooks import (
    ApplyModelForm,
    DeriveForm,
    PlanOverviewFilterForm,
    PlanStepAddForm,
    ProposalSaveForm,
    ProposalStepFormSet,
    SalesModelForm,
    SalesModelStepForm,
)
from crm.sales.models import Deal, PlanStepStatus
from crm.sales.selectors import playbooks as selectors
from crm.sales.selectors.analytics import analytics_managers
from crm.sales.services import playbooks as services

OVERVIEW_PAGE_SIZE = 50
# Service field names → form field names.
STEP_FIELDS = {"responsible_team_id": "responsible_team"}
APPLY_FIELDS = {"model_id": "model", "deal": None}
ADD_FIELDS = {"deal": None}


def _ensure_can_manage(request) -> None:
    if not services.can_manage_sales_models(request.user):
        raise PermissionDenied(
            _("Only administrators and heads of department may change sales models.")
        )


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


# --- models -----------------------------------------------------------------------------


@require_GET
@login_required
def sales_model_list(request):
    models = selectors.sales_model_list(
        actor=request.user, filters={"q": request.GET.get("q", "")}
    )
    page = paginate_page(request, models)
    return render(
        request,
        "sales/playbooks/model_list.html",
        {
            **pagination(request, page),
            "can_manage": services.can_manage_sales_models(request.user),
            "query": request.GET.get("q", ""),
        },
    )


@login_required
@domain_errors
def sales_model_create_view(request):
    _ensure_can_manage(request)
    form = SalesModelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            model = services.sales_model_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Sales model created. Now add its steps."))
            return redirect(model.get_absolute_url())
    return render(
        request, "sales/playbooks/model_form.html", {"form": form, "model": None}
    )


def _detail_context(request, model, step_form=None) -> dict:
    return {
        "model": model,
        "steps": model.steps.all(),
        "can_manage": services.can_manage_sales_models(request.user),
        "step_form": step_form or SalesModelStepForm(),
    }


@require_GET
@login_required
@domain_errors
def sales_model_detail(request, pk: int):
    model = selectors.sales_model_get(actor=request.user, model_id=pk)
    return render(
        request, "sales/playbooks/model_detail.html", _detail_context(request, model)
    )


@login_required
@domain_errors
def sales_model_update_view(request, pk: int):
    _ensure_can_manage(request)
    model = selectors.sales_model_get(actor=request.user, model_id=pk)
    initial = {
        "name": model.name,
        "description": model.description,
        "pipeline": model.pipeline_id,
    }
    form = SalesModelForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.sales_model_update(
                actor=request.user, model=model, **form.cleaned_data
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Sales model saved."))
            return redirect(model.get_absolute_url())
    return render(
        request, "sales/playbooks/model_form.html", {"form": form, "model": model}
    )


@require_POST
@login_required
@domain_errors
def sales_model_toggle(request, pk: int):
    """Deactivate an active model, or activate it again."""
    _ensure_can_manage(request)
    model = selectors.sales_model_get(actor=request.user, model_id=pk)
    services.sales_model_update(
        actor=request.user, model=model, is_active=not model.is_active
    )
    if model.is_active:
        messages.success(request, _("The model is active again."))
    else:
        messages.success(request, _("The model is deactivated: it is not offered."))
    return redirect(model.get_absolute_url())


@require_POST
@login_required
@domain_errors
def sales_model_delete_view(request, pk: int):
    _ensure_can_manage(request)
    model = selectors.sales_model_get(actor=request.user, model_id=pk)
    try:
        services.sales_model_delete(actor=request.user, model=model)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(model.get_absolute_url())
    messages.success(request, _("Sales model deleted."))
    return redirect("sales:sales-model-list")


@require_POST
@login_required
@domain_errors
def sales_model_step_add_view(request, pk: int):
    _ensure_can_manage(request)
    model = selectors.sales_model_get(actor=request.user, model_id=pk)
    form = SalesModelStepForm(request.POST)
    if form.is_valid():
        try:
            services.sales_model_step_add(
                actor=request.user, model=model, **form.cleaned_data
            )
        except DomainError as error:
            apply_domain_error(form, error, STEP_FIELDS)
        else:
            messages.success(request, _("Step added."))
            return redirect(model.get_absolute_url())
    return render(
        request,
        "sales/playbooks/model_detail.html",
        _detail_context(request, model, step_form=form),
        status=422,
    )


@login_required
@domain_errors
def sales_model_step_update_view(request, pk: int):
    _ensure_can_manage(request)
    step = selectors.sales_model_step_get(actor=request.user, step_id=pk)
    initial = {
        "title": step.title,
        "description": step.description,
        "responsible_role": step.responsible_role,
        "responsible_team": step.responsible_team_id,
        "offset_days": step.offset_days,
        "is_required": step.is_required,
    }
    form = SalesModelStepForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.sales_model_step_update(
                actor=request.user, step=step, **form.cleaned_data
            )
        except DomainError as error:
            apply_domain_error(form, error, STEP_FIELDS)
        else:
            messages.success(request, _("Step saved."))
            return redirect(step.model.get_absolute_url())
    return render(
        request, "sales/playbooks/step_form.html", {"form": form, "step": step}
    )


@require_POST
@login_required
@domain_errors
def sales_model_step_delete_view(request, pk: int):
    _ensure_can_manage(request)
    step = selectors.sales_model_step_get(actor=request.user, step_id=pk)
    services.sales_model_step_delete(actor=request.user, step=step)
    messages.success(request, _("Step removed from the model."))
    return redirect(step.model.get_absolute_url())


@require_POST
@login_required
@domain_errors
def sales_model_step_move_view(request, pk: int):
    _ensure_can_manage(request)
    step = selectors.sales_model_step_get(actor=request.user, step_id=pk)
    try:
        services.sales_model_step_move(
            actor=request.user, step=step, direction=request.POST.get("direction", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(step.model.get_absolute_url())


@require_POST
@login_required
@domain_errors
def sales_model_steps_order_view(request, pk: int):
    """Save the order of steps after a drag; htmx gets the rows back."""
    _ensure_can_manage(request)
    model = selectors.sales_model_get(actor=request.user, model_id=pk)
    try:
        services.sales_model_steps_reorder(
            actor=request.user, model=model, step_ids=request.POST.getlist("step")
        )
    except DomainError as error:
        messages.error(request, error.message)
    model = selectors.sales_model_get(actor=request.user, model_id=pk)
    if _is_htmx(request):
        return render(
            request,
            "sales/playbooks/model_detail.html#model-steps",
            _detail_context(request, model),
        )
    return redirect(model.get_absolute_url())


# --- the plan panel on a deal's card ---------------------------------------------------


def _plan_panel_context(
    request, deal: Deal, *, apply_form=None, add_form=None, error=None
) -> dict:
    actor = request.user
    today = timezone.localdate()
    can_edit = deal.is_open and visibility.can(actor, deal, "edit")
    rows = [
        {
            "step": step,
            "state": selectors.plan_step_state(step, deal=deal, today=today),
            "can_change": step.responsible_id == actor.pk or can_edit,
        }
        for step in selectors.deal_plan(actor=actor, deal=deal)
    ]
    return {
        "deal": deal,
        "rows": rows,
        "can_edit": can_edit,
        "apply_form": apply_form
        or (ApplyModelForm(actor=actor, deal=deal) if can_edit else None),
        "add_form": add_form or (PlanStepAddForm(deal=deal) if can_edit else None),
        "error": error,
        "statuses": PlanStepStatus,
        "states": selectors.PLAN_STATES,
    }


def _deal_panel(request, deal):
    """The "Action plan" panel of a deal's card."""
    return _plan_panel_context(request, deal)


def _panel_response(request, deal, **context):
    if _is_htmx(request):
        return render(
            request,
            "sales/playbooks/panels/deal_plan.html",
            _plan_panel_context(request, deal, **context),
        )
    if context.get("error"):
        messages.error(request, context["error"])
    for form in (context.get("apply_form"), context.get("add_form")):
        if form is not None and form.errors:
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
    return redirect(safe_next(request, deal.get_absolute_url()))


@require_POST
@login_required
@domain_errors
def deal_plan_apply(request, pk: int):
    deal = selectors.plan_deal_get(actor=request.user, deal_id=pk)
    form = ApplyModelForm(request.POST, actor=request.user, deal=deal)
    if form.is_valid():
        try:
            steps = services.deal_apply_model(
                actor=request.user,
                deal=deal,
                model=form.cleaned_data["model"],
                start=form.cleaned_data["start"],
            )
        except DomainError as error:
            apply_domain_error(form, error, APPLY_FIELDS)
        else:
            if not _is_htmx(request):
                messages.success(
                    request,
                    ngettext(
                        "%(count)d step planned.",
                        "%(count)d steps planned.",
                        len(steps),
                    )
                    % {"count": len(steps)},
                )
            return _panel_response(request, deal)
    return _panel_response(request, deal, apply_form=form)


@require_POST
@login_required
@domain_errors
def deal_plan_step_add(request, pk: int):
    deal = selectors.plan_deal_get(actor=request.user, deal_id=pk)
    form = PlanStepAddForm(request.POST, deal=deal)
    if form.is_valid():
        try:
            services.plan_step_add(actor=request.user, deal=deal, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error, ADD_FIELDS)
        else:
            return _panel_response(request, deal)
    return _panel_response(request, deal, add_form=form)


@require_POST
@login_required
@domain_errors
def plan_step_status(request, pk: int):
    """Mark a plan step done, skipped, in progress or planned again."""
    step = selectors.plan_step_get(actor=request.user, step_id=pk)
    error = None
    try:
        services.plan_step_set_status(
            actor=request.user, step=step, status=request.POST.get("status", "")
        )
    except DomainError as exc:
        error = exc.message
    if _is_htmx(request) and visibility.can(request.user, step.deal):
        return _panel_response(request, step.deal, error=error)
    if error:
        messages.error(request, error)
    target = (
        step.deal.get_absolute_url()
        if visibility.can(request.user, step.deal)
        else reverse("sales:plan-overview")
    )
    return redirect(safe_next(request, target))


# --- the plans overview ---------------------------------------------------------------


@require_GET
@login_required
@domain_errors
def plan_overview(request):
    form = PlanOverviewFilterForm(
        request.GET or None, managers=analytics_managers(actor=request.user)
    )
    filters = form.filters() if request.GET else {}
    overview = selectors.plan_overview(actor=request.user, filters=filters)
    page = paginate_page(request, overview.steps, per_page=OVERVIEW_PAGE_SIZE)
    params = request.GET.copy()
    params.pop("page", None)
    state_links = {}
    for state in selectors.PLAN_STATES:
        params["state"] = state
        state_links[state] = f"?{params.urlencode()}"
    return render(
        request,
        "sales/playbooks/overview.html",
        {
            **pagination(request, page),
            "form": form,
            "overview": overview,
            "group": filters.get("group") or "deal",
            "states": selectors.PLAN_STATES,
            "state_links": state_links,
            "current_state": filters.get("state") or "",
            "can_manage": services.can_manage_sales_models(request.user),
        },
    )


# --- derive a model --------------------------------------------------------------------


def _proposal_initial(proposal) -> list[dict]:
    return [
        {
            "keep": step.suggested,
            "title": step.title,
            "offset_days": step.offset_days,
            "is_required": step.required,
        }
        for step in proposal.steps
    ]


@login_required
@domain_errors
def sales_model_derive_view(request):
    """Propose a model from won deals; a head keeps, renames and times its steps."""
    _ensure_can_manage(request)
    data = request.POST if request.method == "POST" else request.GET
    form = DeriveForm(data if "pipeline" in data else None)
    proposal = formset = save_form = None
    if form.is_bound and form.is_valid():
        pipeline, since = form.cleaned_data["pipeline"], form.cleaned_data["since"]
        try:
            proposal = services.sales_model_derive(
                actor=request.user, pipeline=pipeline, since=since
            )
        except DomainError as error:
            apply_domain_error(form, error)
    if proposal is not None and request.method == "POST":
        formset = ProposalStepFormSet(request.POST, prefix="steps")
        save_form = ProposalSaveForm(request.POST)
        if formset.is_valid() and save_form.is_valid():
            kept = [
                {
                    "title": row["title"],
                    "offset_days": row["offset_days"],
                    "is_required": row["is_required"],
                }
                for row in formset.cleaned_data
                if row.get("keep")
            ]
            try:
                model = services.sales_model_create_from_proposal(
                    actor=request.user,
                    pipeline=proposal.pipeline,
                    since=proposal.since,
                    steps=kept,
                    **save_form.cleaned_data,
                )
            except DomainError as error:
                apply_domain_error(save_form, error, {"steps": None})
            else:
                messages.success(
                    request,
                    _("Sales model “%(name)s” saved from %(count)d won deals.")
                    % {"name": model.name, "count": model.derived_from_deals},
                )
                return redirect(model.get_absolute_url())
    elif proposal is not None:
        formset = ProposalStepFormSet(
            initial=_proposal_initial(proposal), prefix="steps"
        )
        save_form = ProposalSaveForm(
            initial={
                "name": _("%(pipeline)s: typical plan")
                % {"pipeline": proposal.pipeline.name}
            }
        )
    rows = []
    if proposal is not None and formset is not None:
        rows = list(zip(formset.forms, proposal.steps, strict=False))
    return render(
        request,
        "sales/playbooks/derive.html",
        {
            "form": form,
            "proposal": proposal,
            "formset": formset,
            "save_form": save_form,
            "rows": rows,
        },
    )


def register() -> None:
    """Register the navigation item, the deal card's plan panel and the listener
    that keeps plan steps in step with their tasks."""
    registry.register_nav(
        registry.NavItem(
            key="sales-models",
            label=gettext_lazy("Sales models"),
            url_name="sales:sales-model-list",
            icon="list-check",
            order=47,
            more=True,
        )
    )
    registry.register_panel(
        "deal",
        registry.CardPanel(
            key="sales-plan",
            template="sales/playbooks/panels/deal_plan.html",
            context=_deal_panel,
            order=30,
            column="main",
        ),
    )
    task_status_listener_register(services.plan_step_sync_from_task)
