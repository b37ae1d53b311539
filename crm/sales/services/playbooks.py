"""Writes of typical sales models (типовые модели сбыта) and of deals' action plans.

A model is an ordered list of steps kept in the database; administrators and heads
of department edit it. Applying a model to a deal creates the deal's plan: a step
per model step with a deadline counted from the plan's start, a responsible member
of staff of any department and a task for them in activities. The step and its task
keep one status: changing the step changes the task through the services of
activities, and a change of the task reaches the step through the listener that
`plan_step_sync_from_task` is registered as (see `TASK_STATUS_LISTENERS`).

"Derive a model" (`sales_model_derive`) reads the won deals of a pipeline and
proposes a plan; `sales_model_create_from_proposal` saves what a head kept of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Avg, Case, Count, DateTimeField, F, Max, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.accounts.models import Team
from crm.activities.models import Task, TaskStatus
from crm.activities.services import task_complete, task_create, task_update
from crm.activities.services.records import language_of
from crm.core import audit, visibility
from crm.core.errors import DomainError, Forbidden
from crm.core.models import Notification
from crm.core.services import notification_send
from crm.core.visibility import Role
from crm.sales.models import (
    Deal,
    DealPlanStep,
    DealStageChange,
    DealStatus,
    Pipeline,
    PlanStepStatus,
    SalesModel,
    SalesModelStep,
    StageKind,
)
from crm.sales.selectors.analytics import DaysBetween, histogram_median
from crm.sales.services.deal_history import deal_log

Errors = dict[str, list]

# A deadline further than ten years from the start is a typo, not a plan.
MAX_OFFSET_DAYS = 3650
# Tasks of plan steps fall due at the end of the working day of their deadline.
TASK_DUE_TIME = dt.time(18, 0)
# "Derive a model" ticks the steps at least half of the won deals went through and
# makes required those that four in five did.
SUGGEST_SHARE = Decimal("0.5")
REQUIRED_SHARE = Decimal("0.8")

STEP_FIELDS = frozenset(
    {
        "title",
        "description",
        "responsible_role",
        "responsible_team",
        "offset_days",
        "is_required",
    }
)
MODEL_FIELDS = frozenset({"name", "description", "pipeline", "is_active"})

# A task's status → the status of its plan step.
STEP_STATUS_OF_TASK: dict[str, str] = {
    TaskStatus.OPEN: PlanStepStatus.PLANNED,
    TaskStatus.IN_PROGRESS: PlanStepStatus.IN_PROGRESS,
    TaskStatus.DONE: PlanStepStatus.DONE,
    TaskStatus.CANCELLED: PlanStepStatus.SKIPPED,
}
TASK_STATUS_OF_STEP: dict[str, str] = {
    step: task for task, step in STEP_STATUS_OF_TASK.items()
}


# --- input ------------------------------------------------------------------------


def _add(errors: Errors, name: str, message) -> None:
    errors.setdefault(name, []).append(message)


def _raise(errors: Errors) -> None:
    if errors:
        raise DomainError.from_errors(errors)


def _pk(value: Any) -> int | None:
    """An id from an instance, a number or a text; -1 for a malformed one."""
    value = getattr(value, "pk", value)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _text(
    value: Any, *, name: str, errors: Errors, limit: int | None, required=False
) -> str:
    text = ("" if value is None else str(value)).strip()
    if required and not text:
        _add(errors, name, _("This field is required."))
    elif limit and len(text) > limit:
        _add(errors, name, _("At most %(limit)d characters.") % {"limit": limit})
    return text


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


def clean_date(value: Any, *, name: str) -> dt.date | None:
    """A date from a form, the API or code (`2025-03-14`); None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    if isinstance(value, dt.date):
        return value
    try:
        parsed = parse_date(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise DomainError(_("Enter a date, like 2025-03-14."), field=name)
    return parsed


def _offset(value: Any, *, name: str, errors: Errors) -> int:
    if value in (None, ""):
        return 0
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        _add(errors, name, _("Enter a whole number of days."))
        return 0
    if not 0 <= number <= MAX_OFFSET_DAYS:
        _add(
            errors,
            name,
            _("Enter a number of days from 0 to %(limit)d.")
            % {"limit": MAX_OFFSET_DAYS},
        )
        return 0
    return number


def _pipeline(value: Any, *, errors: Errors, name: str = "pipeline"):
    pk = _pk(value)
    if pk is None:
        return None
    if isinstance(value, Pipeline):
        return value
    pipeline = Pipeline.objects.filter(pk=pk).first()
    if pipeline is None:
        _add(errors, name, _("Choose a pipeline from the list."))
    return pipeline


def _clean_step(
    step: SalesModelStep, data: Mapping[str, Any], *, prefix: str, errors: Errors
) -> None:
    """Check and set a model step's fields from `data` (only the keys present)."""
    for key in set(data) - STEP_FIELDS - {"id", "responsible_team_id"}:
        _add(errors, f"{prefix}{key}", _("Unknown field."))
    if "title" in data:
        step.title = _text(
            data["title"],
            name=f"{prefix}title",
            errors=errors,
            limit=300,
            required=True,
        )
    if "description" in data:
        step.description = _text(
            data["description"], name=f"{prefix}description", errors=errors, limit=None
        )
    if "offset_days" in data:
        step.offset_days = _offset(
            data["offset_days"], name=f"{prefix}offset_days", errors=errors
        )
    if "is_required" in data:
        step.is_required = _bool(data["is_required"])
    if "responsible_role" in data:
        role = (data["responsible_role"] or "").strip()
        if role and role not in Role.values:
            _add(
                errors,
                f"{prefix}responsible_role",
                _("Choose one of: %(values)s.")
                % {"values": ", ".join(str(label) for label in Role.labels)},
            )
        step.responsible_role = role
    team_key = "responsible_team_id" if "responsible_team_id" in data else None
    team_key = "responsible_team" if "responsible_team" in data else team_key
    if team_key:
        value = data[team_key]
        pk = _pk(value)
        team = value if isinstance(value, Team) else None
        if pk is not None and team is None:
            team = Team.objects.filter(pk=pk).first()
            if team is None:
                _add(
                    errors,
                    f"{prefix}responsible_team",
                    _("Choose a department from the list."),
                )
        step.responsible_team = team
    if step.responsible_role and step.responsible_team_id:
        _add(
            errors,
            f"{prefix}responsible_team",
            _("Choose a role or a department, not both."),
        )


# --- sales models -------------------------------------------------------------------


def can_manage_sales_models(actor) -> bool:
    """Whether the actor may create and change typical sales models."""
    if not (actor and actor.is_authenticated and actor.is_active):
        return False
    return visibility.is_admin(actor) or actor.role == Role.HEAD


def _ensure_can_manage(actor) -> None:
    if not can_manage_sales_models(actor):
        raise Forbidden(
            _("Only administrators and heads of department may change sales models.")
        )


def _clean_model(model: SalesModel, data: Mapping[str, Any], errors: Errors) -> None:
    for key in set(data) - MODEL_FIELDS - {"pipeline_id"}:
        _add(errors, key, _("Unknown field."))
    if "name" in data:
        model.name = _text(
            data["name"], name="name", errors=errors, limit=200, required=True
        )
    if "description" in data:
        model.description = _text(
            data["description"], name="description", errors=errors, limit=None
        )
    for key in ("pipeline", "pipeline_id"):
        if key in data:
            model.pipeline = _pipeline(data[key], errors=errors)
    if "is_active" in data:
        model.is_active = _bool(data["is_active"])


def _new_steps(
    model: SalesModel, steps: Iterable[Mapping[str, Any]], errors: Errors
) -> list[SalesModelStep]:
    built = []
    for index, data in enumerate(steps):
        step = SalesModelStep(model=model, position=index + 1)
        _clean_step(
            step,
            {"title": "", **data},
            prefix=f"steps.{index}.",
            errors=errors,
        )
        built.append(step)
    return built


@transaction.atomic
def sales_model_create(
    *,
    actor,
    name: str,
    description: str = "",
    pipeline: Pipeline | int | None = None,
    is_active: bool = True,
    steps: Iterable[Mapping[str, Any]] = (),
    derived_from_deals: int = 0,
) -> SalesModel:
    """Create a typical sales model with its steps, in the order given.

    Each step is a mapping of `title`, `description`, `responsible_role` (a role) or
    `responsible_team` (a department), `offset_days` (the deadline, days from the
    plan's start) and `is_required`. Every mistake is reported at once, a step's
    under `steps.<n>.<field>`, and nothing is saved when any is refused.
    """
    _ensure_can_manage(actor)
    errors: Errors = {}
    model = SalesModel(created_by=actor, derived_from_deals=derived_from_deals)
    _clean_model(
        model,
        {
            "name": name,
            "description": description,
            "pipeline": pipeline,
            "is_active": is_active,
        },
        errors,
    )
    built = _new_steps(model, steps, errors)
    _raise(errors)
    model.save()
    audit.record_create(actor, model)
    for step in built:
        step.model = model
        step.save()
        audit.record_create(actor, step)
    return model


def _replace_steps(
    *, actor, model: SalesModel, steps: Iterable[Mapping[str, Any]], errors: Errors
) -> None:
    """Make the model's steps the given list: steps with an `id` are changed, the
    others added, and steps left out removed; the order is the list's."""
    existing = {step.pk: step for step in model.steps.all()}
    kept: list[tuple[SalesModelStep, dict, bool]] = []
    for index, data in enumerate(steps):
        prefix = f"steps.{index}."
        pk = _pk(data.get("id"))
        if pk is not None:
            step = existing.get(pk)
            if step is None:
                _add(errors, f"{prefix}id", _("This step belongs to another model."))
                continue
            before = audit.snapshot(step)
            _clean_step(step, data, prefix=prefix, errors=errors)
        else:
            step = SalesModelStep(model=model)
            before = {}
            _clean_step(step, {"title": "", **data}, prefix=prefix, errors=errors)
        step.position = index + 1
        kept.append((step, before, pk is not None))
    _raise(errors)
    kept_ids = {step.pk for step, _before, old in kept if old}
    for pk, step in existing.items():
        if pk not in kept_ids:
            audit.record_delete(actor, step)
            step.delete()
    for step, before, old in kept:
        step.save()
        if old:
            audit.record_update(actor, step, before)
        else:
            audit.record_create(actor, step)


@transaction.atomic
def sales_model_update(
    *,
    actor,
    model: SalesModel,
    steps: Iterable[Mapping[str, Any]] | None = None,
    **fields: Any,
) -> SalesModel:
    """Change a model's `name`, `description`, `pipeline` or `is_active` (only those
    given); with `steps`, make its steps that list (see `_replace_steps`).

    Plans already made from the model keep their steps: a plan is a copy.
    """
    _ensure_can_manage(actor)
    errors: Errors = {}
    before = audit.snapshot(model)
    _clean_model(model, fields, errors)
    _raise(errors)
    if steps is not None:
        _replace_steps(actor=actor, model=model, steps=list(steps), errors=errors)
    model.save()
    audit.record_update(actor, model, before)
    return model


@transaction.atomic
def sales_model_delete(*, actor, model: SalesModel) -> None:
    """Delete a model never applied to a deal; an applied one is deactivated instead,
    since deals' plans and the derivation of models refer to its steps."""
    _ensure_can_manage(actor)
    if DealPlanStep.objects.filter(model_step__model=model).exists():
        raise DomainError(
            _(
                "The model has been applied to deals and cannot be deleted; "
                "deactivate it instead."
            ),
            field="model",
        )
    audit.record_delete(actor, model)
    model.delete()


@transaction.atomic
def sales_model_step_add(*, actor, model: SalesModel, **data: Any) -> SalesModelStep:
    """Add a step at the end of a model."""
    _ensure_can_manage(actor)
    errors: Errors = {}
    last = model.steps.aggregate(last=Max("position"))["last"] or 0
    step = SalesModelStep(model=model, position=last + 1)
    _clean_step(step, {"title": "", **data}, prefix="", errors=errors)
    _raise(errors)
    step.save()
    audit.record_create(actor, step)
    return step


@transaction.atomic
def sales_model_step_update(
    *, actor, step: SalesModelStep, **data: Any
) -> SalesModelStep:
    """Change a step of a model (only the fields given)."""
    _ensure_can_manage(actor)
    errors: Errors = {}
    before = audit.snapshot(step)
    _clean_step(step, data, prefix="", errors=errors)
    _raise(errors)
    step.save()
    audit.record_update(actor, step, before)
    return step


@transaction.atomic
def sales_model_step_delete(*, actor, step: SalesModelStep) -> None:
    """Remove a step from a model; plans made from it keep their copy."""
    _ensure_can_manage(actor)
    audit.record_delete(actor, step)
    step.delete()


@transaction.atomic
def sales_model_steps_reorder(
    *, actor, model: SalesModel, step_ids: Iterable[Any]
) -> list[SalesModelStep]:
    """Put a model's steps in the given order; every step must be named once."""
    _ensure_can_manage(actor)
    steps = {step.pk: step for step in model.steps.all()}
    order = [pk for pk in (_pk(value) for value in step_ids) if pk is not None]
    if sorted(order) != sorted(steps):
        raise DomainError(
            _("List every step of the model once, in the new order."), field="steps"
        )
    result = []
    for position, pk in enumerate(order, start=1):
        step = steps[pk]
        if step.position != position:
            before = audit.snapshot(step)
            step.position = position
            step.save(update_fields=["position"])
            audit.record_update(actor, step, before)
        result.append(step)
    return result


@transaction.atomic
def sales_model_step_move(
    *, actor, step: SalesModelStep, direction: str
) -> list[SalesModelStep]:
    """Move a step one place `up` or `down` in its model."""
    _ensure_can_manage(actor)
    if direction not in ("up", "down"):
        raise DomainError(_("Move a step up or down."), field="direction")
    ids = list(step.model.steps.order_by("position", "id").values_list("pk", flat=True))
    index = ids.index(step.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    return sales_model_steps_reorder(actor=actor, model=step.model, step_ids=ids)


# --- plans of deals -------------------------------------------------------------------


class _Responsibles:
    """Who does a model step on a deal, looked up once per role or department.

    A role: the deal's owner when they have it, else the first active user with it,
    those of the owner's team first. A department: its head, else its first active
    member. Neither, or nobody found: the deal's owner, so the step is someone's.
    """

    def __init__(self, deal: Deal):
        self.owner = deal.owner
        self.found: dict[tuple[str, Any], Any] = {}

    def __call__(self, step: SalesModelStep):
        if step.responsible_role:
            key: tuple[str, Any] = ("role", step.responsible_role)
        elif step.responsible_team_id:
            key = ("team", step.responsible_team_id)
        else:
            return self.owner
        if key not in self.found:
            self.found[key] = self._look_up(step) or self.owner
        return self.found[key]

    def _look_up(self, step: SalesModelStep):
        users = get_user_model().objects.filter(is_active=True)
        if step.responsible_role:
            owner = self.owner
            if owner.is_active and owner.role == step.responsible_role:
                return owner
            users = users.filter(role=step.responsible_role).order_by("pk")
            if owner.team_id is not None:
                users = users.annotate(
                    other_team=Case(
                        When(team_id=owner.team_id, then=Value(0)), default=Value(1)
                    )
                ).order_by("other_team", "pk")
            return users.first()
        team = step.responsible_team
        if team is None:
            return None
        head = team.head
        if head is not None and head.is_active:
            return head
        return users.filter(team_id=team.pk).order_by("pk").first()


def _due_at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(
        day, TASK_DUE_TIME, tzinfo=timezone.get_current_timezone()
    )


def _step_task(*, actor, deal: Deal, step: DealPlanStep, description: str = "") -> Task:
    """The task of a plan step: "<step> — <deal>", for the responsible, due at the
    deadline, on the deal's client when the actor may see it."""
    links: dict[str, Any] = {}
    for name in ("company", "contact"):
        client = getattr(deal, name)
        if (
            client is not None
            and client.deleted_at is None
            and visibility.can(actor, client)
        ):
            links[name] = client
    title = _("%(step)s — %(deal)s") % {"step": step.title, "deal": deal.title}
    return task_create(
        actor=actor,
        title=title[:300],
        description=description,
        assignee=step.responsible,
        due_at=_due_at(step.due_date),
        **links,
    )


def _lock_open_deal(*, actor, deal: Deal) -> Deal:
    """Check the actor may change the deal and it is open; lock its row so two plans
    applied at once do not both pass the check for duplicates."""
    visibility.ensure_can_edit(actor=actor, obj=deal)
    locked = Deal.objects.select_for_update().filter(pk=deal.pk).first()
    if locked is None or locked.status != DealStatus.OPEN:
        raise DomainError(
            _("The deal is closed: its plan cannot change any more."), field="deal"
        )
    return deal


def _next_position(deal: Deal) -> int:
    last = DealPlanStep.objects.filter(deal=deal).aggregate(last=Max("position"))
    return (last["last"] or 0) + 1


@transaction.atomic
def deal_apply_model(
    *, actor, deal: Deal, model: SalesModel, start: Any = None
) -> list[DealPlanStep]:
    """Make (or complete) a deal's plan from a typical sales model.

    One plan step per model step: its deadline is `start` (today by default) plus
    the step's offset, its responsible is found from the step's role or department
    (see `_Responsibles`), and it gets a task in activities attached to the deal's
    client. Steps already planned from this model are not planned again, so a second
    application adds only steps the model gained since — and is refused when there
    are none. Returns the steps created.
    """
    _lock_open_deal(actor=actor, deal=deal)
    if not model.is_active:
        raise DomainError(_("The model is not active."), field="model_id")
    if model.pipeline_id is not None and model.pipeline_id != deal.pipeline_id:
        raise DomainError(
            _("The model “%(model)s” is for the pipeline “%(pipeline)s”.")
            % {"model": model.name, "pipeline": str(model.pipeline)},
            field="model_id",
        )
    start_day = clean_date(start, name="start") or timezone.localdate()
    steps = list(
        model.steps.select_related("responsible_team__head").order_by("position", "id")
    )
    if not steps:
        raise DomainError(_("The model has no steps yet."), field="model_id")
    planned = set(
        DealPlanStep.objects.filter(deal=deal, model_step__in=steps).values_list(
            "model_step_id", flat=True
        )
    )
    new_steps = [step for step in steps if step.pk not in planned]
    if not new_steps:
        raise DomainError(
            _("The model “%(model)s” is already applied to this deal.")
            % {"model": model.name},
            field="model_id",
        )
    responsible_for = _Responsibles(deal)
    position = _next_position(deal)
    created = []
    for offset, model_step in enumerate(new_steps):
        step = DealPlanStep(
            deal=deal,
            model_step=model_step,
            position=position + offset,
            title=model_step.title,
            responsible=responsible_for(model_step),
            due_date=start_day + dt.timedelta(days=model_step.offset_days),
            started_on=start_day,
            is_required=model_step.is_required,
        )
        step.task = _step_task(
            actor=actor, deal=deal, step=step, description=model_step.description
        )
        step.save()
        audit.record_create(actor, step)
        created.append(step)
    deal_log(
        actor=actor,
        deal=deal,
        key="plan_steps",
        new=_("Model “%(model)s”: %(steps)s")
        % {"model": model.name, "steps": "; ".join(s.title for s in created)},
    )
    return created


@transaction.atomic
def plan_step_add(
    *,
    actor,
    deal: Deal,
    title: str,
    due_date: Any,
    responsible: Any = None,
    is_required: bool = False,
    description: str = "",
) -> DealPlanStep:
    """Add a step to a deal's plan by hand (a plan may have no model at all).

    The responsible is the deal's owner unless another active user is chosen;
    they get a task due at the deadline.
    """
    _lock_open_deal(actor=actor, deal=deal)
    errors: Errors = {}
    clean_title = _text(title, name="title", errors=errors, limit=300, required=True)
    try:
        day = clean_date(due_date, name="due_date")
    except DomainError as error:
        _add(errors, "due_date", error.message)
        day = None
    else:
        if day is None:
            _add(errors, "due_date", _("This field is required."))
    user = deal.owner
    responsible_id = _pk(responsible)
    if responsible_id is not None:
        user_model = get_user_model()
        chosen = (
            responsible
            if isinstance(responsible, user_model)
            else user_model.objects.filter(pk=responsible_id).first()
        )
        if chosen is None or not chosen.is_active:
            _add(errors, "responsible", _("Choose an active user."))
        else:
            user = chosen
    _raise(errors)
    assert day is not None  # an empty date is an error raised just above
    step = DealPlanStep(
        deal=deal,
        position=_next_position(deal),
        title=clean_title,
        responsible=user,
        due_date=day,
        started_on=timezone.localdate(),
        is_required=_bool(is_required),
    )
    step.task = _step_task(actor=actor, deal=deal, step=step, description=description)
    step.save()
    audit.record_create(actor, step)
    deal_log(actor=actor, deal=deal, key="plan_steps", new=step.title)
    return step


def can_change_plan_step(actor, step: DealPlanStep) -> bool:
    """Whether the actor may change a step's status: who may change the deal, and the
    step's responsible (who may belong to another department)."""
    if not (actor and actor.is_authenticated and actor.is_active):
        return False
    return step.responsible_id == actor.pk or visibility.can(actor, step.deal, "edit")


def _set_step_status(actor, step: DealPlanStep, status: str) -> None:
    before = audit.snapshot(step)
    old_label = step.get_status_display()
    step.status = status
    step.completed_at = timezone.now() if status == PlanStepStatus.DONE else None
    step.save(update_fields=["status", "completed_at"])
    audit.record_update(actor, step, before)
    deal_log(
        actor=actor,
        deal=step.deal,
        key="plan_steps",
        old=f"{step.title}: {old_label}",
        new=f"{step.title}: {step.get_status_display()}",
    )


def _refuse_skipping(step: DealPlanStep) -> None:
    if step.is_required:
        raise DomainError(
            _("The step “%(title)s” is required: it cannot be skipped.")
            % {"title": step.title},
            field="status",
        )


@transaction.atomic
def plan_step_set_status(*, actor, step: DealPlanStep, status: str) -> DealPlanStep:
    """Mark a plan step planned, in progress, done or skipped; its task follows.

    A required step cannot be skipped. The task changes through the services of
    activities (completing the step completes the task), whose listener finds the
    step already in the new status and leaves it.
    """
    if not can_change_plan_step(actor, step):
        raise Forbidden(_("You may not change this deal's plan."))
    if status not in PlanStepStatus.values:
        raise DomainError(
            _("Choose one of: %(values)s.")
            % {"values": ", ".join(str(label) for label in PlanStepStatus.labels)},
            field="status",
        )
    if status == step.status:
        return step
    if status == PlanStepStatus.SKIPPED:
        _refuse_skipping(step)
    _set_step_status(actor, step, status)
    task = Task.objects.filter(pk=step.task_id).first() if step.task_id else None
    if task is not None:
        if status == PlanStepStatus.DONE:
            task_complete(actor=actor, task=task)
        else:
            task_update(actor=actor, task=task, status=TASK_STATUS_OF_STEP[status])
    return step


@transaction.atomic
def plan_step_sync_from_task(*, actor, task: Task, old_status: str) -> None:
    """Bring a plan step to the status of its task (a task status listener).

    Registered with activities' `task_status_listener_register`, so completing the
    task from the task list, the client's card or the API completes the step.
    Cancelling the task of a required step is refused like skipping the step.
    """
    step = DealPlanStep.objects.select_related("deal").filter(task_id=task.pk).first()
    if step is None:
        return
    status = STEP_STATUS_OF_TASK.get(task.status)
    if status is None or status == step.status:
        return
    if status == PlanStepStatus.SKIPPED:
        _refuse_skipping(step)
    _set_step_status(actor, step, status)


def plan_step_overdue_notices_send(*, today: dt.date | None = None) -> int:
    """Tell each responsible once a day how many of their plan steps are overdue.

    Overdue: not done nor skipped, on an open deal, with the deadline before today.
    One notice per person and day whatever the count; the day's notice is looked
    for inside the transaction that writes it (the person's row locked), so running
    the job twice, or again after a crash, sends nothing twice.
    """
    today = today or timezone.localdate()
    day_start = dt.datetime.combine(
        today, dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    counts = (
        DealPlanStep.objects.filter(
            status__in=(PlanStepStatus.PLANNED, PlanStepStatus.IN_PROGRESS),
            due_date__lt=today,
            deal__status=DealStatus.OPEN,
            deal__deleted_at__isnull=True,
        )
        .values("responsible")
        .annotate(overdue=Count("pk"))
        .order_by("responsible")
    )
    overview_url = reverse("sales:plan-overview")
    user_model = get_user_model()
    sent = 0
    for row in counts:
        with transaction.atomic():
            user = (
                user_model.objects.select_for_update()
                .filter(pk=row["responsible"], is_active=True)
                .first()
            )
            if user is None:
                continue
            url = f"{overview_url}?" + urlencode(
                {"responsible": str(user.pk), "state": "overdue"}
            )
            if Notification.objects.filter(
                user=user, url=url, created_at__gte=day_start
            ).exists():
                continue
            with translation.override(language_of(user)):
                title = ngettext(
                    "%(count)d step of deal plans is overdue.",
                    "%(count)d steps of deal plans are overdue.",
                    row["overdue"],
                ) % {"count": row["overdue"]}
                body = _("Mark what is done, or agree new deadlines with the owners.")
            notification_send(user=user, title=title, body=body, url=url)
            sent += 1
    return sent


# --- deriving a model from won deals ------------------------------------------------


def normalised_title(title: str) -> str:
    """A step's title as deals' plans are compared: case, spaces and a final full
    stop do not make another step."""
    return " ".join(title.split()).rstrip(".").casefold()


@dataclass
class ProposedStep:
    """A step that won deals went through, with how often and when."""

    key: str
    title: str
    source: str  # "plan" (done steps of plans) or "stage" (the stage history)
    deals: int
    share: Decimal
    median_days: Decimal
    mean_position: Decimal
    offset_days: int
    suggested: bool = False
    required: bool = False


@dataclass
class Proposal:
    """A typical plan proposed from the won deals of a pipeline."""

    pipeline: Pipeline
    since: dt.date | None
    deals: int
    deals_with_plans: int
    steps: list[ProposedStep] = field(default_factory=list)


def _share(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(min(part, whole)) / Decimal(whole)).quantize(Decimal("0.001"))


def _proposed(*, key, title, source, deals, total, histogram, position) -> ProposedStep:
    median = histogram_median(histogram) or Decimal(0)
    share = _share(deals, total)
    return ProposedStep(
        key=key,
        title=title,
        source=source,
        deals=deals,
        share=share,
        median_days=median,
        mean_position=Decimal(str(position or 0)).quantize(Decimal("0.01")),
        offset_days=int(median.quantize(Decimal(1), rounding=ROUND_HALF_UP)),
        suggested=share >= SUGGEST_SHARE,
        required=share >= REQUIRED_SHARE,
    )


def _plan_steps(won, total: int) -> tuple[list[ProposedStep], int]:
    """Steps from the done plan steps of won deals, merged by normalised title."""
    done = DealPlanStep.objects.filter(
        deal__in=won.values("pk"),
        status=PlanStepStatus.DONE,
        completed_at__isnull=False,
    )
    with_plans = done.values("deal").distinct().count()
    if not with_plans:
        return [], 0
    per_title = done.values("title").annotate(
        deals=Count("deal", distinct=True), position=Avg("position")
    )
    start = Coalesce(
        F("started_on"), F("deal__created_at"), output_field=DateTimeField()
    )
    days = (
        done.annotate(days=DaysBetween(F("completed_at"), start))
        .values("title", "days")
        .annotate(n=Count("pk"))
        .order_by()
    )
    groups: dict[str, dict[str, Any]] = {}
    for row in per_title.order_by():
        key = normalised_title(row["title"])
        group = groups.setdefault(
            key, {"titles": {}, "deals": 0, "weight": 0, "position": 0.0, "days": {}}
        )
        # The spelling most deals used names the merged step.
        group["titles"][row["title"]] = row["deals"]
        group["deals"] += row["deals"]
        group["position"] += float(row["position"] or 0) * row["deals"]
        group["weight"] += row["deals"]
    for row in days:
        histogram = groups[normalised_title(row["title"])]["days"]
        day = max(row["days"] or 0, 0)
        histogram[day] = histogram.get(day, 0) + row["n"]
    proposed = []
    for key, group in groups.items():
        title = min(group["titles"].items(), key=lambda item: (-item[1], item[0]))[0]
        proposed.append(
            _proposed(
                key=f"plan:{key}",
                title=title,
                source="plan",
                deals=group["deals"],
                total=total,
                histogram=group["days"],
                position=group["position"] / group["weight"] if group["weight"] else 0,
            )
        )
    return proposed, with_plans


def _stage_steps(won, pipeline: Pipeline, total: int, taken: set[str]):
    """Steps from the stages won deals without plans passed through."""
    without_plans = won.exclude(
        pk__in=DealPlanStep.objects.filter(status=PlanStepStatus.DONE).values("deal")
    )
    changes = DealStageChange.objects.filter(
        deal__in=without_plans.values("pk"), to_stage__kind=StageKind.OPEN
    )
    per_stage = {
        row["to_stage"]: row["deals"]
        for row in changes.values("to_stage")
        .annotate(deals=Count("deal", distinct=True))
        .order_by()
    }
    if not per_stage:
        return []
    histograms: dict[int, dict[int, int]] = {}
    days = (
        changes.annotate(days=DaysBetween(F("changed_at"), F("deal__created_at")))
        .values("to_stage", "days")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in days:
        histogram = histograms.setdefault(row["to_stage"], {})
        day = max(row["days"] or 0, 0)
        histogram[day] = histogram.get(day, 0) + row["n"]
    proposed = []
    for stage in pipeline.stages.filter(pk__in=per_stage).order_by("position"):
        if normalised_title(stage.name) in taken:
            continue
        proposed.append(
            _proposed(
                key=f"stage:{stage.pk}",
                title=stage.name,
                source="stage",
                deals=per_stage[stage.pk],
                total=total,
                histogram=histograms.get(stage.pk, {}),
                position=stage.position,
            )
        )
    return proposed


def sales_model_derive(
    *, actor, pipeline: Pipeline, since: Any = None, until: Any = None
) -> Proposal:
    """Propose a typical plan from the won deals of a pipeline (a pure read).

    The won deals the actor may see, closed since `since` (and until `until`) when
    given. Their steps are the done steps of their plans, merged by normalised title;
    deals without a plan contribute the stages they passed through instead. For each
    step: how many deals had it and their share of all won deals, the median of the
    whole days from the plan's start (or the deal's creation) to its completion,
    which becomes the proposed offset, and the usual order — by that median, then by
    the step's usual place in the plans. Figures are aggregated in the database; only
    the per-step histograms of days come back.
    """
    since_day = clean_date(since, name="since")
    until_day = clean_date(until, name="until")
    won = visibility.visible(
        Deal.objects.filter(pipeline=pipeline, status=DealStatus.WON), actor
    )
    zone = timezone.get_current_timezone()
    if since_day:
        won = won.filter(
            closed_at__gte=dt.datetime.combine(since_day, dt.time.min, zone)
        )
    if until_day:
        end = dt.datetime.combine(until_day + dt.timedelta(days=1), dt.time.min, zone)
        won = won.filter(closed_at__lt=end)
    total = won.count()
    proposal = Proposal(
        pipeline=pipeline, since=since_day, deals=total, deals_with_plans=0
    )
    if not total:
        return proposal
    plan_steps, proposal.deals_with_plans = _plan_steps(won, total)
    taken = {step.key.split(":", 1)[1] for step in plan_steps}
    steps = plan_steps
    if proposal.deals_with_plans < total:
        steps = steps + _stage_steps(won, pipeline, total, taken)
    steps.sort(key=lambda s: (s.median_days, s.mean_position, s.title))
    proposal.steps = steps
    return proposal


@transaction.atomic
def sales_model_create_from_proposal(
    *,
    actor,
    pipeline: Pipeline,
    name: str,
    steps: Iterable[Mapping[str, Any]],
    since: Any = None,
    description: str = "",
) -> SalesModel:
    """Save the steps a head kept of a proposal as a new model of the pipeline.

    The proposal is derived again here, so the number of won deals the model is
    learnt from (`derived_from_deals`) is the database's, not the form's. Steps are
    ordered by their offsets (the order the form showed them in breaks ties).
    """
    _ensure_can_manage(actor)
    proposal = sales_model_derive(actor=actor, pipeline=pipeline, since=since)
    if not proposal.deals:
        raise DomainError(
            _("There are no won deals in this pipeline to learn from."),
            field="pipeline",
        )
    chosen = list(steps)
    if not chosen:
        raise DomainError(_("Keep at least one step."), field="steps")
    errors: Errors = {}
    # Checked in the form's order, so each error names the row the head sees.
    built = _new_steps(SalesModel(), chosen, errors)
    _raise(errors)
    ordered = sorted(enumerate(built), key=lambda item: (item[1].offset_days, item[0]))
    return sales_model_create(
        actor=actor,
        name=name,
        description=description,
        pipeline=pipeline,
        steps=[chosen[index] for index, _step in ordered],
        derived_from_deals=proposal.deals,
    )
