"""Document pages: issuing from a deal, a document's page with its actions, the
PDF, the letter to the client, payments and recorded sales."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.activities.views.base import domain_errors
from crm.core import visibility
from crm.core.errors import DomainError
from crm.core.forms import apply_domain_error
from crm.sales.forms.documents import (
    ISSUE_FORMS,
    PaymentForm,
    SaleForm,
    SendForm,
)
from crm.sales.models import (
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Proposal,
    ProposalStatus,
)
from crm.sales.selectors import documents as selectors
from crm.sales.services import documents as services
from crm.sales.services.documents.common import document_title

ISSUERS: dict[str, Callable[..., Any]] = {
    "proposal": services.proposal_issue,
    "order": services.order_issue,
    "invoice": services.invoice_issue,
}


def _first_error(form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return _("Check the form.")


def _actions(document) -> list[dict[str, Any]]:
    """The status moves the document's page offers (allowed ones only)."""
    if isinstance(document, Proposal):
        moves = services.PROPOSAL_NEXT.get(document.status, ())
        labels: dict[str, Any] = dict(ProposalStatus.choices)
    elif isinstance(document, Order):
        moves = services.ORDER_NEXT.get(document.status, ())
        labels = dict(OrderStatus.choices)
    else:
        return []
    return [{"status": status, "label": labels[status]} for status in moves]


def _detail(request, document, *, status: int = 200, **forms: Any) -> HttpResponse:
    actor = request.user
    can_edit = visibility.can(actor, document.deal, "edit")
    context: dict[str, Any] = {
        "document": document,
        "kind": document.number_kind,
        "title": document_title(document),
        "lines": list(document.lines.all()),
        "can_edit": can_edit,
        "actions": _actions(document) if can_edit else [],
    }
    if isinstance(document, Invoice):
        context["payments"] = list(document.payments.all())
        context["can_pay"] = can_edit and document.status in selectors.UNPAID
        context["can_cancel"] = can_edit and document.status == InvoiceStatus.ISSUED
        context["payment_form"] = forms.get("payment_form") or PaymentForm(
            initial={"amount": document.balance, "date": timezone.localdate()}
        )
    if isinstance(document, Order):
        context["sales"] = list(document.sales.all())
        context["invoices"] = list(document.invoices.all())
        context["can_record_sale"] = (
            can_edit
            and not context["sales"]
            and document.status != OrderStatus.CANCELLED
        )
        context["can_invoice"] = can_edit and document.status != OrderStatus.CANCELLED
        context["sale_form"] = forms.get("sale_form") or SaleForm()
    if isinstance(document, Proposal):
        context["can_delete"] = can_edit and document.status == ProposalStatus.DRAFT
    return render(
        request, "sales/documents/document_detail.html", context, status=status
    )


@login_required
@domain_errors
def document_detail(request, pk: int, kind: str):
    document = selectors.document_get(actor=request.user, kind=kind, document_id=pk)
    return _detail(request, document)


@login_required
@domain_errors
def document_pdf(request, pk: int, kind: str):
    """The document's PDF, downloaded (or shown in the browser with ?inline=1)."""
    document = selectors.document_get(actor=request.user, kind=kind, document_id=pk)
    response = HttpResponse(
        services.document_pdf(document), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        content_disposition_header(
            as_attachment=request.GET.get("inline") != "1",
            filename=services.pdf_filename(document),
        )
        or "attachment"
    )
    return response


@require_POST
@login_required
@domain_errors
def deal_document_issue(request, pk: int, kind: str):
    """Issue a proposal, an order or an invoice from the deal's card."""
    if kind not in ISSUERS:
        raise Http404
    deal = selectors.deal_for_documents(actor=request.user, deal_id=pk)
    form_class = ISSUE_FORMS[kind]
    kwargs: dict[str, Any] = {}
    if kind == "invoice":
        kwargs["orders"] = list(
            selectors.order_list(actor=request.user, filters={"deal": deal.pk})
        )
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(deal.get_absolute_url())
    data = form.service_data() if hasattr(form, "service_data") else form.cleaned_data
    try:
        document = ISSUERS[kind](actor=request.user, deal=deal, **data)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(deal.get_absolute_url())
    messages.success(
        request, _("%(document)s issued.") % {"document": document_title(document)}
    )
    return redirect(document.get_absolute_url())


@require_POST
@login_required
@domain_errors
def document_status(request, pk: int, kind: str):
    """Move a proposal or an order to another status."""
    document = selectors.document_get(actor=request.user, kind=kind, document_id=pk)
    status = request.POST.get("status", "")
    try:
        if kind == "proposal":
            services.proposal_set_status(
                actor=request.user, proposal=document, status=status
            )
        elif kind == "order":
            services.order_set_status(actor=request.user, order=document, status=status)
        else:
            services.invoice_cancel(actor=request.user, invoice=document)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Status changed."))
    return redirect(document.get_absolute_url())


@require_POST
@login_required
@domain_errors
def proposal_delete(request, pk: int):
    proposal = selectors.proposal_get(actor=request.user, proposal_id=pk)
    deal = proposal.deal
    try:
        services.proposal_delete(actor=request.user, proposal=proposal)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(proposal.get_absolute_url())
    messages.success(request, _("The draft proposal is deleted."))
    return redirect(deal.get_absolute_url())


@require_POST
@login_required
@domain_errors
def invoice_payment(request, pk: int):
    """Record a payment from the invoice's page."""
    invoice = selectors.invoice_get(actor=request.user, invoice_id=pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            services.payment_record(
                actor=request.user, invoice=invoice, **form.cleaned_data
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Payment recorded."))
            return redirect(invoice.get_absolute_url())
    invoice = selectors.invoice_get(actor=request.user, invoice_id=pk)
    return _detail(request, invoice, status=422, payment_form=form)


@require_POST
@login_required
@domain_errors
def order_sale(request, pk: int):
    """Record the sale of an order (revenue, cost of goods, margin)."""
    order = selectors.order_get(actor=request.user, order_id=pk)
    form = SaleForm(request.POST)
    if form.is_valid():
        try:
            services.sale_record(actor=request.user, order=order, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Sale recorded."))
            return redirect(order.get_absolute_url())
    return _detail(request, order, status=422, sale_form=form)


@require_POST
@login_required
@domain_errors
def deal_sale(request, pk: int):
    """Record the sale of a won deal without orders."""
    deal = selectors.deal_for_documents(actor=request.user, deal_id=pk)
    form = SaleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(deal.get_absolute_url())
    try:
        services.sale_record(actor=request.user, deal=deal, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Sale recorded."))
    return redirect(deal.get_absolute_url())


@login_required
@domain_errors
def document_send(request, pk: int, kind: str):
    """The letter to the client with the document's PDF attached."""
    document = selectors.document_get(actor=request.user, kind=kind, document_id=pk)
    visibility.ensure_can_edit(actor=request.user, obj=document.deal)
    if request.method == "POST":
        form = SendForm(request.POST)
        if form.is_valid():
            try:
                services.document_send(
                    actor=request.user, document=document, **form.cleaned_data
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("The letter is on its way to %(to)s.")
                    % {"to": form.cleaned_data["to"]},
                )
                return redirect(document.get_absolute_url())
    else:
        form = SendForm(initial=services.document_letter_defaults(document))
    return render(
        request,
        "sales/documents/document_send.html",
        {"document": document, "title": document_title(document), "form": form},
        status=422 if form.errors else 200,
    )
