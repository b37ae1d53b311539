"""Helpers of the deal tests: priced products, deals opened through the service,
and the stages of the default pipeline by kind."""

from __future__ import annotations

from decimal import Decimal

from crm.customers.tests.factories import CompanyFactory
from crm.sales.models import Deal, PriceList, Product, Stage, StageKind, VatRate
from crm.sales.services.deals import deal_create
from crm.sales.tests.factories import PriceFactory, ProductFactory, default_pipeline


def vat(rate) -> VatRate:
    """The VAT rate of the reference data (22, 10, 0 or None for "without VAT")."""
    return (
        VatRate.objects.get(rate=rate)
        if rate is not None
        else VatRate.objects.get(rate__isnull=True)
    )


def retail() -> PriceList:
    """The default price list of the reference data (RUB, prices include VAT)."""
    return PriceList.objects.get(is_default=True)


def priced_product(
    price: str | Decimal = "1220.00",
    *,
    price_list: PriceList | None = None,
    rate=Decimal("22"),
    **fields,
) -> Product:
    """A product with a price in the price list (the default one by default)."""
    product = ProductFactory(vat_rate=vat(rate), **fields)
    PriceFactory(
        price_list=price_list or retail(), product=product, price=Decimal(price)
    )
    return product


def stage(kind: str, pipeline=None, index: int = 0) -> Stage:
    """The `index`-th stage of a kind in a pipeline (the default one by default)."""
    pipeline = pipeline or default_pipeline()
    return list(pipeline.stages.filter(kind=kind).order_by("position", "id"))[index]


def open_stages(pipeline=None) -> list[Stage]:
    pipeline = pipeline or default_pipeline()
    return list(pipeline.stages.filter(kind=StageKind.OPEN).order_by("position"))


def make_deal(owner, **fields) -> Deal:
    """A deal opened through `deal_create` by its owner, for a company of theirs."""
    if "company" not in fields and "contact" not in fields:
        fields["company"] = CompanyFactory(curator=owner)
    fields.setdefault("title", "Поставка оборудования")
    return deal_create(actor=owner, **fields)
