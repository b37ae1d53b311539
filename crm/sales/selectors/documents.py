"""Reads of documents that pages and the API share, visibility applied once.

Documents follow their deal: a user sees the proposals, orders, invoices, payments
and recorded sales of the deals they see (`core.visibility` with the deal's rules),
and nothing of a deal in the trash. A hidden document and a missing one both raise
`NotFound`. Filters arrive parsed (a page's filter form, an API schema).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import search, visibility
from crm.core.errors import DomainError, NotFound
from crm.customers.models import Company
from crm.sales.models import (
    Deal,
    DocumentLine,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    OwnCompany,
    Payment,
    Product,
    ProductAffinity,
    Proposal,
    Sale,
)

KINDS: dict[str, Any] = {"proposal": Proposal, "order": Order, "invoice": Invoice}
UNPAID = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)
CENT = Decimal("0.01")
# How many documents of each kind a card's panel lists; the rest are in the lists.
PANEL_LIMIT = 5
MATCHING_CLIENTS = 1000


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def deal_scope(actor, action: str = "view", prefix: str = "deal__") -> Q:
    """Rows whose deal the actor may see (or change), deals in the trash left out."""
    q = Q(**{f"{prefix}deleted_at__isnull": True})
    scope = visibility.scope_q(actor, Deal, action, prefix=prefix)
    return q if scope is None else q & scope


def deal_for_documents(*, actor, deal_id: Any) -> Deal:
    """A deal the actor sees, to issue documents from; NotFound otherwise."""
    if not str(deal_id).isdigit():
        raise NotFound
    deal = (
        visibility.visible(Deal.objects.all(), actor)
        .select_related("company", "contact", "owner")
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        raise NotFound
    return deal


def _period_q(filters: Mapping[str, Any]) -> Q:
    q = Q()
    if filters.get("date_from"):
        q &= Q(date__gte=filters["date_from"])
    if filters.get("date_to"):
        q &= Q(date__lte=filters["date_to"])
    return q


def _query_q(query: str) -> Q:
    """A number, or words of the client's name (or INN, e-mail, phone)."""
    text = (query or "").strip().lstrip("№#").strip()
    if not text:
        return Q()
    if text.isdigit() and len(text) <= 9:
        return Q(number=int(text))
    # Materialised: the search's SQL names the company table, which a subquery
    # would alias away. A name matching more clients than this needs more words.
    companies = list(
        search.matching(Company.all_objects.all(), text).values_list("pk", flat=True)[
            :MATCHING_CLIENTS
        ]
    )
    return Q(company__in=companies)


def document_list(
    *, actor, kind: str, filters: Mapping[str, Any] | None = None
) -> QuerySet:
    """Documents of one kind the actor sees, filtered, newest first.

    Filters: `q` (a number or the client's name), `status`, `company`, `contact`,
    `deal`, `manager` (the deal's owner), `date_from`/`date_to`; for invoices also
    `unpaid` (issued or partly paid) and `overdue` (unpaid after the due date).
    """
    filters = filters or {}
    model = KINDS[kind]
    q = deal_scope(actor) & _period_q(filters)
    if filters.get("status"):
        q &= Q(status=filters["status"])
    for name in ("company", "contact", "deal"):
        if filters.get(name):
            q &= Q(**{f"{name}_id": _pk(filters[name])})
    if filters.get("manager"):
        q &= Q(deal__owner_id=_pk(filters["manager"]))
    if model is Invoice:
        if filters.get("unpaid"):
            q &= Q(status__in=UNPAID)
        if filters.get("overdue"):
            q &= Q(status__in=UNPAID, due_date__lt=timezone.localdate())
    if filters.get("q"):
        q &= _query_q(filters["q"])
    related = ["deal", "deal__owner", "company", "contact"]
    if model is Invoice:
        related.append("order")
    return model.objects.filter(q).select_related(*related).order_by("-date", "-number")


def proposal_list(*, actor, filters: Mapping[str, Any] | None = None) -> QuerySet:
    """Proposals the actor sees (see `document_list`)."""
    return document_list(actor=actor, kind="proposal", filters=filters)


def order_list(*, actor, filters: Mapping[str, Any] | None = None) -> QuerySet:
    """Orders the actor sees (see `document_list`)."""
    return document_list(actor=actor, kind="order", filters=filters)


def invoice_list(*, actor, filters: Mapping[str, Any] | None = None) -> QuerySet:
    """Invoices the actor sees (see `document_list`)."""
    return document_list(actor=actor, kind="invoice", filters=filters)


def document_get(*, actor, kind: str, document_id: Any) -> Any:
    """One document the actor sees, with its lines (and payments, for an invoice)."""
    if not str(document_id).isdigit():
        raise NotFound
    model = KINDS[kind]
    queryset = (
        document_list(actor=actor, kind=kind)
        .select_related("own_company")
        .prefetch_related(
            Prefetch("lines", queryset=DocumentLine.objects.order_by("position", "pk"))
        )
    )
    if model is Invoice:
        queryset = queryset.prefetch_related(
            Prefetch(
                "payments",
                queryset=Payment.objects.select_related("recorded_by").order_by(
                    "date", "pk"
                ),
            )
        )
    if model is Order:
        queryset = queryset.prefetch_related("sales", "invoices")
    document = queryset.filter(pk=document_id).first()
    if document is None:
        raise NotFound
    return document


def proposal_get(*, actor, proposal_id: Any) -> Proposal:
    return document_get(actor=actor, kind="proposal", document_id=proposal_id)


def order_get(*, actor, order_id: Any) -> Order:
    return document_get(actor=actor, kind="order", document_id=order_id)


def invoice_get(*, actor, invoice_id: Any) -> Invoice:
    return document_get(actor=actor, kind="invoice", document_id=invoice_id)


def payment_list(*, actor, invoice_id: Any) -> QuerySet[Payment]:
    """Payments against an invoice the actor sees, oldest first."""
    invoice = invoice_get(actor=actor, invoice_id=invoice_id)
    return invoice.payments.select_related("recorded_by").order_by("date", "pk")


# --- recorded sales and margins --------------------------------------------------------


def sale_list(*, actor, filters: Mapping[str, Any] | None = None) -> QuerySet[Sale]:
    """Recorded sales the actor sees (through their deals), newest first.

    Filters: `deal`, `order`, `company`, `manager`, `date_from`/`date_to`.
    """
    filters = filters or {}
    q = deal_scope(actor) & _period_q(filters)
    for name in ("deal", "order", "company", "manager"):
        if filters.get(name):
            q &= Q(**{f"{name}_id": _pk(filters[name])})
    return (
        Sale.objects.filter(q)
        .select_related("deal", "order", "company", "manager")
        .order_by("-date", "-pk")
    )


@dataclass
class Figures:
    """Revenue (without VAT), cost of goods and margin in one currency."""

    currency: str
    revenue: Decimal
    cost: Decimal
    margin: Decimal
    count: int = 0
    label: str = ""
    key: Any = None

    @property
    def margin_percent(self) -> Decimal | None:
        if not self.revenue:
            return None
        return (self.margin * 100 / self.revenue).quantize(Decimal("0.1"))


def _money(value) -> Decimal:
    """A sum from the database in kopecks (SQLite returns 39400 for 39400.00)."""
    return Decimal(value or 0).quantize(CENT)


def _figures(queryset: QuerySet, *group: str) -> list[dict[str, Any]]:
    return list(
        queryset.order_by()
        .values(*group, "currency")
        .annotate(
            revenue_sum=Sum("revenue"),
            cost_sum=Sum("cost"),
            margin_sum=Sum("margin"),
            sales=Count("pk"),
        )
        .order_by(*group, "currency")
    )


def sale_figures(*, actor, filters: Mapping[str, Any] | None = None) -> list[Figures]:
    """Totals of the recorded sales the actor sees, one per currency."""
    return [
        Figures(
            currency=row["currency"],
            revenue=_money(row["revenue_sum"]),
            cost=_money(row["cost_sum"]),
            margin=_money(row["margin_sum"]),
            count=row["sales"],
        )
        for row in _figures(sale_list(actor=actor, filters=filters))
    ]


MARGIN_GROUPS = {"manager": "manager", "company": "company", "deal": "deal"}


def margin_report(
    *, actor, group_by: str = "manager", filters: Mapping[str, Any] | None = None
) -> list[Figures]:
    """Revenue, cost and margin per manager (or per client, or per deal) over the
    recorded sales the actor sees, largest margin first."""
    field = MARGIN_GROUPS.get(group_by)
    if field is None:
        raise DomainError(
            _("Group by one of: %(values)s.") % {"values": ", ".join(MARGIN_GROUPS)},
            field="group_by",
        )
    rows = _figures(sale_list(actor=actor, filters=filters), f"{field}_id")
    ids = {row[f"{field}_id"] for row in rows if row[f"{field}_id"] is not None}
    labels = _labels(field, ids)
    result = [
        Figures(
            currency=row["currency"],
            revenue=_money(row["revenue_sum"]),
            cost=_money(row["cost_sum"]),
            margin=_money(row["margin_sum"]),
            count=row["sales"],
            key=row[f"{field}_id"],
            label=labels.get(row[f"{field}_id"], "—"),
        )
        for row in rows
    ]
    result.sort(key=lambda f: (-f.margin, f.label))
    return result


def _labels(field: str, ids: set) -> dict[Any, str]:
    if not ids:
        return {}
    if field == "manager":
        users = get_user_model().objects.filter(pk__in=ids)
        return {user.pk: str(user) for user in users}
    if field == "company":
        return dict(Company.all_objects.filter(pk__in=ids).values_list("pk", "name"))
    return dict(Deal.all_objects.filter(pk__in=ids).values_list("pk", "title"))


# --- what cards show ---------------------------------------------------------------------


def deal_documents(*, actor, deal: Deal) -> dict[str, Any]:
    """A deal's documents and the figures of its recorded sales, for its card."""
    filters = {"deal": deal.pk}
    return {
        "proposals": list(proposal_list(actor=actor, filters=filters)),
        "orders": list(order_list(actor=actor, filters=filters)),
        "invoices": list(invoice_list(actor=actor, filters=filters)),
        "figures": sale_figures(actor=actor, filters=filters),
    }


def company_sales_summary(*, actor, company: Company) -> dict[str, Any]:
    """A client's revenue and margin, their latest orders and invoices with balances
    — all of it from the deals the actor sees."""
    filters = {"company": company.pk}
    orders = order_list(actor=actor, filters=filters)
    invoices = invoice_list(actor=actor, filters=filters)
    unpaid = invoices.filter(status__in=UNPAID).order_by()
    balances = list(
        unpaid.values("currency")
        .annotate(total=Sum("total_amount"), paid=Sum("paid_amount"))
        .order_by("currency")
    )
    return {
        "figures": sale_figures(actor=actor, filters=filters),
        "orders": list(orders[:PANEL_LIMIT]),
        "invoices": list(invoices[:PANEL_LIMIT]),
        "balances": [
            {"currency": row["currency"], "amount": _money(row["total"] - row["paid"])}
            for row in balances
            if row["total"] != row["paid"]
        ],
    }


@dataclass
class Suggestion:
    """A product to offer a client, and why: of the clients who bought `because`,
    `percent` % also bought it."""

    product: Product
    because: Product
    percent: int
    clients_both: int
    clients_product: int


def bought_products(company: Company) -> set[int]:
    """Ids of the products the client ordered (cancelled orders left out)."""
    return set(
        DocumentLine.objects.filter(order__company=company, product__isnull=False)
        .exclude(order__status=OrderStatus.CANCELLED)
        .values_list("product_id", flat=True)
        .distinct()
    )


def cross_sell_suggestions(
    *, actor, company: Company, limit: int = 5
) -> list[Suggestion]:
    """What clients who bought what this client bought also bought, best first.

    Reads the precomputed `ProductAffinity` only (and the client's own orders), so
    it stays fast however many orders there are. Products the client bought, and
    products off sale or in the trash, are left out. The company must be visible.
    """
    if company.deleted_at is not None or not visibility.can(actor, company):
        raise NotFound
    bought = bought_products(company)
    if not bought:
        return []
    rows = (
        ProductAffinity.objects.filter(product_id__in=bought)
        .exclude(other_id__in=bought)
        .filter(other__deleted_at__isnull=True, other__is_active=True)
        .select_related("product", "other")
        .order_by("-clients_both", "pk")[:500]
    )
    best: dict[int, Suggestion] = {}
    for row in rows:
        percent = round(100 * row.clients_both / row.clients_product)
        current = best.get(row.other_id)
        candidate = Suggestion(
            product=row.other,
            because=row.product,
            percent=percent,
            clients_both=row.clients_both,
            clients_product=row.clients_product,
        )
        if current is None or (percent, row.clients_both) > (
            current.percent,
            current.clients_both,
        ):
            best[row.other_id] = candidate
    ranked = sorted(
        best.values(), key=lambda s: (-s.percent, -s.clients_both, s.product.name)
    )
    return ranked[:limit]


# --- our requisites ------------------------------------------------------------------------


def own_company_list(*, actor) -> QuerySet[OwnCompany]:
    """Our legal entities (administrators only)."""
    visibility.ensure_admin(actor=actor)
    return OwnCompany.objects.order_by("-is_default", "name", "pk")


def own_company_get(*, actor, own_company_id: Any) -> OwnCompany:
    if not str(own_company_id).isdigit():
        raise NotFound
    found = own_company_list(actor=actor).filter(pk=own_company_id).first()
    if found is None:
        raise NotFound
    return found


def own_company_exists() -> bool:
    """Whether our requisites are entered (documents cannot be issued without)."""
    return OwnCompany.objects.exists()


def period_default() -> tuple[dt.date, dt.date]:
    """The current month, the usual period of a margin report."""
    today = timezone.localdate()
    return today.replace(day=1), today
