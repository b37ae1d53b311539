"""The catalogue in the HTTP API: products with their prices, price lists with a
table of prices, discounts, and the reference lists products name.

Everyone reads; administrators and heads of department change (403 otherwise).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from crm.core.schemas import ordered, paginate
from crm.customers.selectors import company_get
from crm.sales.schemas.catalogue import (
    BestDiscountOut,
    DiscountFilter,
    DiscountIn,
    DiscountListOut,
    DiscountOut,
    DiscountPatch,
    PriceListFilter,
    PriceListIn,
    PriceListListOut,
    PriceListOut,
    PriceListPatch,
    PriceListPricesFilter,
    PriceListPricesOut,
    PricePut,
    PriceSetOut,
    ProductFilter,
    ProductGroupOut,
    ProductIn,
    ProductListOut,
    ProductOut,
    ProductPatch,
    UnitOut,
    VatRateOut,
)
from crm.sales.selectors import catalogue as selectors
from crm.sales.services import catalogue as services
from crm.sales.services import catalogue_discounts as discount_services

router = Router(tags=["catalogue"])

PRODUCT_ORDERING = {
    "name": "name",
    "sku": "sku",
    "cost_price": "cost_price",
    "created_at": "created_at",
    "updated_at": "updated_at",
}


def _data(payload: Schema, *, partial: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=partial)
    if data.get("prices") is not None:
        data["prices"] = [dict(row) for row in data["prices"]]
    return data


def _product(request, product_id: int):
    return selectors.product_get(actor=request.user, product_id=product_id)


# --- products -------------------------------------------------------------------------


@router.get("/products", response=ProductListOut, operation_id="product_list")
def list_products(request, filters: Query[ProductFilter]):
    """Products and services with their prices in every price list."""
    queryset = selectors.product_list(
        actor=request.user,
        filters={
            "q": filters.q,
            "group": filters.group_id,
            "kind": filters.kind,
            "is_active": filters.is_active,
            "price_list": filters.price_list_id,
            "barcode": filters.barcode,
        },
    )
    queryset = ordered(queryset, filters.ordering, PRODUCT_ORDERING)
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


@router.post("/products", response={201: ProductOut}, operation_id="product_create")
def create_product(request, payload: ProductIn):
    """Add a product or service with its prices (administrators, heads)."""
    data = _data(payload, partial=False)
    if "vat_rate_id" not in payload.model_fields_set:
        data.pop("vat_rate_id")
    product = services.product_create(actor=request.user, **data)
    return Status(201, _product(request, product.pk))


@router.get("/products/{product_id}", response=ProductOut, operation_id="product_get")
def read_product(request, product_id: int):
    return _product(request, product_id)


@router.patch(
    "/products/{product_id}", response=ProductOut, operation_id="product_update"
)
def update_product(request, product_id: int, payload: ProductPatch):
    """Change the fields you send; send `version` to be told (409) of others' saves."""
    product = _product(request, product_id)
    services.product_update(
        actor=request.user, product=product, **_data(payload, partial=True)
    )
    return _product(request, product_id)


@router.post(
    "/products/{product_id}/image",
    response=ProductOut,
    operation_id="product_image_set",
)
def set_product_image(request, product_id: int, file: File[UploadedFile]):
    """Upload the product's picture (multipart `file`: JPEG, PNG, GIF or WebP, checked
    to be one); it replaces the picture the product had."""
    product = _product(request, product_id)
    services.product_update(actor=request.user, product=product, image=file)
    return _product(request, product_id)


@router.delete(
    "/products/{product_id}/image",
    response=ProductOut,
    operation_id="product_image_remove",
)
def remove_product_image(request, product_id: int):
    """Take the picture off the product."""
    product = _product(request, product_id)
    services.product_update(actor=request.user, product=product, image="")
    return _product(request, product_id)


@router.delete(
    "/products/{product_id}", response={204: None}, operation_id="product_delete"
)
def delete_product(request, product_id: int):
    """Move the product to the trash; deals and documents keep naming it."""
    product = _product(request, product_id)
    services.product_delete(actor=request.user, product=product)
    return Status(204, None)


class BestDiscountQuery(Schema):
    company_id: int | None = None
    quantity: Decimal = Decimal("1")
    day: dt.date | None = None


@router.get(
    "/products/{product_id}/best-discount",
    response=BestDiscountOut,
    operation_id="best_discount",
)
def product_best_discount(request, product_id: int, query: Query[BestDiscountQuery]):
    """The largest standing discount for this product, client, quantity and day."""
    product = _product(request, product_id)
    company = (
        company_get(actor=request.user, company_id=query.company_id)
        if query.company_id is not None
        else None
    )
    discount = selectors.best_discount(product, company, query.quantity, query.day)
    return {"discount": discount}


# --- price lists ----------------------------------------------------------------------


@router.get("/price-lists", response=PriceListListOut, operation_id="price_list_list")
def list_price_lists(request, filters: Query[PriceListFilter]):
    queryset: QuerySet = selectors.price_list_list(
        actor=request.user, currency=filters.currency
    )
    if filters.is_active is not None:
        queryset = queryset.filter(is_active=filters.is_active)
    queryset = ordered(queryset, filters.ordering, {"name": "name", "id": "id"})
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


@router.post(
    "/price-lists", response={201: PriceListOut}, operation_id="price_list_create"
)
def create_price_list(request, payload: PriceListIn):
    """Add a price list in one currency (administrators, heads)."""
    return Status(201, services.price_list_create(actor=request.user, **payload.dict()))


@router.get(
    "/price-lists/{price_list_id}",
    response=PriceListOut,
    operation_id="price_list_get",
)
def read_price_list(request, price_list_id: int):
    return selectors.price_list_get(actor=request.user, price_list_id=price_list_id)


@router.patch(
    "/price-lists/{price_list_id}",
    response=PriceListOut,
    operation_id="price_list_update",
)
def update_price_list(request, price_list_id: int, payload: PriceListPatch):
    """Change a price list; its currency cannot change once it has prices (422)."""
    price_list = selectors.price_list_get(
        actor=request.user, price_list_id=price_list_id
    )
    return services.price_list_update(
        actor=request.user, price_list=price_list, **payload.dict(exclude_unset=True)
    )


@router.get(
    "/price-lists/{price_list_id}/prices",
    response=PriceListPricesOut,
    operation_id="price_list_prices",
)
def list_price_list_prices(
    request, price_list_id: int, filters: Query[PriceListPricesFilter]
):
    """Products with their price in this price list (null: none there)."""
    price_list = selectors.price_list_get(
        actor=request.user, price_list_id=price_list_id
    )
    queryset = selectors.price_list_prices(
        actor=request.user,
        price_list=price_list,
        filters={"q": filters.q, "group": filters.group_id, "priced": filters.priced},
    )
    queryset = ordered(queryset, filters.ordering, {"name": "name", "sku": "sku"})
    if not filters.ordering:
        queryset = queryset.order_by("name", "pk")
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


@router.put(
    "/price-lists/{price_list_id}/prices/{product_id}",
    response=PriceSetOut,
    operation_id="price_set",
)
def put_price(request, price_list_id: int, product_id: int, payload: PricePut):
    """Set one product's price in this price list; null removes it."""
    price_list = selectors.price_list_get(
        actor=request.user, price_list_id=price_list_id
    )
    product = _product(request, product_id)
    price = services.price_set(
        actor=request.user, price_list=price_list, product=product, price=payload.price
    )
    return {
        "product_id": product.pk,
        "price_list_id": price_list.pk,
        "currency": price_list.currency,
        "price": price.price if price is not None else None,
    }


# --- discounts ------------------------------------------------------------------------


@router.get("/discounts", response=DiscountListOut, operation_id="discount_list")
def list_discounts(request, filters: Query[DiscountFilter]):
    queryset = selectors.discount_list(
        actor=request.user,
        filters={
            "product": filters.product_id,
            "group": filters.group_id,
            "company": filters.company_id,
            "is_active": filters.is_active,
            "valid_on": filters.valid_on,
        },
    )
    queryset = ordered(
        queryset, filters.ordering, {"name": "name", "percent": "percent"}
    )
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


@router.post("/discounts", response={201: DiscountOut}, operation_id="discount_create")
def create_discount(request, payload: DiscountIn):
    """Add a discount (administrators, heads); percent from 0 to 100."""
    return Status(
        201, discount_services.discount_create(actor=request.user, **payload.dict())
    )


@router.get(
    "/discounts/{discount_id}", response=DiscountOut, operation_id="discount_get"
)
def read_discount(request, discount_id: int):
    return selectors.discount_get(actor=request.user, discount_id=discount_id)


@router.patch(
    "/discounts/{discount_id}", response=DiscountOut, operation_id="discount_update"
)
def update_discount(request, discount_id: int, payload: DiscountPatch):
    discount = selectors.discount_get(actor=request.user, discount_id=discount_id)
    return discount_services.discount_update(
        actor=request.user, discount=discount, **payload.dict(exclude_unset=True)
    )


@router.delete(
    "/discounts/{discount_id}", response={204: None}, operation_id="discount_delete"
)
def delete_discount(request, discount_id: int):
    discount = selectors.discount_get(actor=request.user, discount_id=discount_id)
    discount_services.discount_delete(actor=request.user, discount=discount)
    return Status(204, None)


# --- reference lists ------------------------------------------------------------------


class _RefList(Schema):
    count: int


class UnitListOut(_RefList):
    items: list[UnitOut]


class VatRateListOut(_RefList):
    items: list[VatRateOut]


class ProductGroupListOut(_RefList):
    items: list[ProductGroupOut]


@router.get("/units", response=UnitListOut, operation_id="unit_list")
def list_units(request):
    """Units of measure, retired ones included (`is_active`)."""
    units = list(selectors.unit_list(actor=request.user, include_inactive=True))
    return {"items": units, "count": len(units)}


@router.get("/vat-rates", response=VatRateListOut, operation_id="vat_rate_list")
def list_vat_rates(request):
    """VAT rates; `rate` null is “without VAT”."""
    rates = list(selectors.vat_rate_list(actor=request.user, include_inactive=True))
    return {"items": rates, "count": len(rates)}


@router.get(
    "/product-groups", response=ProductGroupListOut, operation_id="product_group_list"
)
def list_product_groups(request):
    """The groups of the catalogue, in tree order (a group's parent comes first)."""
    groups = [
        group for group, _depth in selectors.product_group_tree(actor=request.user)
    ]
    return {"items": groups, "count": len(groups)}
