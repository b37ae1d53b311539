"""Lists of proposals, orders and invoices, and the margin report."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from crm.core.exports import register_export
from crm.core.listing import (
    Column,
    ListSpec,
    choice_label,
    link,
    list_context,
    list_template,
    plain,
    short_date,
    text_column,
)
from crm.core.money import format_money as money
from crm.sales.forms.documents import DocumentFilterForm, MarginFilterForm
from crm.sales.models import InvoiceStatus, OrderStatus, ProposalStatus
from crm.sales.selectors import documents as selectors
from crm.sales.templatetags.sales_documents import status_badge

STATUSES = {
    "proposal": ProposalStatus,
    "order": OrderStatus,
    "invoice": InvoiceStatus,
}
TITLES = {
    "proposal": _("Proposals"),
    "order": _("Orders"),
    "invoice": _("Invoices"),
}


def _client(document):
    if document.company:
        return link(document.company.get_absolute_url(), document.company.name)
    return document.contact or ""


def _client_text(document):
    if document.company:
        return plain(document.company.name)
    return document.contact or ""


def _spec(kind: str) -> ListSpec:
    statuses = STATUSES[kind]
    # Each column also gives its cell as plain text, so an export builds no
    # links or badges to strip (see `text_column`).
    columns = [
        Column(
            "number",
            _("No."),
            lambda d: link(d.get_absolute_url(), d.number),
            sort="year,number",
            export=lambda d: plain(d.number),
        ),
        text_column(
            "date", _("Date"), lambda d: short_date(d.date), sort="date,number"
        ),
        Column(
            "client",
            _("Client"),
            _client,
            css="wrap",
            export=_client_text,
            uses=("company", "contact"),
        ),
        Column(
            "deal",
            _("Deal"),
            lambda d: link(d.deal.get_absolute_url(), d.deal.title),
            css="wrap",
            export=lambda d: plain(d.deal.title),
            uses=("deal",),
        ),
        text_column("manager", _("Manager"), lambda d: d.deal.owner, uses=("deal",)),
        Column(
            "status",
            _("Status"),
            status_badge,
            sort="status,-date",
            export=lambda d: plain(choice_label(statuses, d.status)),
        ),
        text_column(
            "total",
            _("Total"),
            lambda d: money(d.total_amount, d.currency),
            sort="total_amount",
            css="text-end text-nowrap",
        ),
        text_column(
            "vat",
            _("VAT"),
            lambda d: money(d.vat_amount, d.currency),
            css="text-end text-nowrap",
        ),
        text_column("sent", _("Sent"), lambda d: short_date(d.sent_at)),
    ]
    defaults = ["number", "date", "client", "deal", "manager", "status", "total"]
    if kind == "invoice":
        columns += [
            text_column(
                "paid",
                _("Paid"),
                lambda d: money(d.paid_amount, d.currency),
                sort="paid_amount",
                css="text-end text-nowrap",
            ),
            text_column(
                "balance",
                _("Balance"),
                lambda d: money(d.balance, d.currency),
                css="text-end text-nowrap",
            ),
            text_column(
                "due_date",
                _("Pay by"),
                lambda d: short_date(d.due_date),
                sort="due_date",
            ),
        ]
        defaults += ["paid", "balance", "due_date"]
    if kind == "proposal":
        columns.append(
            text_column(
                "valid_until",
                _("Valid until"),
                lambda d: short_date(d.valid_until),
                sort="valid_until",
            )
        )
    return ListSpec(
        key=f"{kind}s",
        export_key=f"sales.{kind}s",
        title=TITLES[kind],
        columns=columns,
        default_columns=defaults,
        default_sort="-date",
    )


# What the lists' columns read of a document and of its joined rows. A row of the
# page or of an export loads no more; a column that reads another field costs a
# query a row (the export tests count them).
LIST_FIELDS = (
    "number",
    "date",
    "status",
    "currency",
    "total_amount",
    "vat_amount",
    "sent_at",
    "company__name",
    "contact__last_name",
    "contact__first_name",
    "contact__middle_name",
    "deal__title",
    "deal__owner__first_name",
    "deal__owner__last_name",
    "deal__owner__username",
)
KIND_FIELDS = {
    "proposal": ("valid_until",),
    "order": (),
    # The invoice's order is joined for its card; its list reads nothing of it.
    "invoice": ("paid_amount", "due_date", "order__number"),
}


def document_listing(kind: str, actor, params):
    """A documents list for a query string: the page and its export share it."""
    form = DocumentFilterForm(params or None, kind=kind)
    queryset = selectors.document_list(actor=actor, kind=kind, filters=form.filters())
    fields = (*LIST_FIELDS, *KIND_FIELDS[kind])
    return _spec(kind), queryset.only(*fields), form


def register_exports() -> None:
    for kind in TITLES:
        register_export(
            f"sales.{kind}s",
            lambda actor, params, kind=kind: document_listing(kind, actor, params)[:2],
            url_name=f"sales:{kind}-list",
        )


def _document_list(request, kind: str):
    spec, queryset, form = document_listing(kind, request.user, request.GET)
    context = list_context(request, spec=spec, queryset=queryset, filter_form=form)
    context["kind"] = kind
    return render(
        request,
        list_template(request, "sales/documents/document_list.html"),
        context,
    )


@login_required
def proposal_list(request):
    return _document_list(request, "proposal")


@login_required
def order_list(request):
    return _document_list(request, "order")


@login_required
def invoice_list(request):
    return _document_list(request, "invoice")


@login_required
def margin_report(request):
    """Revenue, cost of goods and margin per manager, client or deal in a period."""
    data = request.GET.copy()
    if not data.get("date_from") and not data.get("date_to"):
        start, end = selectors.period_default()
        data["date_from"], data["date_to"] = start.isoformat(), end.isoformat()
    form = MarginFilterForm(data)
    form.is_valid()
    filters = form.filters()
    group = form.group()
    rows = selectors.margin_report(actor=request.user, group_by=group, filters=filters)
    totals = selectors.sale_figures(actor=request.user, filters=filters)
    return render(
        request,
        "sales/documents/margin_report.html",
        {"form": form, "rows": rows, "totals": totals, "group": group},
    )
