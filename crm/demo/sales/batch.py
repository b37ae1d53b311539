"""A batch of sales rows, the ids they take, and what a deal knows of its client."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from crm.demo.sales.setup import ProductInfo
from crm.sales.services.deals import LineAmounts


@dataclass
class Ids:
    """The next id of each kind of row: first ones reserved, then counted up."""

    deal: int
    proposal: int
    order: int
    invoice: int
    task: int
    lead: int


@dataclass
class SalesRows:
    deals: list[tuple] = field(default_factory=list)
    lines: list[tuple] = field(default_factory=list)
    changes: list[tuple] = field(default_factory=list)
    participants: list[tuple] = field(default_factory=list)
    tasks: list[tuple] = field(default_factory=list)
    steps: list[tuple] = field(default_factory=list)
    proposals: list[tuple] = field(default_factory=list)
    orders: list[tuple] = field(default_factory=list)
    invoices: list[tuple] = field(default_factory=list)
    document_lines: list[tuple] = field(default_factory=list)
    payments: list[tuple] = field(default_factory=list)
    sales: list[tuple] = field(default_factory=list)
    leads: list[tuple] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(len(rows) for rows in vars(self).values())


@dataclass
class Company:
    """What a deal's documents keep of its client, and its people."""

    name: str
    full_name: str
    inn: str
    kpp: str
    address: str
    phone: str
    email: str
    region: str
    industry: int | None
    # (contact id, last, first, middle, e-mail, phone, role in deals), main first
    people: list[tuple] = field(default_factory=list)


def line_values(
    product: ProductInfo,
    quantity: int,
    price: Decimal,
    discount: int,
    amounts: LineAmounts,
) -> tuple:
    """A line's values from the product on: the same for a deal and its documents."""
    return (
        product.id,
        product.name,
        product.unit,
        Decimal(quantity),
        price,
        Decimal(discount),
        product.vat_rate,
        amounts.net,
        amounts.vat,
        amounts.total,
        product.cost_price,
    )
