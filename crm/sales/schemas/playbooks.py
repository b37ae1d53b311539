"""API schemas of typical sales models and deals' action plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from crm.core.schemas import ListQuery
from crm.core.visibility import Role
from crm.sales.models import PlanStepStatus


class SalesModelStepIn(Schema):
    """A step of a model; with `id` (in a PATCH) an existing step is changed."""

    id: int | None = None
    title: str = Field(..., max_length=300)
    description: str = ""
    responsible_role: Role | None = Field(
        None, description="Who does it by role; or give a department."
    )
    responsible_team_id: int | None = Field(
        None, description="The department (team) whose head does it."
    )
    offset_days: int = Field(0, description="The deadline, days from the plan start.")
    is_required: bool = True


class SalesModelStepOut(Schema):
    id: int
    position: int
    title: str
    description: str
    responsible_role: str
    responsible_team_id: int | None
    offset_days: int
    is_required: bool


class SalesModelIn(Schema):
    name: str = Field(..., max_length=200)
    description: str = ""
    pipeline_id: int | None = None
    is_active: bool = True
    steps: list[SalesModelStepIn] = []


class SalesModelPatch(Schema):
    """Fields to change; `steps`, when sent, is the whole new list (steps with an
    `id` kept and changed, others added, those left out removed)."""

    name: str | None = Field(None, max_length=200)
    description: str | None = None
    pipeline_id: int | None = None
    is_active: bool | None = None
    steps: list[SalesModelStepIn] | None = None


class SalesModelOut(Schema):
    id: int
    name: str
    description: str
    pipeline_id: int | None
    is_active: bool
    derived_from_deals: int
    created_at: dt.datetime
    steps: list[SalesModelStepOut]

    @staticmethod
    def resolve_steps(obj) -> list:
        # `sales_model_get` loads the steps in order.
        return list(obj.steps.all())


class SalesModelListItem(Schema):
    id: int
    name: str
    pipeline_id: int | None
    is_active: bool
    derived_from_deals: int
    step_count: int


class SalesModelListOut(Schema):
    items: list[SalesModelListItem]
    count: int


class SalesModelFilter(ListQuery):
    pipeline: int | None = None
    is_active: bool | None = None


class ProposalQuery(Schema):
    pipeline: int
    since: dt.date | None = None


class ProposedStepOut(Schema):
    key: str
    title: str
    source: str = Field(..., description="plan (done plan steps) or stage (history)")
    deals: int
    share: Decimal = Field(..., description="Share of the won deals, 0…1.")
    median_days: Decimal | None
    offset_days: int
    suggested: bool
    required: bool


class ProposalOut(Schema):
    pipeline_id: int
    since: dt.date | None
    deals: int
    deals_with_plans: int
    steps: list[ProposedStepOut]

    @staticmethod
    def resolve_pipeline_id(obj) -> int:
        return obj.pipeline.pk


class ProposalStepIn(Schema):
    title: str = Field(..., max_length=300)
    offset_days: int = 0
    is_required: bool = True
    responsible_role: Role | None = None
    responsible_team_id: int | None = None


class ProposalSaveIn(Schema):
    """Save the steps kept of a proposal as a new model of the pipeline."""

    name: str = Field(..., max_length=200)
    description: str = ""
    pipeline_id: int
    since: dt.date | None = None
    steps: list[ProposalStepIn]


# --- plans ------------------------------------------------------------------------------


class ApplyModelIn(Schema):
    model_id: int
    start: dt.date | None = Field(None, description="The plan's first day; today.")


class PlanStepIn(Schema):
    """A step added to a deal's plan by hand."""

    title: str = Field(..., max_length=300)
    due_date: dt.date
    responsible_id: int | None = Field(None, description="The deal's owner if absent.")
    is_required: bool = False
    description: str = ""


class PlanStepPatch(Schema):
    status: PlanStepStatus


class PlanStepOut(Schema):
    id: int
    deal_id: int
    position: int
    title: str
    responsible_id: int
    responsible: str
    due_date: dt.date
    started_on: dt.date | None
    is_required: bool
    status: str
    completed_at: dt.datetime | None
    task_id: int | None
    model_step_id: int | None

    @staticmethod
    def resolve_responsible(obj) -> str:
        return str(obj.responsible)


class PlanOut(Schema):
    deal_id: int
    steps: list[PlanStepOut]


class OverviewStepOut(PlanStepOut):
    state: str
    deal_title: str

    @staticmethod
    def resolve_deal_title(obj) -> str:
        return obj.deal.title


class OverviewQuery(Schema):
    team: int | None = None
    manager: int | None = None
    pipeline: int | None = None
    responsible: int | None = None
    state: str | None = Field(None, description="overdue, at_risk or fine")
    days: int | None = Field(None, description="At risk within this many days (3).")
    group: str | None = Field(None, description="deal or responsible")
    page: int = 1
    page_size: int = 50


class OverviewOut(Schema):
    overdue: int
    at_risk: int
    fine: int
    items: list[OverviewStepOut]
    count: int
