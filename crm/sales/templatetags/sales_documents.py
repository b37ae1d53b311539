"""Template filters of documents: status badges and money in the reader's language."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from crm.core.money import format_money, format_quantity
from crm.sales.models import InvoiceStatus, OrderStatus, ProposalStatus

register = template.Library()

STATUS_CSS = {
    ProposalStatus.DRAFT: "secondary",
    ProposalStatus.SENT: "info",
    ProposalStatus.ACCEPTED: "success",
    ProposalStatus.DECLINED: "dark",
    OrderStatus.NEW: "primary",
    OrderStatus.CONFIRMED: "info",
    OrderStatus.SHIPPED: "warning",
    OrderStatus.DONE: "success",
    OrderStatus.CANCELLED: "dark",
    InvoiceStatus.ISSUED: "primary",
    InvoiceStatus.PARTLY_PAID: "warning",
    InvoiceStatus.PAID: "success",
}


@register.filter
def status_badge(document) -> str:
    """A coloured badge with the document's status."""
    css = STATUS_CSS.get(document.status, "secondary")
    return format_html(
        '<span class="badge text-bg-{} status-badge" data-status="{}">{}</span>',
        css,
        document.status,
        document.get_status_display(),
    )


register.filter("money", format_money)
register.filter("quantity", format_quantity)
