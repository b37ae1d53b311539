"""Recorded sales (реализация): revenue without VAT, the cost of goods and the
margin of what was actually sold."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import audit, visibility
from crm.core.errors import DomainError, NotFound
from crm.sales.models import Deal, DealStatus, Order, OrderStatus, Sale
from crm.sales.services.documents.common import (
    clean_date,
    deal_timeline_entry,
    document_title,
    ensure_can_change_deal,
    money_text,
    timeline_entry,
)

CENT = Decimal("0.01")


def _cost(lines) -> Decimal:
    """The cost of goods: quantity × the line's cost price (the product's when the
    line has none), rounded to kopecks once."""
    total = Decimal(0)
    for line in lines:
        cost_price = line.cost_price or Decimal(0)
        if not cost_price and line.product_id is not None:
            cost_price = line.product.cost_price or Decimal(0)
        total += line.quantity * cost_price
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def sale_record(
    *, actor, order: Order | None = None, deal: Deal | None = None, date: Any = None
) -> Sale:
    """Record a sale from an order, or from a won deal without orders.

    Revenue is the amount without VAT; the cost of goods comes from the lines'
    cost prices; the margin is their difference. One sale per order, and a deal
    recorded as a whole takes no sales of its orders (nor the other way round), so
    nothing is counted twice.
    """
    if (order is None) == (deal is None):
        raise DomainError(
            _("Record a sale from an order or from a deal."), field="order"
        )
    day = clean_date(date, field="date") or timezone.localdate()
    if order is not None:
        order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        deal = order.deal
    assert deal is not None
    deal = Deal.objects.select_for_update(of=("self",)).filter(pk=deal.pk).first()
    if deal is None or not visibility.can(actor, deal):
        raise NotFound
    ensure_can_change_deal(actor=actor, deal=deal)
    if Sale.objects.filter(deal=deal, order__isnull=True).exists():
        raise DomainError(
            _("A sale of the whole deal is already recorded."), field="deal"
        )
    if order is not None:
        if order.status == OrderStatus.CANCELLED:
            raise DomainError(
                _("The order is cancelled: there is no sale to record."),
                field="order",
            )
        if Sale.objects.filter(order=order).exists():
            raise DomainError(
                _("A sale is already recorded for this order."), field="order"
            )
        lines: list[Any] = list(order.lines.select_related("product"))
        revenue = order.net_amount
        currency = order.currency
    else:
        if deal.status != DealStatus.WON:
            raise DomainError(
                _("Record a sale from an order, or from a won deal."), field="deal"
            )
        if Sale.objects.filter(deal=deal).exists():
            raise DomainError(
                _("Sales of this deal's orders are recorded already."), field="deal"
            )
        lines = list(deal.lines.select_related("product"))
        revenue = sum((line.net_amount for line in lines), Decimal(0))
        currency = deal.currency
    if not lines:
        raise DomainError(
            _("There is nothing to record: the composition is empty."), field="lines"
        )
    cost = _cost(lines)
    sale = Sale.objects.create(
        deal=deal,
        order=order,
        company_id=deal.company_id,
        manager_id=deal.owner_id,
        date=day,
        currency=currency,
        revenue=revenue,
        cost=cost,
        margin=revenue - cost,
        created_by=actor,
    )
    audit.record_create(actor, sale)
    values = {
        "revenue": money_text(sale.revenue, currency),
        "margin": money_text(sale.margin, currency),
    }
    if order is not None:
        timeline_entry(
            actor=actor,
            document=order,
            subject=_(
                "Sale recorded for %(document)s: revenue %(revenue)s, margin %(margin)s"
            )
            % {"document": document_title(order), **values},
        )
    else:
        deal_timeline_entry(
            actor=actor,
            deal=deal,
            subject=_(
                "Sale recorded for %(deal)s: revenue %(revenue)s, margin %(margin)s"
            )
            % {"deal": deal.title, **values},
        )
    from crm.sales.services.documents.affinity import product_affinity_recompute_soon

    transaction.on_commit(product_affinity_recompute_soon)
    return sale
