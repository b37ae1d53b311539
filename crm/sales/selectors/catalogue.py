"""Reads of the catalogue that pages, the API and other parts of sales share.

Everyone on the staff reads the catalogue; only administrators and heads of
department change it (`can_edit_catalogue`). Prices and discounts are looked up here
for deal lines and documents: `price_for()` and `best_discount()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from crm.core import search, visibility
from crm.core.errors import NotFound
from crm.sales.models import (
    Discount,
    Price,
    PriceList,
    Product,
    ProductGroup,
    Unit,
    VatRate,
)
from crm.sales.models.catalogue import normal_barcode

# Nesting deeper than this is damaged data (a loop), not a real catalogue.
MAX_GROUP_DEPTH = 50


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _is_staff(actor) -> bool:
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and getattr(actor, "is_active", False)
    )


def can_read_catalogue(actor) -> bool:
    """Whether the actor may read the catalogue: any active member of staff."""
    return _is_staff(actor)


def can_edit_catalogue(actor) -> bool:
    """Whether the actor may change products, prices, price lists and discounts:
    administrators and heads of department."""
    if not _is_staff(actor):
        return False
    if visibility.is_admin(actor):
        return True
    return actor.role == visibility.Role.HEAD


def _id_or_none(value: Any) -> int | None:
    value = _pk(value)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound from None


# --- groups -------------------------------------------------------------------------


def product_group_list(*, actor) -> QuerySet[ProductGroup]:
    """Every product group (a small tree), parents loaded."""
    if not can_read_catalogue(actor):
        return ProductGroup.objects.none()
    return ProductGroup.objects.select_related("parent")


def product_group_get(*, actor, group_id: Any) -> ProductGroup:
    if not str(group_id).isdigit():
        raise NotFound
    group = product_group_list(actor=actor).filter(pk=group_id).first()
    if group is None:
        raise NotFound
    return group


def product_group_tree(*, actor) -> list[tuple[ProductGroup, int]]:
    """Groups in tree order with their depth, for selects and the catalogue's tree."""
    groups = list(product_group_list(actor=actor))
    children: dict[int | None, list[ProductGroup]] = {}
    for group in groups:
        children.setdefault(group.parent_id, []).append(group)
    result: list[tuple[ProductGroup, int]] = []
    seen: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for group in children.get(parent_id, []):
            if group.pk in seen or depth > MAX_GROUP_DEPTH:
                continue
            seen.add(group.pk)
            result.append((group, depth))
            walk(group.pk, depth + 1)

    walk(None, 0)
    return result


def group_descendant_ids(group_id: int) -> list[int]:
    """The group and every group nested in it (one query over the small tree)."""
    pairs = list(ProductGroup.objects.values_list("pk", "parent_id"))
    children: dict[int, list[int]] = {}
    for pk, parent_id in pairs:
        if parent_id is not None:
            children.setdefault(parent_id, []).append(pk)
    result, stack = [], [group_id]
    while stack:
        current = stack.pop()
        if current in result:
            continue
        result.append(current)
        stack.extend(children.get(current, []))
    return result


def group_ancestor_ids(group_id: int | None) -> list[int]:
    """The group and its parents up to the root, nearest first."""
    result: list[int] = []
    current = group_id
    while current is not None and current not in result:
        result.append(current)
        if len(result) > MAX_GROUP_DEPTH:
            break
        current = (
            ProductGroup.objects.filter(pk=current)
            .values_list("parent_id", flat=True)
            .first()
        )
    return result


# --- units and VAT rates ------------------------------------------------------------


def unit_list(*, actor, include_inactive: bool = False) -> QuerySet[Unit]:
    """Units of measure; retired ones only when asked (settings pages)."""
    if not can_read_catalogue(actor):
        return Unit.objects.none()
    queryset = Unit.objects.all()
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    return queryset


def unit_get(*, actor, unit_id: Any) -> Unit:
    if not str(unit_id).isdigit():
        raise NotFound
    unit = unit_list(actor=actor, include_inactive=True).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound
    return unit


def vat_rate_list(*, actor, include_inactive: bool = False) -> QuerySet[VatRate]:
    """VAT rates; a rate of None is "without VAT"."""
    if not can_read_catalogue(actor):
        return VatRate.objects.none()
    queryset = VatRate.objects.all()
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    return queryset


def vat_rate_get(*, actor, vat_rate_id: Any) -> VatRate:
    if not str(vat_rate_id).isdigit():
        raise NotFound
    rate = (
        vat_rate_list(actor=actor, include_inactive=True).filter(pk=vat_rate_id).first()
    )
    if rate is None:
        raise NotFound
    return rate


def default_vat_rate() -> VatRate | None:
    return VatRate.objects.filter(is_default=True, is_active=True).first()


# --- price lists --------------------------------------------------------------------


def price_list_list(
    *, actor, include_inactive: bool = True, currency: str | None = None
) -> QuerySet[PriceList]:
    """Price lists, the default one first."""
    if not can_read_catalogue(actor):
        return PriceList.objects.none()
    queryset = PriceList.objects.all()
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    if currency:
        queryset = queryset.filter(currency=currency)
    return queryset


def price_list_get(*, actor, price_list_id: Any) -> PriceList:
    """One price list; a missing one raises NotFound."""
    if not str(price_list_id).isdigit():
        raise NotFound
    found = price_list_list(actor=actor).filter(pk=price_list_id).first()
    if found is None:
        raise NotFound
    return found


def default_price_list() -> PriceList | None:
    """The price list new deals start with."""
    return (
        PriceList.objects.filter(is_active=True).order_by("-is_default", "pk").first()
    )


def price_for(product: Product | int, price_list: PriceList | int) -> Decimal | None:
    """The price of a product in a price list, or None when it has none there.

    The price is in the price list's currency, with or without VAT as the price
    list says (`prices_include_vat`).
    """
    return (
        Price.objects.filter(product_id=_pk(product), price_list_id=_pk(price_list))
        .values_list("price", flat=True)
        .first()
    )


def prices_for(
    products: Iterable[Product | int], price_list: PriceList | int
) -> dict[int, Decimal]:
    """Prices of several products in one price list at once: {product id: price}."""
    ids = [_pk(p) for p in products]
    return dict(
        Price.objects.filter(
            price_list_id=_pk(price_list), product_id__in=ids
        ).values_list("product_id", "price")
    )


def price_list_prices(
    *, actor, price_list: PriceList, filters: Mapping[str, Any] | None = None
) -> QuerySet[Product]:
    """Products for a price list's table: each carries `list_price` (None when the
    product has no price there). Filters as `product_list`; `priced` (True/False)
    keeps only products with or without a price in this list."""
    filters = dict(filters or {})
    priced = filters.pop("priced", None)
    queryset = product_list(actor=actor, filters=filters, with_prices=False)
    prices = Price.objects.filter(price_list=price_list, product_id=OuterRef("pk"))
    queryset = queryset.annotate(has_price=Exists(prices))
    if priced is not None:
        queryset = queryset.filter(has_price=bool(priced))
    return queryset.prefetch_related(
        Prefetch(
            "prices",
            queryset=Price.objects.filter(price_list=price_list),
            to_attr="list_prices",
        )
    )


# --- products -----------------------------------------------------------------------


def product_list(
    *,
    actor,
    filters: Mapping[str, Any] | None = None,
    with_prices: bool = True,
    with_price_lists: bool = True,
) -> QuerySet[Product]:
    """Products and services, filtered, with what a list row shows loaded.

    Filters: `q` (words of the name, SKU, barcode or external ID), `barcode` (exactly
    that code, as a scanner reads it), `group` (with its nested groups), `kind`,
    `is_active` (on sale), `price_list` (only products priced in it), `unit`,
    `vat_rate`. Each product carries its `prices` (every price list),
    prefetched in one query, each with its price list joined unless
    `with_price_lists` is false (the catalogue list reads only the amounts by price
    list id; an export of 30,000 products then builds 90,000 fewer rows).
    """
    if not can_read_catalogue(actor):
        return Product.objects.none()
    filters = filters or {}
    queryset = Product.objects.all()
    q = Q()
    group_id = _id_or_none(filters.get("group"))
    if group_id is not None:
        q &= Q(group_id__in=group_descendant_ids(group_id))
    if filters.get("kind"):
        q &= Q(kind=filters["kind"])
    if filters.get("is_active") is not None:
        q &= Q(is_active=bool(filters["is_active"]))
    if filters.get("barcode"):
        q &= Q(barcode=normal_barcode(filters["barcode"]))
    for name in ("unit", "vat_rate"):
        value = _id_or_none(filters.get(name))
        if value is not None:
            q &= Q(**{f"{name}_id": value})
    price_list_id = _id_or_none(filters.get("price_list"))
    if price_list_id is not None:
        q &= Q(
            Exists(
                Price.objects.filter(
                    price_list_id=price_list_id, product_id=OuterRef("pk")
                )
            )
        )
    queryset = queryset.filter(q)
    if filters.get("q"):
        queryset = search.matching(queryset, filters["q"])
    queryset = queryset.select_related("group", "unit", "vat_rate")
    if with_prices:
        prices = Price.objects.all()
        if with_price_lists:
            prices = prices.select_related("price_list")
        queryset = queryset.prefetch_related(Prefetch("prices", queryset=prices))
    return queryset


def product_get(*, actor, product_id: Any) -> Product:
    """One product or service with its prices; one in the trash is not found."""
    if not str(product_id).isdigit():
        raise NotFound
    product = product_list(actor=actor).filter(pk=product_id).first()
    if product is None:
        raise NotFound
    return product


def product_search(*, actor, query: str, limit: int = 8) -> list[Product]:
    """A few products for the global search and pickers, sorted by name."""
    if not can_read_catalogue(actor) or not search.is_searchable(query):
        return []
    hits = search.matching(Product.objects.all(), query).order_by()[:limit]
    return sorted(hits, key=lambda p: (p.name.lower(), p.pk))


def product_prices(product: Product) -> dict[int, Price]:
    """A product's prices by price list id (from the prefetched `prices`)."""
    return {price.price_list_id: price for price in product.prices.all()}


# --- discounts ----------------------------------------------------------------------


def discount_list(
    *, actor, filters: Mapping[str, Any] | None = None
) -> QuerySet[Discount]:
    """Discounts, filtered by `product`, `group`, `company`, `category`,
    `is_active` and `valid_on` (a date within the discount's dates)."""
    if not can_read_catalogue(actor):
        return Discount.objects.none()
    filters = filters or {}
    q = Q()
    for name, field in (
        ("product", "product_id"),
        ("group", "product_group_id"),
        ("company", "company_id"),
        ("category", "company_category_id"),
    ):
        value = _id_or_none(filters.get(name))
        if value is not None:
            q &= Q(**{field: value})
    if filters.get("is_active") is not None:
        q &= Q(is_active=bool(filters["is_active"]))
    if filters.get("valid_on"):
        q &= _valid_on_q(filters["valid_on"])
    return Discount.objects.filter(q).select_related(
        "product", "product_group", "company", "company_category"
    )


def discount_get(*, actor, discount_id: Any) -> Discount:
    if not str(discount_id).isdigit():
        raise NotFound
    found = discount_list(actor=actor).filter(pk=discount_id).first()
    if found is None:
        raise NotFound
    return found


def client_discounts(*, actor, company, limit: int = 10) -> list[Discount]:
    """Active discounts made for this client or its category, valid today or
    later, the largest first (the company card shows them)."""
    if not can_read_catalogue(actor):
        return []
    q = Q(company_id=company.pk)
    if company.category_id is not None:
        q |= Q(company__isnull=True, company_category_id=company.category_id)
    today = timezone.localdate()
    queryset = (
        Discount.objects.filter(q, is_active=True)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("product", "product_group", "company_category")
        .order_by("-percent", "pk")
    )
    return list(queryset[:limit])


def _valid_on_q(day: dt.date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def applicable_discounts(
    product: Product | None,
    company=None,
    quantity: Decimal | int | str = Decimal("1"),
    day: dt.date | None = None,
) -> QuerySet[Discount]:
    """Active discounts that apply to this product, client, quantity and day,
    the largest first.

    A discount applies when each of its conditions holds: its product is this one
    (or its group is the product's group or a group above it, or it names neither);
    its client is this company (or its category is the company's, or it names
    neither); the quantity reaches `min_quantity`; the day is within its dates.
    """
    day = day or timezone.localdate()
    quantity = Decimal(str(quantity))
    if product is not None:
        group_ids = group_ancestor_ids(product.group_id)
        product_q = (
            Q(product_id=product.pk)
            | Q(product__isnull=True, product_group_id__in=group_ids)
            | Q(product__isnull=True, product_group__isnull=True)
        )
    else:
        product_q = Q(product__isnull=True, product_group__isnull=True)
    if company is not None:
        client_q = Q(company_id=company.pk) | Q(
            company__isnull=True, company_category__isnull=True
        )
        if company.category_id is not None:
            client_q |= Q(company__isnull=True, company_category_id=company.category_id)
    else:
        client_q = Q(company__isnull=True, company_category__isnull=True)
    return Discount.objects.filter(
        product_q,
        client_q,
        _valid_on_q(day),
        is_active=True,
        min_quantity__lte=quantity,
    ).order_by("-percent", "pk")


def best_discount(
    product: Product | None,
    company=None,
    quantity: Decimal | int | str = Decimal("1"),
    day: dt.date | None = None,
) -> Discount | None:
    """The largest standing discount for a product sold to a client in a quantity
    on a day, or None. Discounts do not add up: the best one wins."""
    return applicable_discounts(product, company, quantity, day).first()
