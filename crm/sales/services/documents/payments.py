"""Payments against invoices: they decide whether an invoice is partly paid or paid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import audit
from crm.core.errors import DomainError
from crm.sales.models import Invoice, InvoiceStatus, Payment
from crm.sales.services.documents.common import (
    clean_date,
    clean_money,
    clean_text,
    document_title,
    ensure_can_change_deal,
    money_text,
    timeline_entry,
)


def invoice_status_for(*, total: Decimal, paid: Decimal) -> str:
    """An invoice's status from what has been paid against it."""
    if paid <= 0:
        return InvoiceStatus.ISSUED
    if paid < total:
        return InvoiceStatus.PARTLY_PAID
    return InvoiceStatus.PAID


@transaction.atomic
def payment_record(
    *,
    actor,
    invoice: Invoice,
    amount: Any,
    date: Any = None,
    reference: Any = "",
    comment: Any = "",
) -> Payment:
    """Record money received against an invoice and recompute its status.

    The invoice row is locked, so two payments recorded at once cannot together
    exceed the total. Refused: an amount of zero or less, more than the balance
    (overpayment), a payment dated in the future, and a cancelled invoice.
    """
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("deal")
        .get(pk=invoice.pk)
    )
    ensure_can_change_deal(actor=actor, deal=invoice.deal)
    errors: dict[str, list] = {}
    value = Decimal(0)
    try:
        value = clean_money(amount, field="amount")
    except DomainError as error:
        errors["amount"] = [error.message]
    day = None
    try:
        day = clean_date(date, field="date") or timezone.localdate()
    except DomainError as error:
        errors["date"] = [error.message]
    if day is not None and day > timezone.localdate():
        errors["date"] = [_("A payment cannot be dated in the future.")]
    try:
        reference_text = clean_text(reference, field="reference", limit=100)
    except DomainError as error:
        errors["reference"] = [error.message]
    if invoice.status == InvoiceStatus.CANCELLED:
        raise DomainError(
            _("The invoice is cancelled: payments cannot be recorded against it."),
            field="invoice",
            code="cancelled",
        )
    if "amount" not in errors:
        balance = invoice.total_amount - invoice.paid_amount
        if value <= 0:
            errors["amount"] = [_("Enter an amount greater than zero.")]
        elif value > balance:
            errors["amount"] = [
                _(
                    "This is more than the invoice's balance of %(balance)s: an "
                    "invoice cannot be overpaid."
                )
                % {"balance": money_text(balance, invoice.currency)}
            ]
    if errors or day is None:
        raise DomainError.from_errors(errors)
    payment = Payment.objects.create(
        invoice=invoice,
        date=day,
        amount=value,
        reference=reference_text,
        comment=clean_text(comment, field="comment"),
        recorded_by=actor,
    )
    audit.record_create(actor, payment)
    before = audit.snapshot(invoice)
    paid = invoice.payments.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    invoice.paid_amount = paid
    invoice.status = invoice_status_for(total=invoice.total_amount, paid=paid)
    invoice.save(update_fields=["paid_amount", "status"])
    audit.record_update(actor, invoice, before)
    timeline_entry(
        actor=actor,
        document=invoice,
        subject=_("Payment of %(amount)s against %(document)s: %(status)s")
        % {
            "amount": money_text(value, invoice.currency),
            "document": document_title(invoice),
            "status": invoice.get_status_display(),
        },
        body=reference_text,
    )
    return payment
