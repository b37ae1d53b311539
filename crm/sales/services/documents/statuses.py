"""Status changes of documents: a proposal's answer, an order's progress, an
invoice's cancellation (payments drive the rest of an invoice's statuses)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import audit
from crm.core.errors import DomainError
from crm.sales.models import (
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Proposal,
    ProposalStatus,
)
from crm.sales.services.documents.common import (
    document_title,
    ensure_can_change_deal,
    timeline_entry,
)

PROPOSAL_NEXT: dict[str, tuple[str, ...]] = {
    ProposalStatus.DRAFT: (
        ProposalStatus.SENT,
        ProposalStatus.ACCEPTED,
        ProposalStatus.DECLINED,
    ),
    ProposalStatus.SENT: (ProposalStatus.ACCEPTED, ProposalStatus.DECLINED),
    ProposalStatus.ACCEPTED: (),
    ProposalStatus.DECLINED: (),
}
ORDER_NEXT: dict[str, tuple[str, ...]] = {
    OrderStatus.NEW: (OrderStatus.CONFIRMED, OrderStatus.CANCELLED),
    OrderStatus.CONFIRMED: (OrderStatus.SHIPPED, OrderStatus.CANCELLED),
    OrderStatus.SHIPPED: (OrderStatus.DONE,),
    OrderStatus.DONE: (),
    OrderStatus.CANCELLED: (),
}


def _refuse_transition(choices, current: str, wanted: str):
    labels = dict(choices.choices)
    if wanted not in labels:
        return DomainError(
            _("Choose one of: %(values)s.")
            % {"values": ", ".join(str(label) for label in choices.labels)},
            field="status",
        )
    return DomainError(
        _("A document that is “%(current)s” cannot become “%(wanted)s”.")
        % {"current": labels[current], "wanted": labels[wanted]},
        field="status",
        code="transition",
    )


def _status_note(actor, document, status_label) -> None:
    timeline_entry(
        actor=actor,
        document=document,
        subject=_("%(document)s: %(status)s")
        % {"document": document_title(document), "status": status_label},
    )


@transaction.atomic
def proposal_set_status(*, actor, proposal: Proposal, status: str) -> Proposal:
    """Mark a proposal sent, accepted or declined (allowed moves only)."""
    proposal = (
        Proposal.objects.select_for_update().select_related("deal").get(pk=proposal.pk)
    )
    ensure_can_change_deal(actor=actor, deal=proposal.deal)
    if status == proposal.status:
        return proposal
    if status not in PROPOSAL_NEXT.get(proposal.status, ()):
        raise _refuse_transition(ProposalStatus, proposal.status, status)
    before = audit.snapshot(proposal)
    proposal.status = status
    if status == ProposalStatus.SENT and proposal.sent_at is None:
        proposal.sent_at = timezone.now()
    proposal.save(update_fields=["status", "sent_at"])
    audit.record_update(actor, proposal, before)
    _status_note(actor, proposal, proposal.get_status_display())
    return proposal


@transaction.atomic
def order_set_status(*, actor, order: Order, status: str) -> Order:
    """Move an order along new → confirmed → shipped → done, or cancel it before
    shipping. The client follows this status in the portal."""
    order = Order.objects.select_for_update().select_related("deal").get(pk=order.pk)
    ensure_can_change_deal(actor=actor, deal=order.deal)
    if status == order.status:
        return order
    if status not in ORDER_NEXT.get(order.status, ()):
        raise _refuse_transition(OrderStatus, order.status, status)
    if status == OrderStatus.CANCELLED and order.sales.exists():
        raise DomainError(
            _("A sale is recorded for this order: it cannot be cancelled."),
            field="status",
        )
    before = audit.snapshot(order)
    order.status = status
    order.status_changed_at = timezone.now()
    order.save(update_fields=["status", "status_changed_at"])
    audit.record_update(actor, order, before)
    _status_note(actor, order, order.get_status_display())
    if status == OrderStatus.CANCELLED:
        from crm.sales.services.documents.affinity import (
            product_affinity_recompute_soon,
        )

        transaction.on_commit(product_affinity_recompute_soon)
    return order


@transaction.atomic
def invoice_cancel(*, actor, invoice: Invoice) -> Invoice:
    """Cancel an invoice nobody has paid anything against."""
    invoice = (
        Invoice.objects.select_for_update().select_related("deal").get(pk=invoice.pk)
    )
    ensure_can_change_deal(actor=actor, deal=invoice.deal)
    if invoice.status == InvoiceStatus.CANCELLED:
        return invoice
    if invoice.status == InvoiceStatus.PAID:
        raise DomainError(
            _("A paid invoice cannot be cancelled."), field="status", code="paid"
        )
    if invoice.paid_amount > 0:
        raise DomainError(
            _("Money has been received against this invoice: it cannot be cancelled."),
            field="status",
            code="paid",
        )
    before = audit.snapshot(invoice)
    invoice.status = InvoiceStatus.CANCELLED
    invoice.save(update_fields=["status"])
    audit.record_update(actor, invoice, before)
    _status_note(actor, invoice, invoice.get_status_display())
    return invoice
