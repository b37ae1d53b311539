"""Shapes of pipelines, deals, their lines and participants, and discount approvals in
the HTTP API. Money and quantities are decimal strings ("1220.00"), never floats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from crm.core.schemas import ListQuery

# --- pipelines and stages ------------------------------------------------------------------


class StageOut(Schema):
    id: int
    name: str
    position: int
    probability: int = Field(description="Default probability of deals here, %.")
    kind: str = Field(description="`open`, `won` or `lost`.")


class StageIn(Schema):
    name: str
    probability: int = 0
    kind: str = Field("open", description="`open`, `won` or `lost`.")
    position: int | None = Field(
        None, description="0 = first; left out: after the last stage."
    )


class StagePatch(Schema):
    name: str | None = None
    probability: int | None = None
    kind: str | None = None


class PipelineOut(Schema):
    id: int
    name: str
    position: int
    is_default: bool
    is_active: bool
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(obj) -> list:
        return list(obj.stages.all())


class PipelineIn(Schema):
    """A new pipeline; without `stages` it starts with one stage in progress, one
    won and one lost."""

    name: str
    is_default: bool = False
    is_active: bool = True
    stages: list[StageIn] | None = None


class PipelinePatch(Schema):
    name: str | None = None
    is_default: bool | None = None
    is_active: bool | None = None


class PipelineFilter(ListQuery):
    include_inactive: bool = False


class PipelineListOut(Schema):
    items: list[PipelineOut]
    count: int


class LostReasonOut(Schema):
    id: int
    name: str
    name_en: str
    name_ru: str
    position: int
    is_active: bool


class LostReasonListOut(Schema):
    items: list[LostReasonOut]
    count: int


# --- deals --------------------------------------------------------------------------------


class DealLineOut(Schema):
    id: int
    position: int
    product_id: int | None
    name: str
    unit: str
    quantity: Decimal
    price: Decimal
    discount_percent: Decimal
    vat_rate: Decimal | None = Field(description="%, null: without VAT.")
    net_amount: Decimal = Field(description="Without VAT, computed by the server.")
    vat_amount: Decimal
    total_amount: Decimal = Field(description="With VAT, computed by the server.")


class DealLineIn(Schema):
    """A line: a product (its name, unit, VAT and price list price come with it)
    or a named item with a price."""

    product_id: int | None = None
    name: str | None = None
    unit: str | None = None
    quantity: Decimal = Field(Decimal(1), description="Greater than zero.")
    price: Decimal | None = Field(
        None, description="Left out: the product's price in the price list."
    )
    discount_percent: Decimal = Field(Decimal(0), description="0–100.")
    vat_rate_id: int | None = Field(None, description="Left out: the product's.")
    price_list_id: int | None = Field(
        None,
        description="Take the price from this price list (in the deal's currency) "
        "instead of the deal's.",
    )


class DealLinePatch(Schema):
    product_id: int | None = None
    name: str | None = None
    unit: str | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    discount_percent: Decimal | None = None
    vat_rate_id: int | None = None
    version: int | None = Field(
        None, description="The deal's version you loaded: a stale one is 409."
    )


class DealLineListOut(Schema):
    items: list[DealLineOut]
    count: int


class ParticipantOut(Schema):
    id: int
    side: str = Field(description="`client`, `ours` or `partner`.")
    contact_id: int | None
    user_id: int | None
    company_id: int | None
    role: str
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj.user or obj.contact)


class ParticipantIn(Schema):
    """The client's contact (`contact_id`), our member of staff (`user_id`), or a
    partner's contact with the partner company (`contact_id` and `company_id`)."""

    side: str
    contact_id: int | None = None
    user_id: int | None = None
    company_id: int | None = None
    role: str = ""


class ParticipantListOut(Schema):
    items: list[ParticipantOut]
    count: int


class StageChangeOut(Schema):
    id: int
    from_stage_id: int | None
    to_stage_id: int
    changed_by_id: int | None
    changed_at: dt.datetime


class ApprovalOut(Schema):
    id: int
    deal_id: int
    deal_title: str
    discount_percent: Decimal
    status: str = Field(description="`pending`, `approved` or `rejected`.")
    requested_by_id: int
    approver_id: int
    comment: str
    decision_comment: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_deal_title(obj) -> str:
        return obj.deal.title


class ApprovalListOut(Schema):
    items: list[ApprovalOut]
    count: int


class ApprovalFilter(ListQuery):
    status: str | None = None
    awaiting_me: bool = Field(
        False, description="Only the pending requests waiting for your decision."
    )
    deal_id: int | None = None


class ApprovalDecisionIn(Schema):
    comment: str = Field("", description="Required to reject.")


class DealOut(Schema):
    id: int
    title: str
    company_id: int | None
    company_name: str
    contact_id: int | None
    owner_id: int
    pipeline_id: int
    stage_id: int
    stage_name: str
    status: str = Field(description="`open`, `won` or `lost`, from the stage.")
    stage_changed_at: dt.datetime
    price_list_id: int | None
    currency: str
    amount: Decimal = Field(description="The total of the lines with VAT.")
    probability: int
    expected_close_date: dt.date | None
    closed_at: dt.datetime | None
    source_id: int | None
    lost_reason_id: int | None
    lost_comment: str
    lead_id: int | None
    description: str
    external_id: str
    version: int = Field(description="Send it back with a change: a stale one is 409.")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_company_name(obj) -> str:
        return obj.company.name if obj.company_id else ""

    @staticmethod
    def resolve_stage_name(obj) -> str:
        return obj.stage.name


class DealDetailOut(DealOut):
    lines: list[DealLineOut]
    participants: list[ParticipantOut]
    stage_history: list[StageChangeOut]
    approvals: list[ApprovalOut]
    documents_allowed: bool = Field(
        description="Whether documents may be issued (no pending or rejected "
        "discount approval stands in the way)."
    )
    documents_refusal: str

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_participants(obj) -> list:
        return list(obj.participants.all())

    @staticmethod
    def resolve_stage_history(obj) -> list:
        return list(obj.stage_changes.all())

    @staticmethod
    def resolve_approvals(obj) -> list:
        return list(obj.approvals.all())

    @staticmethod
    def resolve_documents_allowed(obj) -> bool:
        return obj.documents_check[0]

    @staticmethod
    def resolve_documents_refusal(obj) -> str:
        return str(obj.documents_check[1])


class DealIn(Schema):
    """A new deal. Left out: the owner is you, the pipeline the default one, the
    stage its first open stage, the price list the default one (the deal takes its
    currency), the probability the stage's. `amount` only without lines."""

    title: str
    company_id: int | None = None
    contact_id: int | None = None
    owner_id: int | None = None
    pipeline_id: int | None = None
    stage_id: int | None = None
    price_list_id: int | None = None
    currency: str | None = None
    amount: Decimal | None = None
    probability: int | None = None
    expected_close_date: dt.date | None = None
    source_id: int | None = None
    lead_id: int | None = None
    description: str = ""
    external_id: str = ""
    lines: list[DealLineIn] = []
    participants: list[ParticipantIn] = []


class DealPatch(Schema):
    """A change to a deal: only the fields sent change. The stage changes through
    `POST deals/{id}/move`; a new `pipeline_id` puts the deal in its first open
    stage."""

    title: str | None = None
    company_id: int | None = None
    contact_id: int | None = None
    owner_id: int | None = None
    pipeline_id: int | None = None
    price_list_id: int | None = None
    currency: str | None = None
    amount: Decimal | None = None
    probability: int | None = None
    expected_close_date: dt.date | None = None
    source_id: int | None = None
    description: str | None = None
    external_id: str | None = None
    version: int | None = Field(
        None, description="The version you loaded: a stale one is 409."
    )


class DealFilter(ListQuery):
    status: str | None = Field(None, description="`open`, `won` or `lost`.")
    pipeline_id: int | None = None
    stage_id: int | None = None
    owner_id: int | None = None
    company_id: int | None = None
    contact_id: int | None = None
    currency: str | None = None
    expected_from: dt.date | None = None
    expected_to: dt.date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None


class DealListOut(Schema):
    items: list[DealOut]
    count: int


class DealMoveIn(Schema):
    stage_id: int
    lost_reason_id: int | None = Field(None, description="Required for a lost stage.")
    lost_comment: str = ""
    version: int | None = Field(
        None, description="The version you loaded: a stale one is 409."
    )
