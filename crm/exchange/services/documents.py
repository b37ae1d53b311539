"""Import of 1C documents: orders («Заказ товара») and invoices («Счет на оплату»).

A document already linked (`DocumentLink`, or an Ид `crm-order-<pk>` we sent)
takes the state 1C reports — cancelled, confirmed, shipped, done, paid — through
the sales services, one allowed step at a time. A new document becomes a deal of
its buyer with the document's lines and the order or invoice issued from it by
`order_issue`/`invoice_issue`, so numbering, requisites and the history are the
CRM's own; the 1C number is kept on the link. Each document is written in its own
savepoint: a refused one leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.bulk import by_external_id
from crm.core.errors import DomainError, Forbidden, NotFound
from crm.exchange.models import DocumentLink
from crm.exchange.services.catalogue import currency_code, label
from crm.exchange.services.counterparties import (
    _refusal,
    counterparty_import,
    find_company,
)
from crm.exchange.services.ids import own_pk
from crm.exchange.services.report import Report
from crm.sales.models import (
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Product,
    VatRate,
)
from crm.sales.services.catalogue import parse_decimal
from crm.sales.services.deals import deal_create
from crm.sales.services.documents import invoice_issue, order_issue
from crm.sales.services.documents.payments import payment_record
from crm.sales.services.documents.statuses import (
    ORDER_NEXT,
    invoice_cancel,
    order_set_status,
)

ORDER = "заказ товара"
INVOICE = "счет на оплату"
ORDER_PATH = [
    OrderStatus.NEW,
    OrderStatus.CONFIRMED,
    OrderStatus.SHIPPED,
    OrderStatus.DONE,
]


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "истина", "да", "1")


def _date(value: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def order_status_from(requisites: dict[str, str]) -> str | None:
    """The order status 1C reports in ЗначенияРеквизитов, as 1C's site exchange
    writes them («Отменен», «Финальный статус», «Дата отгрузки по 1С»,
    «Проведен», «Статус заказа»)."""
    if _true(requisites.get("Отменен")):
        return OrderStatus.CANCELLED
    if _true(requisites.get("Финальный статус")):
        return OrderStatus.DONE
    if requisites.get("Дата отгрузки по 1С") or _true(requisites.get("Отгружен")):
        return OrderStatus.SHIPPED
    status = requisites.get("Статус заказа", "").lower()
    for word, value in (
        ("отмен", OrderStatus.CANCELLED),
        ("выполн", OrderStatus.DONE),
        ("отгруж", OrderStatus.SHIPPED),
        ("подтвержд", OrderStatus.CONFIRMED),
    ):
        if word in status:
            return value
    if _true(requisites.get("Проведен")):
        return OrderStatus.CONFIRMED
    return None


def _move_order(*, actor, order: Order, wanted: str) -> bool:
    """Walk the order forward to `wanted` through the allowed steps."""
    if wanted == order.status:
        return False
    if wanted == OrderStatus.CANCELLED:
        order_set_status(actor=actor, order=order, status=wanted)
        return True
    if wanted not in ORDER_PATH or order.status not in ORDER_PATH:
        raise DomainError(
            _("The order cannot go from «%(old)s» to «%(new)s».")
            % {
                "old": order.get_status_display(),
                "new": OrderStatus(wanted).label,
            },
            field="status",
        )
    start, end = ORDER_PATH.index(order.status), ORDER_PATH.index(wanted)
    if end < start:
        raise DomainError(
            _("The order cannot go back from «%(old)s» to «%(new)s».")
            % {"old": order.get_status_display(), "new": OrderStatus(wanted).label},
            field="status",
        )
    for step in ORDER_PATH[start + 1 : end + 1]:
        assert step in ORDER_NEXT[order.status]  # noqa: S101 - the path is the graph
        order = order_set_status(actor=actor, order=order, status=step)
    return True


def _apply_invoice(*, actor, invoice: Invoice, requisites: dict[str, str]) -> bool:
    if _true(requisites.get("Отменен")):
        if invoice.status == InvoiceStatus.CANCELLED:
            return False
        invoice_cancel(actor=actor, invoice=invoice)
        return True
    paid_on = _date(requisites.get("Дата оплаты по 1С", ""))
    if (
        paid_on is not None
        and invoice.balance > 0
        and invoice.status != InvoiceStatus.CANCELLED
    ):
        payment_record(
            actor=actor,
            invoice=invoice,
            amount=invoice.balance,
            date=min(paid_on, timezone.localdate()),
            reference=requisites.get("Номер оплаты по 1С", "")[:100],
        )
        return True
    return False


def _linked(data: dict[str, Any]) -> Order | Invoice | None:
    for kind, model in (("order", Order), ("invoice", Invoice)):
        pk = own_pk(kind, data["id"])
        if pk:
            return model.objects.filter(pk=pk).first()
    link = (
        DocumentLink.objects.filter(external_id=data["id"])
        .select_related("order", "invoice")
        .first()
    )
    if link is None:
        return None
    return link.order or link.invoice


def _product(line: dict[str, Any]) -> Product | None:
    if line["id"]:
        pk = own_pk("product", line["id"])
        found = (
            Product.objects.filter(pk=pk).first()
            if pk
            else by_external_id(Product.objects, line["id"]).first()
        )
        if found is not None:
            return found if found.is_active else None
    if line["sku"]:
        same = list(Product.objects.filter(sku=line["sku"], is_active=True)[:2])
        if len(same) == 1:
            return same[0]
    return None


def _vat_rate(value: str | None) -> VatRate | None:
    """The active VAT rate a 1C line names ("20", "Без НДС"), or None to let the
    deal take the product's or the default rate."""
    if value is None:
        return None
    try:
        rate = parse_decimal(value) if value else None
    except ValueError:
        return None
    return VatRate.objects.filter(rate=rate, is_active=True).order_by("pk").first()


def _lines(data: dict[str, Any]) -> list[dict[str, Any]]:
    lines = []
    for line in data["lines"]:
        name = f"{data['number']}/{line['position']}"
        try:
            quantity = parse_decimal(line["quantity"])
            price = parse_decimal(line["price"])
        except ValueError:
            quantity = price = None
        if quantity is None or price is None:
            raise DomainError(
                _(
                    "Line %(line)s («%(name)s»): the quantity and the price must be numbers."
                )
                % {"line": line["position"], "name": line["name"] or name},
                field=f"lines.{line['position']}",
            )
        row: dict[str, Any] = {
            "name": line["name"][:300],
            "quantity": quantity,
            "price": price,
            "unit": line["unit"][:20],
        }
        product = _product(line)
        if product is not None:
            row["product"] = product
        rate = _vat_rate(line["vat"])
        if rate is not None:
            row["vat_rate"] = rate
        lines.append(row)
    if not lines:
        raise DomainError(_("The document has no lines (Товары)."), field="lines")
    return lines


def document_import(*, actor, data: dict[str, Any], report: Report) -> None:
    """Create or update the order or invoice of one 1C document."""
    operation = data["operation"].lower().replace("ё", "е")
    if not data["id"]:
        report.refuse("document", label("document", data), _("The document has no Ид."))
        return
    if operation not in (ORDER, INVOICE):
        report.refuse(
            "document",
            label("document", data),
            _(
                "The operation «%(operation)s» is not imported: only «Заказ товара» "
                "and «Счет на оплату»."
            )
            % {"operation": data["operation"]},
        )
        return
    try:
        with transaction.atomic():
            document = _linked(data)
            if document is None:
                document = _create(actor=actor, data=data, operation=operation)
                report.count("document", "created")
                return
            if isinstance(document, Order):
                wanted = order_status_from(data["requisites"])
                changed = bool(wanted) and _move_order(
                    actor=actor, order=document, wanted=wanted
                )
            else:
                changed = _apply_invoice(
                    actor=actor, invoice=document, requisites=data["requisites"]
                )
            report.count("document", "updated" if changed else "unchanged")
    except (DomainError, Forbidden, NotFound) as error:
        report.refuse(
            "document", label("document", data), _refusal(error) or _("Not found.")
        )


def _create(*, actor, data: dict[str, Any], operation: str) -> Order | Invoice:
    buyers = [c for c in data["counterparties"] if c["role"].lower() != "продавец"]
    if not buyers:
        raise DomainError(
            _("The document names no buyer (Контрагенты/Контрагент)."),
            field="counterparties",
        )
    company = find_company(buyers[0])
    if company is None:
        nested = Report()
        company = counterparty_import(actor=actor, data=buyers[0], report=nested)
        if company is None:
            raise DomainError(
                _("The buyer cannot be created: %(reason)s")
                % {"reason": nested.errors[0]["message"] if nested.errors else ""},
                field="counterparties",
            )
    day = _date(data["date"])
    if day is None:
        raise DomainError(
            _("The document date «%(date)s» is not a date (YYYY-MM-DD).")
            % {"date": data["date"]},
            field="date",
        )
    currency = currency_code(data["currency"] or "RUB")
    if currency is None:
        raise DomainError(
            _("The currency «%(currency)s» is not known.")
            % {"currency": data["currency"]},
            field="currency",
        )
    title = (
        _("1C order No. %(number)s")
        if operation == ORDER
        else _("1C invoice No. %(number)s")
    ) % {"number": data["number"]}
    deal = deal_create(
        actor=actor,
        title=title[:300],
        company=company,
        currency=currency,
        external_id=f"1c:{data['id']}"[:100],
        lines=_lines(data),
    )
    if operation == ORDER:
        document = order_issue(
            actor=actor, deal=deal, date=day, comment=data["comment"]
        )
        DocumentLink.objects.create(
            external_id=data["id"][:100],
            number_1c=data["number"][:50],
            order=document,
            sent_at=timezone.now(),
        )
        wanted = order_status_from(data["requisites"])
        if wanted:
            _move_order(actor=actor, order=document, wanted=wanted)
        return document
    document = invoice_issue(
        actor=actor,
        deal=deal,
        date=day,
        due_date=_date(data["due_date"]),
        comment=data["comment"],
    )
    DocumentLink.objects.create(
        external_id=data["id"][:100],
        number_1c=data["number"][:50],
        invoice=document,
        sent_at=timezone.now(),
    )
    _apply_invoice(actor=actor, invoice=document, requisites=data["requisites"])
    return document
