"""Shapes of the catalogue in the HTTP API. Money is a decimal string ("1990.00")
in the currency of its price list, never a float."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from crm.core.schemas import ListQuery


class PriceIn(Schema):
    """A product's price in one price list; null removes it from that list."""

    price_list_id: int
    price: Decimal | None = Field(None, description="Zero or more; null removes.")


class PriceOut(Schema):
    price_list_id: int
    currency: str
    prices_include_vat: bool
    price: Decimal

    @staticmethod
    def resolve_currency(obj) -> str:
        return obj.price_list.currency

    @staticmethod
    def resolve_prices_include_vat(obj) -> bool:
        return obj.price_list.prices_include_vat


class ProductIn(Schema):
    """A whole product or service (POST). References are ids; `vat_rate_id` left
    out takes the default VAT rate."""

    kind: str = Field("product", description="`product` or `service`.")
    name: str
    sku: str = ""
    barcode: str = Field(
        "",
        description="EAN-13, EAN-8, UPC-A or ITF-14 digits (the check digit must "
        "match) or any other code up to 64 characters; not unique.",
    )
    group_id: int | None = None
    unit_id: int | None = None
    vat_rate_id: int | None = None
    cost_price: Decimal = Decimal("0")
    description: str = ""
    is_active: bool = Field(True, description="On sale.")
    external_id: str = ""
    prices: list[PriceIn] = []


class ProductPatch(Schema):
    """Some fields of a product (PATCH): what is left out does not change; `prices`
    sets the prices of the price lists it names and leaves the others."""

    kind: str | None = None
    name: str | None = None
    sku: str | None = None
    barcode: str | None = None
    group_id: int | None = None
    unit_id: int | None = None
    vat_rate_id: int | None = None
    cost_price: Decimal | None = None
    description: str | None = None
    is_active: bool | None = None
    external_id: str | None = None
    prices: list[PriceIn] | None = None
    version: int | None = Field(
        None, description="The version you loaded: a stale one is 409."
    )


class ProductOut(Schema):
    id: int
    kind: str
    name: str
    sku: str
    barcode: str
    group_id: int | None
    unit_id: int | None
    unit: str = Field("", description="The unit's abbreviation.")
    vat_rate_id: int | None
    vat_rate: Decimal | None = Field(
        None, description="The VAT rate in %; null for none or “without VAT”."
    )
    cost_price: Decimal
    description: str
    is_active: bool
    external_id: str
    stock: Decimal | None = Field(
        None, description="In stock as 1C last reported it; null when unknown."
    )
    stock_updated_at: dt.datetime | None = Field(
        None, description="When 1C wrote the report of that stock."
    )
    image_url: str = Field("", description="The product's picture; empty without.")
    prices: list[PriceOut]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.unit.short_name if obj.unit_id else ""

    @staticmethod
    def resolve_vat_rate(obj) -> Decimal | None:
        return obj.vat_rate.rate if obj.vat_rate_id else None

    @staticmethod
    def resolve_prices(obj) -> list:
        return list(obj.prices.all())


class ProductFilter(ListQuery):
    """Filters of the product list; `q` searches names, SKUs, barcodes and
    external IDs."""

    barcode: str | None = Field(
        None, description="Exactly this barcode, as a scanner reads it."
    )
    group_id: int | None = Field(None, description="With its nested groups.")
    kind: str | None = None
    is_active: bool | None = None
    price_list_id: int | None = Field(None, description="Only products priced in it.")


class ProductListOut(Schema):
    items: list[ProductOut]
    count: int


class PriceListIn(Schema):
    name: str
    currency: str = Field("RUB", description="RUB, USD, EUR, CNY, KZT or BYN.")
    prices_include_vat: bool = True
    is_default: bool = False
    is_active: bool = True
    external_id: str = ""


class PriceListPatch(Schema):
    """Some fields of a price list; its currency is fixed once it has prices."""

    name: str | None = None
    currency: str | None = None
    prices_include_vat: bool | None = None
    is_default: bool | None = None
    is_active: bool | None = None
    external_id: str | None = None


class PriceListOut(Schema):
    id: int
    name: str
    currency: str
    prices_include_vat: bool
    is_default: bool
    is_active: bool
    external_id: str


class PriceListFilter(ListQuery):
    currency: str | None = None
    is_active: bool | None = None


class PriceListListOut(Schema):
    items: list[PriceListOut]
    count: int


class PriceListPriceOut(Schema):
    """A product in a price list's table; `price` is null when it has none there."""

    product_id: int
    name: str
    sku: str
    is_active: bool
    price: Decimal | None

    @staticmethod
    def resolve_product_id(obj) -> int:
        return obj.pk

    @staticmethod
    def resolve_price(obj) -> Decimal | None:
        prices = getattr(obj, "list_prices", None) or []
        return prices[0].price if prices else None


class PriceListPricesFilter(ListQuery):
    group_id: int | None = None
    priced: bool | None = Field(
        None, description="true: only products with a price here; false: without."
    )


class PriceListPricesOut(Schema):
    items: list[PriceListPriceOut]
    count: int


class PricePut(Schema):
    price: Decimal | None = Field(
        ..., description="The product's price in this list; null removes it."
    )


class PriceSetOut(Schema):
    product_id: int
    price_list_id: int
    currency: str
    price: Decimal | None


class ReferenceOut(Schema):
    id: int
    name: str
    name_en: str
    name_ru: str
    is_active: bool


class UnitOut(ReferenceOut):
    short_name: str
    okei_code: str


class VatRateOut(ReferenceOut):
    rate: Decimal | None = Field(description="null: without VAT.")
    is_default: bool


class ProductGroupOut(Schema):
    id: int
    name: str
    parent_id: int | None
    external_id: str


class DiscountOut(Schema):
    id: int
    name: str
    percent: Decimal
    product_id: int | None
    product_group_id: int | None
    company_id: int | None
    company_category_id: int | None
    min_quantity: Decimal
    valid_from: dt.date | None
    valid_to: dt.date | None
    is_active: bool


class DiscountIn(Schema):
    """A standing discount: name neither product nor group for everything, neither
    client nor category for every client."""

    name: str
    percent: Decimal
    product_id: int | None = None
    product_group_id: int | None = None
    company_id: int | None = None
    company_category_id: int | None = None
    min_quantity: Decimal = Decimal("0")
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    is_active: bool = True


class DiscountPatch(Schema):
    name: str | None = None
    percent: Decimal | None = None
    product_id: int | None = None
    product_group_id: int | None = None
    company_id: int | None = None
    company_category_id: int | None = None
    min_quantity: Decimal | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    is_active: bool | None = None


class DiscountFilter(ListQuery):
    product_id: int | None = None
    group_id: int | None = None
    company_id: int | None = None
    is_active: bool | None = None
    valid_on: dt.date | None = None


class DiscountListOut(Schema):
    items: list[DiscountOut]
    count: int


class BestDiscountOut(Schema):
    """The largest discount for a product, client, quantity and day (or none)."""

    discount: DiscountOut | None
