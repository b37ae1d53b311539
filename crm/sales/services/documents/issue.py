"""Issuing proposals, orders and invoices from a deal's composition, and deleting
a draft."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import audit, visibility
from crm.core.errors import DomainError, NotFound
from crm.sales.models import (
    Deal,
    DealStatus,
    DocumentLine,
    Invoice,
    Order,
    OrderStatus,
    OwnCompany,
    Proposal,
    ProposalStatus,
)
from crm.sales.services.approvals import deal_documents_allowed
from crm.sales.services.documents.common import (
    SalesDocument,
    buyer_requisites,
    clean_date,
    clean_text,
    document_title,
    ensure_can_change_deal,
    money_text,
    supplier_requisites,
    timeline_entry,
)
from crm.sales.services.documents.numbering import number_release, number_take

# How long a proposal holds and when an invoice is due, unless the user says.
PROPOSAL_VALID_DAYS = 30
INVOICE_DUE_DAYS = 10


def own_company_default() -> OwnCompany | None:
    """The requisites documents are issued with: the default entity, else the first."""
    return OwnCompany.objects.order_by("-is_default", "name", "pk").first()


def _locked_deal(actor, deal: Deal) -> Deal:
    """The deal re-read under a lock, so its composition cannot change while it is
    copied; NotFound when the actor may not see it, Forbidden when they may not
    change it."""
    fresh = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("company", "contact")
        .filter(pk=deal.pk)
        .first()
    )
    if fresh is None or not visibility.can(actor, fresh):
        raise NotFound
    ensure_can_change_deal(actor=actor, deal=fresh)
    return fresh


def _check_deal(deal: Deal) -> None:
    if deal.status == DealStatus.LOST:
        raise DomainError(
            _("The deal is lost: reopen it before issuing documents."),
            field="deal",
            code="deal_lost",
        )
    allowed, reason = deal_documents_allowed(deal)
    if not allowed:
        raise DomainError(reason, field="deal", code="approval_required")


def _line_copies(source_lines) -> list[DocumentLine]:
    """Copies of deal (or order) lines: what was agreed, frozen at issue time.

    The cost price comes with the line; a line without one takes the product's, so
    recorded sales can compute the margin.
    """
    copies = []
    for position, line in enumerate(source_lines, start=1):
        cost = line.cost_price or Decimal(0)
        if not cost and line.product_id is not None:
            cost = line.product.cost_price or Decimal(0)
        copies.append(
            DocumentLine(
                position=position,
                product_id=line.product_id,
                name=line.name,
                unit=line.unit,
                quantity=line.quantity,
                price=line.price,
                discount_percent=line.discount_percent,
                vat_rate=line.vat_rate,
                net_amount=line.net_amount,
                vat_amount=line.vat_amount,
                total_amount=line.total_amount,
                cost_price=cost,
            )
        )
    return copies


def _issue(
    *,
    actor,
    model: type[Proposal] | type[Order] | type[Invoice],
    deal: Deal,
    date: Any,
    comment: Any,
    source_lines: list | None = None,
    currency: str | None = None,
    **extra: Any,
) -> Any:
    day = clean_date(date, field="date") or timezone.localdate()
    comment_text = clean_text(comment, field="comment")
    lines = (
        source_lines
        if source_lines is not None
        else list(deal.lines.select_related("product").order_by("position", "pk"))
    )
    if not lines:
        raise DomainError(
            _(
                "The deal has no lines: add products or services to it before "
                "issuing a document."
            ),
            field="lines",
            code="empty_deal",
        )
    own = own_company_default()
    if own is None:
        raise DomainError(
            _(
                "Enter your company's requisites first (Documents → Our "
                "requisites): documents print them."
            ),
            field="own_company",
            code="no_requisites",
        )
    copies = _line_copies(lines)
    document = model(
        number=number_take(kind=model.number_kind, year=day.year),
        year=day.year,
        date=day,
        deal=deal,
        company_id=deal.company_id,
        contact_id=deal.contact_id,
        own_company=own,
        currency=currency or deal.currency,
        net_amount=sum((c.net_amount for c in copies), Decimal(0)),
        vat_amount=sum((c.vat_amount for c in copies), Decimal(0)),
        total_amount=sum((c.total_amount for c in copies), Decimal(0)),
        comment=comment_text,
        parties={
            "supplier": supplier_requisites(own),
            "buyer": buyer_requisites(deal),
        },
        created_by=actor,
        **extra,
    )
    document.save()
    for copy in copies:
        setattr(copy, model.number_kind, document)
    DocumentLine.objects.bulk_create(copies)
    audit.record_create(actor, document)
    timeline_entry(
        actor=actor,
        document=document,
        subject=_("%(document)s issued: %(total)s")
        % {
            "document": document_title(document),
            "total": money_text(document.total_amount, document.currency),
        },
        body=_("Deal: %(deal)s") % {"deal": deal.title},
    )
    return document


def _after(day_field: Any, *, field: str, start: dt.date, message) -> dt.date | None:
    day = clean_date(day_field, field=field)
    if day is not None and day < start:
        raise DomainError(message, field=field)
    return day


@transaction.atomic
def proposal_issue(
    *, actor, deal: Deal, date: Any = None, valid_until: Any = None, comment: Any = ""
) -> Proposal:
    """Issue a commercial proposal (КП) from the deal's composition, as a draft.

    Refused for a deal without lines, a lost deal, a deal the actor may not change
    and while a discount awaits approval or was rejected. The number is taken in
    this transaction: a refusal consumes none.
    """
    deal = _locked_deal(actor, deal)
    _check_deal(deal)
    day = clean_date(date, field="date") or timezone.localdate()
    until = _after(
        valid_until,
        field="valid_until",
        start=day,
        message=_("A proposal cannot expire before its date."),
    ) or day + dt.timedelta(days=PROPOSAL_VALID_DAYS)
    return _issue(
        actor=actor,
        model=Proposal,
        deal=deal,
        date=day,
        comment=comment,
        valid_until=until,
        status=ProposalStatus.DRAFT,
    )


@transaction.atomic
def order_issue(*, actor, deal: Deal, date: Any = None, comment: Any = "") -> Order:
    """Register the client's order from the deal's composition (status "new").

    An order's status is what the client will follow in the portal; its lines are
    what recorded sales and cross-sell suggestions count.
    """
    deal = _locked_deal(actor, deal)
    _check_deal(deal)
    order = _issue(
        actor=actor,
        model=Order,
        deal=deal,
        date=date,
        comment=comment,
        status=OrderStatus.NEW,
    )
    from crm.sales.services.documents.affinity import product_affinity_recompute_soon

    transaction.on_commit(product_affinity_recompute_soon)
    return order


@transaction.atomic
def invoice_issue(
    *,
    actor,
    deal: Deal,
    date: Any = None,
    due_date: Any = None,
    order: Order | None = None,
    comment: Any = "",
) -> Invoice:
    """Issue an invoice for payment (счёт на оплату) from the deal's composition,
    or from one of its orders when `order` is given.

    Refused for an empty deal, a lost deal, a deal the actor may not change, while
    a discount awaits approval or was rejected, and for a cancelled order or an
    order of another deal.
    """
    deal = _locked_deal(actor, deal)
    _check_deal(deal)
    day = clean_date(date, field="date") or timezone.localdate()
    due = _after(
        due_date,
        field="due_date",
        start=day,
        message=_("An invoice cannot be due before its date."),
    ) or day + dt.timedelta(days=INVOICE_DUE_DAYS)
    source_lines = None
    currency = None
    if order is not None:
        if order.deal_id != deal.pk:
            raise DomainError(_("The order belongs to another deal."), field="order")
        if order.status == OrderStatus.CANCELLED:
            raise DomainError(
                _("The order is cancelled: it cannot be invoiced."), field="order"
            )
        source_lines = list(order.lines.select_related("product"))
        currency = order.currency
    return _issue(
        actor=actor,
        model=Invoice,
        deal=deal,
        date=day,
        comment=comment,
        source_lines=source_lines,
        currency=currency,
        due_date=due,
        order=order,
    )


@transaction.atomic
def proposal_delete(*, actor, proposal: Proposal) -> None:
    """Delete a draft proposal, returning its number.

    Only the latest draft of its year may go, so numbers keep no gaps: any other is
    declined instead. Orders and invoices are never deleted, only cancelled.
    """
    proposal = (
        Proposal.objects.select_for_update().select_related("deal").get(pk=proposal.pk)
    )
    ensure_can_change_deal(actor=actor, deal=proposal.deal)
    if proposal.status != ProposalStatus.DRAFT:
        raise DomainError(
            _("Only a draft can be deleted; mark this proposal declined instead."),
            field="status",
        )
    if not number_release(kind="proposal", year=proposal.year, number=proposal.number):
        raise DomainError(
            _(
                "Only the latest proposal of the year can be deleted, so that "
                "numbers have no gaps; mark this one declined instead."
            ),
            field="number",
        )
    audit.record_delete(actor, proposal)
    timeline_entry(
        actor=actor,
        document=proposal,
        subject=_("%(document)s deleted") % {"document": document_title(proposal)},
        link=False,
    )
    proposal.lines.all().delete()
    proposal.delete()


def document_refuse_delete(document: SalesDocument) -> None:
    """Orders and invoices are cancelled, never deleted: they may have been paid,
    shipped or printed, and their numbers must stay without gaps."""
    if isinstance(document, Order):
        message = _("An order cannot be deleted: cancel it instead.")
    else:
        message = _("An invoice cannot be deleted: cancel it instead.")
    raise DomainError(message, field="status", code="not_deletable")
