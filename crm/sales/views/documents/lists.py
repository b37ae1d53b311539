"""Lists of proposals, orders and invoices, and the margin report."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from crm.core.exports import register_export
from crm.core.listing import Column, ListSpec, link, list_context, list_template
from crm.core.money import format_money as money
from crm.sales.forms.documents import DocumentFilterForm, MarginFilterForm
from crm.sales.selectors import documents as selectors
from crm.sales.templatetags.sales_documents import status_badge

TITLES = {
    "proposal": _("Proposals"),
    "order": _("Orders"),
    "invoice": _("Invoices"),
}


def _date(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _spec(kind: str) -> ListSpec:
    columns = [
        Column(
            "number",
            _("No."),
            lambda d: link(d.get_absolute_url(), d.number),
            sort="year,number",
        ),
        Column("date", _("Date"), lambda d: _date(d.date), sort="date,number"),
        Column(
            "client",
            _("Client"),
            lambda d: (
                link(d.company.get_absolute_url(), d.company.name)
                if d.company
                else (d.contact or "")
            ),
            css="wrap",
        ),
        Column(
            "deal",
            _("Deal"),
            lambda d: link(d.deal.get_absolute_url(), d.deal.title),
            css="wrap",
        ),
        Column("manager", _("Manager"), lambda d: d.deal.owner),
        Column("status", _("Status"), status_badge, sort="status,-date"),
        Column(
            "total",
            _("Total"),
            lambda d: money(d.total_amount, d.currency),
            sort="total_amount",
            css="text-end text-nowrap",
        ),
        Column(
            "vat",
            _("VAT"),
            lambda d: money(d.vat_amount, d.currency),
            css="text-end text-nowrap",
        ),
        Column(
            "sent", _("Sent"), lambda d: _date(d.sent_at.date()) if d.sent_at else ""
        ),
    ]
    defaults = ["number", "date", "client", "deal", "manager", "status", "total"]
    if kind == "invoice":
        columns += [
            Column(
                "paid",
                _("Paid"),
                lambda d: money(d.paid_amount, d.currency),
                sort="paid_amount",
                css="text-end text-nowrap",
            ),
            Column(
                "balance",
                _("Balance"),
                lambda d: money(d.balance, d.currency),
                css="text-end text-nowrap",
            ),
            Column(
                "due_date", _("Pay by"), lambda d: _date(d.due_date), sort="due_date"
            ),
        ]
        defaults += ["paid", "balance", "due_date"]
    if kind == "proposal":
        columns.append(
            Column(
                "valid_until",
                _("Valid until"),
                lambda d: _date(d.valid_until),
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


def document_listing(kind: str, actor, params):
    """A documents list for a query string: the page and its export share it."""
    form = DocumentFilterForm(params or None, kind=kind)
    queryset = selectors.document_list(actor=actor, kind=kind, filters=form.filters())
    return _spec(kind), queryset, form


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
