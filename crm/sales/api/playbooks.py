"""API routes of typical sales models and deals' action plans: parse, call one
selector or service, answer."""

from __future__ import annotations

from ninja import Query, Router, Status

from crm.core.schemas import ordered, paginate
from crm.sales.schemas.playbooks import (
    ApplyModelIn,
    OverviewOut,
    OverviewQuery,
    PlanOut,
    PlanStepIn,
    PlanStepOut,
    PlanStepPatch,
    ProposalOut,
    ProposalQuery,
    ProposalSaveIn,
    SalesModelFilter,
    SalesModelIn,
    SalesModelListOut,
    SalesModelOut,
    SalesModelPatch,
)
from crm.sales.selectors import playbooks as selectors
from crm.sales.services import playbooks as services

router = Router(tags=["sales-models"])

MODEL_ORDERING = {"id": "id", "name": "name", "created_at": "created_at"}


def _step_data(step: dict) -> dict:
    data = dict(step)
    if data.get("id") is None:
        data.pop("id", None)
    data["responsible_role"] = data.get("responsible_role") or ""
    data["responsible_team"] = data.pop("responsible_team_id", None)
    return data


def _model_out(request, model_id: int):
    return selectors.sales_model_get(actor=request.user, model_id=model_id)


@router.get(
    "/sales-models", response=SalesModelListOut, operation_id="sales_model_list"
)
def list_sales_models(request, filters: Query[SalesModelFilter]):
    """Typical sales models, active first."""
    models = selectors.sales_model_list(
        actor=request.user, filters=filters.dict(exclude={"page", "page_size"})
    )
    models = ordered(models, filters.ordering, MODEL_ORDERING)
    return paginate(models, page=filters.page, page_size=filters.page_size)


@router.post(
    "/sales-models",
    response={201: SalesModelOut},
    operation_id="sales_model_create",
)
def create_sales_model(request, payload: SalesModelIn):
    """Create a model with its steps (administrators and heads of department)."""
    data = payload.dict()
    model = services.sales_model_create(
        actor=request.user,
        name=data["name"],
        description=data["description"],
        pipeline=data["pipeline_id"],
        is_active=data["is_active"],
        steps=[_step_data(step) for step in data["steps"]],
    )
    return Status(201, _model_out(request, model.pk))


@router.get(
    "/sales-models/proposal",
    response=ProposalOut,
    operation_id="sales_model_derive",
)
def derive_sales_model(request, query: Query[ProposalQuery]):
    """Propose a typical plan from the won deals of a pipeline (changes nothing)."""
    pipeline = selectors.model_pipeline_get(
        actor=request.user, pipeline_id=query.pipeline
    )
    return services.sales_model_derive(
        actor=request.user, pipeline=pipeline, since=query.since
    )


@router.post(
    "/sales-models/proposal",
    response={201: SalesModelOut},
    operation_id="sales_model_create_from_proposal",
)
def save_proposal(request, payload: ProposalSaveIn):
    """Save the steps kept of a proposal as a new model learnt from won deals."""
    pipeline = selectors.model_pipeline_get(
        actor=request.user, pipeline_id=payload.pipeline_id
    )
    data = payload.dict()
    model = services.sales_model_create_from_proposal(
        actor=request.user,
        pipeline=pipeline,
        since=data["since"],
        name=data["name"],
        description=data["description"],
        steps=[_step_data(step) for step in data["steps"]],
    )
    return Status(201, _model_out(request, model.pk))


@router.get(
    "/sales-models/{model_id}", response=SalesModelOut, operation_id="sales_model_get"
)
def get_sales_model(request, model_id: int):
    """One model with its steps in order."""
    return _model_out(request, model_id)


@router.patch(
    "/sales-models/{model_id}",
    response=SalesModelOut,
    operation_id="sales_model_update",
)
def update_sales_model(request, model_id: int, payload: SalesModelPatch):
    """Change a model; `steps`, when sent, replaces the list of steps."""
    model = selectors.sales_model_get(actor=request.user, model_id=model_id)
    data = payload.dict(exclude_unset=True)
    steps = data.pop("steps", None)
    if "pipeline_id" in data:
        data["pipeline"] = data.pop("pipeline_id")
    for name in ("name", "description", "is_active"):
        if name in data and data[name] is None:
            data.pop(name)
    services.sales_model_update(
        actor=request.user,
        model=model,
        steps=None if steps is None else [_step_data(step) for step in steps],
        **data,
    )
    return _model_out(request, model.pk)


@router.delete(
    "/sales-models/{model_id}",
    response={204: None},
    operation_id="sales_model_delete",
)
def delete_sales_model(request, model_id: int):
    """Delete a model never applied to a deal (deactivate an applied one)."""
    model = selectors.sales_model_get(actor=request.user, model_id=model_id)
    services.sales_model_delete(actor=request.user, model=model)
    return Status(204, None)


# --- plans ------------------------------------------------------------------------------


def _plan(request, deal) -> dict:
    return {
        "deal_id": deal.pk,
        "steps": list(selectors.deal_plan(actor=request.user, deal=deal)),
    }


@router.get(
    "/deals/{deal_id}/plan",
    response=PlanOut,
    operation_id="deal_plan",
    tags=["deal-plans"],
)
def get_deal_plan(request, deal_id: int):
    """The steps of a deal's action plan with status, deadline and responsible."""
    deal = selectors.plan_deal_get(actor=request.user, deal_id=deal_id)
    return _plan(request, deal)


@router.post(
    "/deals/{deal_id}/apply-model",
    response={201: PlanOut},
    operation_id="deal_apply_model",
    tags=["deal-plans"],
)
def apply_model(request, deal_id: int, payload: ApplyModelIn):
    """Plan a deal's work from a typical sales model; answers the whole plan."""
    deal = selectors.plan_deal_get(actor=request.user, deal_id=deal_id)
    model = selectors.sales_model_get(actor=request.user, model_id=payload.model_id)
    services.deal_apply_model(
        actor=request.user, deal=deal, model=model, start=payload.start
    )
    return Status(201, _plan(request, deal))


@router.post(
    "/deals/{deal_id}/plan",
    response={201: PlanStepOut},
    operation_id="plan_step_add",
    tags=["deal-plans"],
)
def add_plan_step(request, deal_id: int, payload: PlanStepIn):
    """Add a step to a deal's plan by hand."""
    deal = selectors.plan_deal_get(actor=request.user, deal_id=deal_id)
    data = payload.dict()
    step = services.plan_step_add(
        actor=request.user,
        deal=deal,
        title=data["title"],
        due_date=data["due_date"],
        responsible=data["responsible_id"],
        is_required=data["is_required"],
        description=data["description"],
    )
    return Status(201, selectors.plan_step_get(actor=request.user, step_id=step.pk))


@router.get(
    "/plan-steps/overview",
    response=OverviewOut,
    operation_id="plan_overview",
    tags=["deal-plans"],
)
def plans_overview(request, query: Query[OverviewQuery]):
    """Open steps overdue or at risk across the open deals the user may see."""
    overview = selectors.plan_overview(
        actor=request.user, filters=query.dict(exclude={"page", "page_size"})
    )
    page = paginate(overview.steps, page=query.page, page_size=query.page_size)
    return {**overview.counts, **page}


@router.patch(
    "/plan-steps/{step_id}",
    response=PlanStepOut,
    operation_id="plan_step_set_status",
    tags=["deal-plans"],
)
def set_plan_step_status(request, step_id: int, payload: PlanStepPatch):
    """Mark a step planned, in progress, done or skipped; its task follows."""
    step = selectors.plan_step_get(actor=request.user, step_id=step_id)
    services.plan_step_set_status(actor=request.user, step=step, status=payload.status)
    return selectors.plan_step_get(actor=request.user, step_id=step.pk)
