"""The columns each kind of sales row fills, in order; `bulk.Table` adds the rest."""

from __future__ import annotations

from django.db import models

from crm.activities.models import Task
from crm.demo import bulk, rows
from crm.sales.models import (
    Deal,
    DealLine,
    DealParticipant,
    DealPlanStep,
    DealStageChange,
    DocumentLine,
    Invoice,
    Lead,
    Order,
    Payment,
    Proposal,
    Sale,
)

DEAL_COLUMNS = (
    "id", "title", "company_id", "contact_id", "owner_id", "pipeline_id", "stage_id",
    "status", "stage_changed_at", "price_list_id", "currency", "amount", "probability",
    "expected_close_date", "closed_at", "source_id", "lost_reason_id", "lost_comment",
    "lead_id", "description", "external_id", "search_text", "created_at",
    "updated_at", "created_by_id",
)  # fmt: skip
LINE_COLUMNS = (
    "deal_id", "position", "product_id", "name", "unit", "quantity", "price",
    "discount_percent", "vat_rate", "net_amount", "vat_amount", "total_amount",
    "cost_price",
)  # fmt: skip
CHANGE_COLUMNS = (
    "deal_id",
    "from_stage_id",
    "to_stage_id",
    "changed_by_id",
    "changed_at",
)
PARTICIPANT_COLUMNS = ("deal_id", "side", "contact_id", "user_id", "company_id", "role")
TASKS_SEARCHED = rows.SEARCHED["tasks"][2]
TASK_COLUMNS = ("id", *rows.TASK_COLUMNS)
STEP_COLUMNS = (
    "deal_id", "model_step_id", "position", "title", "responsible_id", "due_date",
    "started_on", "is_required", "status", "task_id", "completed_at", "created_at",
)  # fmt: skip
_DOCUMENT = (
    "id", "number", "year", "date", "deal_id", "company_id", "contact_id",
    "own_company_id", "currency", "net_amount", "vat_amount", "total_amount",
    "comment", "parties", "created_by_id", "created_at", "sent_at",
)  # fmt: skip
PROPOSAL_COLUMNS = (*_DOCUMENT, "valid_until", "status")
ORDER_COLUMNS = (*_DOCUMENT, "status", "status_changed_at")
INVOICE_COLUMNS = (*_DOCUMENT, "order_id", "due_date", "status", "paid_amount")
DOCUMENT_LINE_COLUMNS = ("proposal_id", "order_id", "invoice_id", *LINE_COLUMNS[1:])
PAYMENT_COLUMNS = (
    "invoice_id", "date", "amount", "reference", "comment", "recorded_by_id",
    "created_at",
)  # fmt: skip
SALE_COLUMNS = (
    "deal_id", "order_id", "company_id", "manager_id", "date", "currency", "revenue",
    "cost", "margin", "created_by_id", "created_at",
)  # fmt: skip
LEAD_COLUMNS = (
    "id", "title", "company_name", "inn", "last_name", "first_name", "middle_name",
    "job_title", "email", "phone", "region", "industry_id", "source_id", "owner_id",
    "status", "rejection_reason", "description", "form_data", "company_id",
    "contact_id", "converted_at", "external_id", "search_text", "created_at",
    "updated_at", "created_by_id",
)  # fmt: skip
# The models a sales load writes, in the order their rows are inserted (a row after
# the rows it points to).
LOADED: tuple[type[models.Model], ...] = (
    Lead, Deal, DealLine, DealStageChange, DealParticipant, Task, DealPlanStep,
    Proposal, Order, Invoice, DocumentLine, Payment, Sale,
)  # fmt: skip


def tables() -> dict[str, bulk.Table]:
    """The insert statement of each kind of sales row, by its name in SalesRows."""
    return {
        "leads": bulk.Table(Lead, LEAD_COLUMNS),
        "deals": bulk.Table(Deal, DEAL_COLUMNS),
        "lines": bulk.Table(DealLine, LINE_COLUMNS),
        "changes": bulk.Table(DealStageChange, CHANGE_COLUMNS),
        "participants": bulk.Table(DealParticipant, PARTICIPANT_COLUMNS),
        "tasks": bulk.Table(Task, TASK_COLUMNS),
        "steps": bulk.Table(DealPlanStep, STEP_COLUMNS),
        "proposals": bulk.Table(Proposal, PROPOSAL_COLUMNS),
        "orders": bulk.Table(Order, ORDER_COLUMNS),
        "invoices": bulk.Table(Invoice, INVOICE_COLUMNS),
        "document_lines": bulk.Table(DocumentLine, DOCUMENT_LINE_COLUMNS),
        "payments": bulk.Table(Payment, PAYMENT_COLUMNS),
        "sales": bulk.Table(Sale, SALE_COLUMNS),
    }
