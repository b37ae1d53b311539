"""Reads of typical sales models and of deals' action plans: the models, a deal's
plan, and the overview of plans — steps overdue or at risk across open deals.

Models are reference data every member of staff may read. A plan step is seen by
whoever sees its deal, and by its responsible, who may work in another department
and see the step (and its task) without seeing the deal's other records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core import visibility
from crm.core.errors import DomainError, NotFound
from crm.sales.models import (
    Deal,
    DealPlanStep,
    DealStatus,
    Pipeline,
    PlanStepStatus,
    SalesModel,
    SalesModelStep,
)

OPEN_STEP_STATUSES = (PlanStepStatus.PLANNED, PlanStepStatus.IN_PROGRESS)
# A step is at risk when its deadline is this many days away or fewer.
AT_RISK_DAYS = 3
MAX_AT_RISK_DAYS = 365


class PlanState:
    OVERDUE = "overdue"
    AT_RISK = "at_risk"
    FINE = "fine"


PLAN_STATES = {
    PlanState.OVERDUE: gettext_lazy("Overdue"),
    PlanState.AT_RISK: gettext_lazy("At risk"),
    PlanState.FINE: gettext_lazy("On track"),
}


def _id(value: Any, name: str) -> int | None:
    """An id from a filter or a path; None when empty, an error naming the field
    when it is not a positive whole number."""
    value = getattr(value, "pk", value)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number <= 0:
        raise DomainError(_("Choose a value from the list."), field=name)
    return number


# --- models -----------------------------------------------------------------------------


def sales_model_list(
    *, actor, filters: Mapping[str, Any] | None = None
) -> QuerySet[SalesModel]:
    """Typical sales models with their number of steps.

    Filters: `q` (part of the name), `pipeline` (id; models for any pipeline are
    included), `is_active` (True/False; both when absent).
    """
    filters = filters or {}
    models = SalesModel.objects.select_related("pipeline", "created_by").annotate(
        step_count=Count("steps")
    )
    query = (filters.get("q") or "").strip()
    if query:
        models = models.filter(name__icontains=query)
    pipeline = _id(filters.get("pipeline"), "pipeline")
    if pipeline:
        models = models.filter(Q(pipeline_id=pipeline) | Q(pipeline__isnull=True))
    if filters.get("is_active") is not None:
        models = models.filter(is_active=bool(filters["is_active"]))
    return models.order_by("-is_active", "name", "id")


def _existing_id(value: Any, name: str) -> int:
    """The id of a record to load: a missing one finds nothing."""
    return _id(value, name) or 0


def sales_model_get(*, actor, model_id: Any) -> SalesModel:
    """One model with its steps in order (`model.steps.all()` is loaded)."""
    steps = SalesModelStep.objects.select_related("responsible_team").order_by(
        "position", "id"
    )
    model = (
        SalesModel.objects.select_related("pipeline", "created_by")
        .prefetch_related(Prefetch("steps", queryset=steps))
        .filter(pk=_existing_id(model_id, "model_id"))
        .first()
    )
    if model is None:
        raise NotFound
    return model


def sales_model_step_get(*, actor, step_id: Any) -> SalesModelStep:
    step = (
        SalesModelStep.objects.select_related("model", "responsible_team")
        .filter(pk=_existing_id(step_id, "step_id"))
        .first()
    )
    if step is None:
        raise NotFound
    return step


def applicable_sales_models(*, actor, deal: Deal) -> QuerySet[SalesModel]:
    """Active models that fit the deal's pipeline (or any pipeline)."""
    return (
        SalesModel.objects.filter(is_active=True)
        .filter(Q(pipeline_id=deal.pipeline_id) | Q(pipeline__isnull=True))
        .order_by("name", "id")
    )


# --- plans ------------------------------------------------------------------------------


def plan_deal_get(*, actor, deal_id: Any) -> Deal:
    """A deal the actor may see, for the pages and routes of its plan."""
    deal = (
        visibility.visible(Deal.objects.all(), actor)
        .select_related("owner", "pipeline", "company", "contact")
        .filter(pk=_existing_id(deal_id, "deal_id"))
        .first()
    )
    if deal is None:
        raise NotFound
    return deal


def deal_plan(*, actor, deal: Deal) -> QuerySet[DealPlanStep]:
    """The steps of a deal's plan in order, with responsible and task loaded."""
    if not visibility.can(actor, deal):
        raise NotFound
    return (
        DealPlanStep.objects.filter(deal=deal)
        .select_related("responsible", "task", "model_step__model")
        .order_by("position", "id")
    )


def _visible_steps_q(actor) -> Q | None:
    """Steps of deals the actor sees, and the steps the actor is responsible for."""
    deals = visibility.scope_q(actor, Deal, prefix="deal__")
    if deals is None:
        return None
    return deals | Q(responsible_id=actor.pk)


def plan_step_get(*, actor, step_id: Any) -> DealPlanStep:
    """One plan step the actor may see (through its deal, or as its responsible)."""
    steps = DealPlanStep.objects.select_related(
        "deal__owner", "deal__pipeline", "responsible", "task"
    ).filter(pk=_existing_id(step_id, "step_id"), deal__deleted_at__isnull=True)
    condition = _visible_steps_q(actor)
    if condition is not None:
        steps = steps.filter(condition)
    step = steps.first()
    if step is None:
        raise NotFound
    return step


# --- the overview -----------------------------------------------------------------------


def plan_step_state(
    step: DealPlanStep, *, deal: Deal, today: dt.date, days: int = AT_RISK_DAYS
) -> str:
    """The state of one step, by the rule `plan_overview` applies in SQL; "" for a
    step done or skipped."""
    if not step.is_open:
        return ""
    if step.due_date < today:
        return PlanState.OVERDUE
    if step.due_date <= today + dt.timedelta(days=days) or (
        deal.expected_close_date is not None
        and deal.expected_close_date < step.due_date
    ):
        return PlanState.AT_RISK
    return PlanState.FINE


@dataclass
class PlanOverview:
    """Open steps of open deals by state, and the steps to look at (overdue and at
    risk, or those of the chosen state) as a queryset to paginate."""

    today: dt.date
    days: int
    counts: dict[str, int]
    steps: QuerySet[DealPlanStep]


def plan_overview(
    *,
    actor,
    filters: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> PlanOverview:
    """Steps of deals' plans that are overdue or at risk, across all open deals the
    actor may see (and the steps they are responsible for).

    An open step (planned or in progress) is *overdue* when its deadline has passed,
    *at risk* when the deadline is at most `days` days away (3 by default) or later
    than the deal's expected close date, and *on track* otherwise. Filters: `team`
    and `manager` (the deal's owner), `pipeline`, `responsible`, `state` (one state;
    overdue and at risk when absent), `days`, `group` (`deal` or `responsible`: the
    order of the steps). Counts come from one aggregate query.
    """
    filters = filters or {}
    today = today or timezone.localdate()
    given = filters.get("days")
    try:
        days = AT_RISK_DAYS if given in (None, "") else int(str(given))
    except (TypeError, ValueError):
        days = -1
    if not 0 <= days <= MAX_AT_RISK_DAYS:
        raise DomainError(
            _("Enter a number of days from 0 to %(limit)d.")
            % {"limit": MAX_AT_RISK_DAYS},
            field="days",
        )
    state = filters.get("state") or ""
    if state and state not in PLAN_STATES:
        raise DomainError(
            _("Choose one of: %(values)s.") % {"values": ", ".join(PLAN_STATES)},
            field="state",
        )
    group = filters.get("group") or "deal"
    if group not in ("deal", "responsible"):
        raise DomainError(
            _("Choose one of: %(values)s.") % {"values": "deal, responsible"},
            field="group",
        )
    steps = DealPlanStep.objects.filter(
        status__in=OPEN_STEP_STATUSES,
        deal__status=DealStatus.OPEN,
        deal__deleted_at__isnull=True,
    )
    condition = _visible_steps_q(actor)
    if condition is not None:
        steps = steps.filter(condition)
    for name, lookup in (
        ("team", "deal__owner__team_id"),
        ("manager", "deal__owner_id"),
        ("pipeline", "deal__pipeline_id"),
        ("responsible", "responsible_id"),
    ):
        value = _id(filters.get(name), name)
        if value:
            steps = steps.filter(**{lookup: value})
    overdue = Q(due_date__lt=today)
    at_risk = ~overdue & (
        Q(due_date__lte=today + dt.timedelta(days=days))
        | Q(deal__expected_close_date__lt=F("due_date"))
    )
    counts = steps.aggregate(
        overdue=Count("pk", filter=overdue),
        at_risk=Count("pk", filter=at_risk),
        total=Count("pk"),
    )
    counts["fine"] = counts.pop("total") - counts["overdue"] - counts["at_risk"]
    shown = {
        PlanState.OVERDUE: overdue,
        PlanState.AT_RISK: at_risk,
        PlanState.FINE: ~overdue & ~at_risk,
    }.get(state, overdue | at_risk)
    order = (
        ["deal__title", "deal_id", "due_date", "position", "id"]
        if group == "deal"
        else [
            "responsible__last_name",
            "responsible__first_name",
            "responsible_id",
            "due_date",
            "id",
        ]
    )
    listed = (
        steps.filter(shown)
        .annotate(
            state=Case(
                When(overdue, then=Value(PlanState.OVERDUE)),
                When(at_risk, then=Value(PlanState.AT_RISK)),
                default=Value(PlanState.FINE),
                output_field=CharField(),
            )
        )
        .select_related(
            "deal__owner", "deal__pipeline", "deal__company", "responsible", "task"
        )
        .order_by(*order)
    )
    return PlanOverview(today=today, days=days, counts=counts, steps=listed)


def model_pipeline_get(*, actor, pipeline_id: Any):
    """A pipeline to derive a model from or to tie a model to."""
    pipeline = Pipeline.objects.filter(pk=_existing_id(pipeline_id, "pipeline")).first()
    if pipeline is None:
        raise NotFound
    return pipeline
