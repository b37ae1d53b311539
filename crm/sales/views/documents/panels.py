"""What documents add to other cards: the deal's documents, a client's sales
figures, and cross-sell suggestions."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from crm.core import visibility
from crm.core.errors import NotFound
from crm.sales.forms.documents import (
    InvoiceIssueForm,
    OrderIssueForm,
    ProposalIssueForm,
)
from crm.sales.models import DealStatus, OrderStatus
from crm.sales.selectors import documents as selectors
from crm.sales.services.approvals import deal_documents_allowed


def deal_documents_context(request, deal) -> dict[str, Any] | None:
    """The documents panel of a deal's card: issue buttons and the documents."""
    actor = request.user
    if deal.deleted_at is not None or not visibility.can(actor, deal):
        return None
    data = selectors.deal_documents(actor=actor, deal=deal)
    can_edit = visibility.can(actor, deal, "edit")
    allowed, reason = deal_documents_allowed(deal) if can_edit else (False, "")
    open_orders = [o for o in data["orders"] if o.status != OrderStatus.CANCELLED]
    can_issue = can_edit and allowed and deal.status != DealStatus.LOST
    return {
        "deal": deal,
        **data,
        "can_edit": can_edit,
        "can_issue": can_issue,
        "refusal": reason,
        "is_lost": deal.status == DealStatus.LOST,
        "proposal_form": ProposalIssueForm(auto_id="id_proposal_%s"),
        "order_form": OrderIssueForm(auto_id="id_order_%s"),
        "invoice_form": InvoiceIssueForm(auto_id="id_invoice_%s", orders=open_orders),
        "can_record_sale": can_edit
        and deal.status == DealStatus.WON
        and not data["figures"]
        and not data["orders"],
        "has_requisites": not can_issue or selectors.own_company_exists(),
        "is_admin": visibility.is_admin(actor),
    }


def company_sales_context(request, company) -> dict[str, Any] | None:
    """A client's revenue and margin, unpaid balance, latest orders and invoices."""
    if company.deleted_at is not None or not visibility.can(request.user, company):
        return None
    summary = selectors.company_sales_summary(actor=request.user, company=company)
    if not (summary["figures"] or summary["orders"] or summary["invoices"]):
        return None  # a prospect with nothing sold yet: no empty block on the card
    return {
        "company": company,
        **summary,
        "orders_url": f"{reverse('sales:order-list')}?company={company.pk}",
        "invoices_url": f"{reverse('sales:invoice-list')}?company={company.pk}",
    }


def cross_sell_context(request, company) -> dict[str, Any] | None:
    """What to offer the client next, with the reason."""
    try:
        suggestions = selectors.cross_sell_suggestions(
            actor=request.user, company=company
        )
    except NotFound:
        return None
    if not suggestions:
        return None
    return {"company": company, "suggestions": suggestions}
