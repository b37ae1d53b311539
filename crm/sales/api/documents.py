"""Documents in the HTTP API: proposals, orders and invoices issued from deals, their
PDFs, statuses, letters and payments; recorded sales and the margin report;
cross-sell suggestions; our requisites.

Routes parse, call one selector or service with the caller as actor, and render;
errors become 403/404/422 in the handlers of `crm.api`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from crm.core.errors import DomainError
from crm.core.schemas import ordered, paginate
from crm.customers.selectors import company_get
from crm.sales.schemas.documents import (
    CrossSellListOut,
    DocumentFilter,
    InvoiceFilter,
    InvoiceIn,
    InvoiceListOut,
    InvoiceOut,
    MarginFilter,
    MarginReportOut,
    OrderIn,
    OrderListOut,
    OrderOut,
    OwnCompanyIn,
    OwnCompanyListOut,
    OwnCompanyOut,
    OwnCompanyPatch,
    PaymentIn,
    PaymentListOut,
    PaymentOut,
    ProposalIn,
    ProposalListOut,
    ProposalOut,
    SaleFilter,
    SaleIn,
    SaleListOut,
    SaleOut,
    SendIn,
    StatusIn,
)
from crm.sales.selectors import documents as selectors
from crm.sales.services import documents as services

router = Router()

DOCUMENT_ORDERING = {
    "date": "date",
    "number": "number",
    "total_amount": "total_amount",
    "status": "status",
    "created_at": "created_at",
}
INVOICE_ORDERING = {
    **DOCUMENT_ORDERING,
    "due_date": "due_date",
    "paid_amount": "paid_amount",
}
SALE_ORDERING = {
    "date": "date",
    "revenue": "revenue",
    "margin": "margin",
    "created_at": "created_at",
}
PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "The document as a PDF file.",
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    }
}


def _list(request, kind: str, filters, allowed: dict[str, str]) -> dict[str, Any]:
    queryset = selectors.document_list(
        actor=request.user,
        kind=kind,
        filters=filters.dict(exclude={"page", "page_size", "ordering"}),
    )
    queryset = ordered(queryset, filters.ordering, allowed)
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


def _pdf(document) -> HttpResponse:
    response = HttpResponse(
        services.document_pdf(document), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        content_disposition_header(
            as_attachment=True, filename=services.pdf_filename(document)
        )
        or "attachment"
    )
    return response


def _send(request, document, payload: SendIn):
    services.document_send(
        actor=request.user,
        document=document,
        to=payload.to,
        subject=payload.subject,
        message=payload.message,
    )
    return selectors.document_get(
        actor=request.user, kind=document.number_kind, document_id=document.pk
    )


# --- proposals ------------------------------------------------------------------------


@router.get(
    "/proposals",
    response=ProposalListOut,
    operation_id="proposal_list",
    tags=["proposals"],
)
def list_proposals(request, filters: Query[DocumentFilter]):
    """Proposals of the deals you can see."""
    return _list(request, "proposal", filters, DOCUMENT_ORDERING)


@router.post(
    "/proposals",
    response={201: ProposalOut},
    operation_id="proposal_issue",
    tags=["proposals"],
)
def issue_proposal(request, payload: ProposalIn):
    """Issue a proposal (КП) from a deal's composition, as a draft."""
    deal = selectors.deal_for_documents(actor=request.user, deal_id=payload.deal_id)
    proposal = services.proposal_issue(
        actor=request.user,
        deal=deal,
        date=payload.date,
        valid_until=payload.valid_until,
        comment=payload.comment,
    )
    return Status(
        201, selectors.proposal_get(actor=request.user, proposal_id=proposal.pk)
    )


@router.get(
    "/proposals/{proposal_id}",
    response=ProposalOut,
    operation_id="proposal_get",
    tags=["proposals"],
)
def get_proposal(request, proposal_id: int):
    return selectors.proposal_get(actor=request.user, proposal_id=proposal_id)


@router.post(
    "/proposals/{proposal_id}/status",
    response=ProposalOut,
    operation_id="proposal_set_status",
    tags=["proposals"],
)
def set_proposal_status(request, proposal_id: int, payload: StatusIn):
    proposal = selectors.proposal_get(actor=request.user, proposal_id=proposal_id)
    services.proposal_set_status(
        actor=request.user, proposal=proposal, status=payload.status
    )
    return selectors.proposal_get(actor=request.user, proposal_id=proposal_id)


@router.delete(
    "/proposals/{proposal_id}",
    response={204: None},
    operation_id="proposal_delete",
    tags=["proposals"],
)
def delete_proposal(request, proposal_id: int):
    """Delete a draft: only the latest of its year, so numbers keep no gaps."""
    proposal = selectors.proposal_get(actor=request.user, proposal_id=proposal_id)
    services.proposal_delete(actor=request.user, proposal=proposal)
    return Status(204, None)


@router.get(
    "/proposals/{proposal_id}/pdf",
    operation_id="proposal_pdf",
    tags=["proposals"],
    openapi_extra=PDF_RESPONSE,
)
def proposal_pdf(request, proposal_id: int):
    return _pdf(selectors.proposal_get(actor=request.user, proposal_id=proposal_id))


@router.post(
    "/proposals/{proposal_id}/send",
    response=ProposalOut,
    operation_id="proposal_send",
    tags=["proposals"],
)
def send_proposal(request, proposal_id: int, payload: SendIn):
    """E-mail the proposal with its PDF attached; a draft becomes "sent"."""
    proposal = selectors.proposal_get(actor=request.user, proposal_id=proposal_id)
    return _send(request, proposal, payload)


# --- orders -------------------------------------------------------------------------


@router.get(
    "/orders", response=OrderListOut, operation_id="order_list", tags=["orders"]
)
def list_orders(request, filters: Query[DocumentFilter]):
    """Orders of the deals you can see."""
    return _list(request, "order", filters, DOCUMENT_ORDERING)


@router.post(
    "/orders", response={201: OrderOut}, operation_id="order_issue", tags=["orders"]
)
def issue_order(request, payload: OrderIn):
    """Register an order from a deal's composition (status "new")."""
    deal = selectors.deal_for_documents(actor=request.user, deal_id=payload.deal_id)
    order = services.order_issue(
        actor=request.user, deal=deal, date=payload.date, comment=payload.comment
    )
    return Status(201, selectors.order_get(actor=request.user, order_id=order.pk))


@router.get(
    "/orders/{order_id}", response=OrderOut, operation_id="order_get", tags=["orders"]
)
def get_order(request, order_id: int):
    return selectors.order_get(actor=request.user, order_id=order_id)


@router.post(
    "/orders/{order_id}/status",
    response=OrderOut,
    operation_id="order_set_status",
    tags=["orders"],
)
def set_order_status(request, order_id: int, payload: StatusIn):
    """new → confirmed → shipped → done; cancelled before shipping."""
    order = selectors.order_get(actor=request.user, order_id=order_id)
    services.order_set_status(actor=request.user, order=order, status=payload.status)
    return selectors.order_get(actor=request.user, order_id=order_id)


@router.delete(
    "/orders/{order_id}",
    response={204: None},
    operation_id="order_delete",
    tags=["orders"],
)
def delete_order(request, order_id: int):
    """Orders are never deleted (422): cancel them with the status instead."""
    services.document_refuse_delete(
        selectors.order_get(actor=request.user, order_id=order_id)
    )


@router.get(
    "/orders/{order_id}/pdf",
    operation_id="order_pdf",
    tags=["orders"],
    openapi_extra=PDF_RESPONSE,
)
def order_pdf(request, order_id: int):
    return _pdf(selectors.order_get(actor=request.user, order_id=order_id))


@router.post(
    "/orders/{order_id}/send",
    response=OrderOut,
    operation_id="order_send",
    tags=["orders"],
)
def send_order(request, order_id: int, payload: SendIn):
    order = selectors.order_get(actor=request.user, order_id=order_id)
    return _send(request, order, payload)


# --- invoices -----------------------------------------------------------------------


@router.get(
    "/invoices",
    response=InvoiceListOut,
    operation_id="invoice_list",
    tags=["invoices"],
)
def list_invoices(request, filters: Query[InvoiceFilter]):
    """Invoices of the deals you can see; `unpaid`, `overdue` narrow them."""
    return _list(request, "invoice", filters, INVOICE_ORDERING)


@router.post(
    "/invoices",
    response={201: InvoiceOut},
    operation_id="invoice_issue",
    tags=["invoices"],
)
def issue_invoice(request, payload: InvoiceIn):
    """Issue an invoice from a deal's composition (or from one of its orders)."""
    deal = selectors.deal_for_documents(actor=request.user, deal_id=payload.deal_id)
    order = None
    if payload.order_id is not None:
        order = selectors.order_get(actor=request.user, order_id=payload.order_id)
    invoice = services.invoice_issue(
        actor=request.user,
        deal=deal,
        order=order,
        date=payload.date,
        due_date=payload.due_date,
        comment=payload.comment,
    )
    return Status(201, selectors.invoice_get(actor=request.user, invoice_id=invoice.pk))


@router.get(
    "/invoices/{invoice_id}",
    response=InvoiceOut,
    operation_id="invoice_get",
    tags=["invoices"],
)
def get_invoice(request, invoice_id: int):
    return selectors.invoice_get(actor=request.user, invoice_id=invoice_id)


@router.post(
    "/invoices/{invoice_id}/cancel",
    response=InvoiceOut,
    operation_id="invoice_cancel",
    tags=["invoices"],
)
def cancel_invoice(request, invoice_id: int):
    """Cancel an invoice nothing has been paid against."""
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    services.invoice_cancel(actor=request.user, invoice=invoice)
    return selectors.invoice_get(actor=request.user, invoice_id=invoice_id)


@router.delete(
    "/invoices/{invoice_id}",
    response={204: None},
    operation_id="invoice_delete",
    tags=["invoices"],
)
def delete_invoice(request, invoice_id: int):
    """Invoices are never deleted (422): cancel them instead."""
    services.document_refuse_delete(
        selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    )


@router.get(
    "/invoices/{invoice_id}/pdf",
    operation_id="invoice_pdf",
    tags=["invoices"],
    openapi_extra=PDF_RESPONSE,
)
def invoice_pdf(request, invoice_id: int):
    """The invoice as a PDF (счёт на оплату)."""
    return _pdf(selectors.invoice_get(actor=request.user, invoice_id=invoice_id))


@router.post(
    "/invoices/{invoice_id}/send",
    response=InvoiceOut,
    operation_id="invoice_send",
    tags=["invoices"],
)
def send_invoice(request, invoice_id: int, payload: SendIn):
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    return _send(request, invoice, payload)


@router.get(
    "/invoices/{invoice_id}/payments",
    response=PaymentListOut,
    operation_id="payment_list",
    tags=["invoices"],
)
def list_payments(request, invoice_id: int):
    payments = list(selectors.payment_list(actor=request.user, invoice_id=invoice_id))
    return {"items": payments, "count": len(payments)}


@router.post(
    "/invoices/{invoice_id}/payments",
    response={201: PaymentOut},
    operation_id="payment_record",
    tags=["invoices"],
)
def record_payment(request, invoice_id: int, payload: PaymentIn):
    """Record money received; the invoice becomes partly paid or paid."""
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    payment = services.payment_record(
        actor=request.user,
        invoice=invoice,
        amount=payload.amount,
        date=payload.date,
        reference=payload.reference,
        comment=payload.comment,
    )
    return Status(201, payment)


# --- recorded sales -----------------------------------------------------------------


@router.get("/sales", response=SaleListOut, operation_id="sale_list", tags=["sales"])
def list_sales(request, filters: Query[SaleFilter]):
    """Recorded sales of the deals you can see."""
    queryset = selectors.sale_list(
        actor=request.user,
        filters=filters.dict(exclude={"page", "page_size", "ordering", "q"}),
    )
    queryset = ordered(queryset, filters.ordering, SALE_ORDERING)
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


@router.post(
    "/sales", response={201: SaleOut}, operation_id="sale_record", tags=["sales"]
)
def record_sale(request, payload: SaleIn):
    """Record a sale from an order, or from a won deal: revenue, cost, margin."""
    order = deal = None
    if payload.order_id is not None:
        order = selectors.order_get(actor=request.user, order_id=payload.order_id)
    if payload.deal_id is not None:
        deal = selectors.deal_for_documents(actor=request.user, deal_id=payload.deal_id)
    if order is not None and deal is not None:
        raise DomainError(_("Give an order or a deal, not both."), field="deal_id")
    sale = services.sale_record(
        actor=request.user, order=order, deal=deal, date=payload.date
    )
    return Status(201, sale)


@router.get(
    "/sales/margin",
    response=MarginReportOut,
    operation_id="margin_report",
    tags=["sales"],
)
def margin(request, filters: Query[MarginFilter]):
    """Revenue, cost of goods and margin per manager, company or deal."""
    period = {"date_from": filters.date_from, "date_to": filters.date_to}
    rows = selectors.margin_report(
        actor=request.user, group_by=filters.group_by, filters=period
    )
    totals = selectors.sale_figures(actor=request.user, filters=period)
    return {
        "group_by": filters.group_by,
        "rows": rows,
        "totals": totals,
    }


@router.get(
    "/companies/{company_id}/cross-sell",
    response=CrossSellListOut,
    operation_id="cross_sell_suggestions",
    tags=["sales"],
)
def cross_sell(request, company_id: int):
    """What to offer a client: bought by others who bought what they bought."""
    company = company_get(actor=request.user, company_id=company_id)
    suggestions = selectors.cross_sell_suggestions(actor=request.user, company=company)
    return {
        "items": [
            {
                "product_id": s.product.pk,
                "product_name": s.product.name,
                "because_product_id": s.because.pk,
                "because_product_name": s.because.name,
                "percent": s.percent,
                "clients_both": s.clients_both,
                "clients_product": s.clients_product,
                "reason": _(
                    "bought by %(percent)s %% of clients who bought %(product)s"
                )
                % {"percent": s.percent, "product": s.because.name},
            }
            for s in suggestions
        ]
    }


# --- our requisites -----------------------------------------------------------------


@router.get(
    "/own-companies",
    response=OwnCompanyListOut,
    operation_id="own_company_list",
    tags=["requisites"],
)
def list_own_companies(request):
    """Our legal entities as documents print them (administrators)."""
    companies = list(selectors.own_company_list(actor=request.user))
    return {"items": companies, "count": len(companies)}


@router.post(
    "/own-companies",
    response={201: OwnCompanyOut},
    operation_id="own_company_create",
    tags=["requisites"],
)
def create_own_company(request, payload: OwnCompanyIn):
    own = services.own_company_create(actor=request.user, **payload.dict())
    return Status(201, own)


@router.patch(
    "/own-companies/{own_company_id}",
    response=OwnCompanyOut,
    operation_id="own_company_update",
    tags=["requisites"],
)
def update_own_company(request, own_company_id: int, payload: OwnCompanyPatch):
    own = selectors.own_company_get(actor=request.user, own_company_id=own_company_id)
    return services.own_company_update(
        actor=request.user, own_company=own, **payload.dict(exclude_unset=True)
    )
