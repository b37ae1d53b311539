"""API schemas of documents: proposals, orders, invoices, payments, recorded
sales, the margin report, cross-sell suggestions and our requisites.

Money is a decimal string ("122000.00") with its currency, never a float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from crm.core.schemas import ListQuery
from crm.sales.services.documents.formats import amount_in_words


class DocumentLineOut(Schema):
    id: int
    position: int
    product_id: int | None
    name: str
    unit: str
    quantity: Decimal
    price: Decimal
    discount_percent: Decimal
    vat_rate: Decimal | None = Field(description="None: without VAT.")
    net_amount: Decimal
    vat_amount: Decimal
    total_amount: Decimal
    cost_price: Decimal


class _DocumentSummary(Schema):
    id: int
    number: int = Field(description="Numbered per kind and per year, without gaps.")
    year: int
    date: dt.date
    status: str
    deal_id: int
    company_id: int | None
    contact_id: int | None
    currency: str
    net_amount: Decimal = Field(description="Without VAT.")
    vat_amount: Decimal
    total_amount: Decimal = Field(description="With VAT: what the client pays.")
    sent_at: dt.datetime | None
    created_at: dt.datetime


class _DocumentDetail(_DocumentSummary):
    own_company_id: int | None
    comment: str
    created_by_id: int | None
    amount_in_words: str = Field(description="The total in words, in Russian.")
    parties: dict = Field(
        description="Supplier's and buyer's requisites as printed at issue time."
    )
    lines: list[DocumentLineOut]

    @staticmethod
    def resolve_amount_in_words(obj) -> str:
        return amount_in_words(obj.total_amount, obj.currency)

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class ProposalSummaryOut(_DocumentSummary):
    valid_until: dt.date | None


class ProposalOut(_DocumentDetail):
    valid_until: dt.date | None


class OrderSummaryOut(_DocumentSummary):
    status_changed_at: dt.datetime


class OrderOut(_DocumentDetail):
    status_changed_at: dt.datetime


class InvoiceSummaryOut(_DocumentSummary):
    due_date: dt.date | None
    order_id: int | None
    paid_amount: Decimal
    balance: Decimal


class InvoiceOut(_DocumentDetail):
    due_date: dt.date | None
    order_id: int | None
    paid_amount: Decimal
    balance: Decimal


class ProposalListOut(Schema):
    items: list[ProposalSummaryOut]
    count: int


class OrderListOut(Schema):
    items: list[OrderSummaryOut]
    count: int


class InvoiceListOut(Schema):
    items: list[InvoiceSummaryOut]
    count: int


class DocumentFilter(ListQuery):
    """`q` is a document number or words of the client's name."""

    status: str | None = None
    company: int | None = None
    contact: int | None = None
    deal: int | None = None
    manager: int | None = Field(None, description="The deal's owner (user id).")
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class InvoiceFilter(DocumentFilter):
    unpaid: bool | None = Field(None, description="Issued or partly paid.")
    overdue: bool | None = Field(None, description="Unpaid after the due date.")


class ProposalIn(Schema):
    """A proposal issued from the deal's composition (as a draft)."""

    deal_id: int
    date: dt.date | None = Field(None, description="Defaults to today.")
    valid_until: dt.date | None = Field(None, description="Defaults to 30 days.")
    comment: str = ""


class OrderIn(Schema):
    """An order registered from the deal's composition (status "new")."""

    deal_id: int
    date: dt.date | None = None
    comment: str = ""


class InvoiceIn(Schema):
    """An invoice issued from the deal's composition, or from one of its orders."""

    deal_id: int
    order_id: int | None = None
    date: dt.date | None = None
    due_date: dt.date | None = Field(None, description="Defaults to 10 days.")
    comment: str = ""


class StatusIn(Schema):
    status: str = Field(
        description=(
            "proposal: sent, accepted, declined; order: confirmed, shipped, done, "
            "cancelled (allowed moves only)."
        )
    )


class SendIn(Schema):
    """A letter to the client with the document's PDF attached."""

    to: list[str] = Field(description="One or more e-mail addresses.")
    subject: str
    message: str = ""


class PaymentIn(Schema):
    amount: Decimal = Field(description="Greater than zero, at most the balance.")
    date: dt.date | None = Field(None, description="Defaults to today.")
    reference: str = Field("", description="Number of the payment order.")
    comment: str = ""


class PaymentOut(Schema):
    id: int
    invoice_id: int
    date: dt.date
    amount: Decimal
    reference: str
    comment: str
    recorded_by_id: int | None
    created_at: dt.datetime


class PaymentListOut(Schema):
    items: list[PaymentOut]
    count: int


class SaleIn(Schema):
    """Give `order_id`, or `deal_id` for a won deal recorded as a whole."""

    order_id: int | None = None
    deal_id: int | None = None
    date: dt.date | None = None


class SaleOut(Schema):
    id: int
    deal_id: int
    order_id: int | None
    company_id: int | None
    manager_id: int
    date: dt.date
    currency: str
    revenue: Decimal = Field(description="Without VAT.")
    cost: Decimal = Field(description="Cost of goods.")
    margin: Decimal
    created_at: dt.datetime


class SaleListOut(Schema):
    items: list[SaleOut]
    count: int


class SaleFilter(ListQuery):
    deal: int | None = None
    order: int | None = None
    company: int | None = None
    manager: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class MarginFilter(Schema):
    group_by: str = Field("manager", description="manager, company or deal.")
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class FiguresOut(Schema):
    key: int | None = Field(None, description="Id of the manager, company or deal.")
    label: str = ""
    currency: str
    count: int
    revenue: Decimal
    cost: Decimal
    margin: Decimal
    margin_percent: Decimal | None


class MarginReportOut(Schema):
    group_by: str
    rows: list[FiguresOut]
    totals: list[FiguresOut]


class CrossSellOut(Schema):
    product_id: int
    product_name: str
    because_product_id: int
    because_product_name: str
    percent: int = Field(description="Of the clients who bought the reason, bought it.")
    clients_both: int
    clients_product: int
    reason: str


class CrossSellListOut(Schema):
    items: list[CrossSellOut]


class OwnCompanyIn(Schema):
    name: str
    full_name: str = ""
    inn: str = ""
    kpp: str = ""
    ogrn: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    bank_name: str = ""
    bik: str = ""
    bank_account: str = ""
    correspondent_account: str = ""
    director: str = ""
    accountant: str = ""
    is_vat_payer: bool = True
    is_default: bool = False


class OwnCompanyPatch(Schema):
    name: str | None = None
    full_name: str | None = None
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    bank_name: str | None = None
    bik: str | None = None
    bank_account: str | None = None
    correspondent_account: str | None = None
    director: str | None = None
    accountant: str | None = None
    is_vat_payer: bool | None = None
    is_default: bool | None = None


class OwnCompanyOut(OwnCompanyIn):
    id: int


class OwnCompanyListOut(Schema):
    items: list[OwnCompanyOut]
    count: int
