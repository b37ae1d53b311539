"""Writes of the catalogue: products and services, their groups, prices per price
list and price lists (discounts are in `catalogue_discounts`, the settings of units
and VAT rates in `catalogue_settings`).

Administrators and heads of department change the catalogue. Every mistake of a submission is
reported at once, each under its field, and nothing is saved until all is right.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from crm.core import audit
from crm.core.errors import DomainError, Forbidden
from crm.core.services import claim_version, record_trash
from crm.customers.services.records import Errors, add_error, pk_of, raise_errors
from crm.sales.models import (
    Currency,
    Discount,
    Price,
    PriceList,
    Product,
    ProductGroup,
    ProductKind,
    Unit,
    VatRate,
)
from crm.sales.models.catalogue import BARCODE_LENGTH, is_digits, normal_barcode
from crm.sales.selectors.catalogue import MAX_GROUP_DEPTH, can_edit_catalogue
from crm.sales.services.catalogue_images import (
    CheckedImage,
    ImageError,
    image_check,
    image_precheck,
    image_store,
)

MONEY_LIMIT = Decimal("9999999999999999.99")
QUANTITY_LIMIT = Decimal("99999999999.999")

PRODUCT_FIELDS = frozenset(
    {
        "kind",
        "name",
        "sku",
        "barcode",
        "description",
        "is_active",
        "external_id",
        "cost_price",
        "group_id",
        "unit_id",
        "vat_rate_id",
        "image",
    }
)
# Barcodes of these lengths in digits are GTINs: their last digit checks the rest.
GTIN_KINDS = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "ITF-14"}


def ensure_catalogue_editor(*, actor) -> None:
    """Refuse anyone but administrators and heads of department."""
    if not can_edit_catalogue(actor):
        raise Forbidden(
            _("Only administrators and heads of department may change the catalogue.")
        )


# --- value checks ---------------------------------------------------------------------


def parse_decimal(value: Any) -> Decimal | None:
    """A Decimal from what people and programs send: 1234.5, "1 234,50", Decimal.

    Floats go through their shortest text form, so 0.1 stays 0.1 and not the binary
    fraction behind it. None for an empty value; raises ValueError for text that is
    not a number.
    """
    if value is None:
        return None
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError(value)
    elif isinstance(value, int | float):
        result = Decimal(str(value))
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if not text:
            return None
        if "," in text and "." in text:
            # Both separators: the last one is the decimal one ("1,004.50",
            # "1.004,50"); the other groups thousands.
            decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
            text = text.replace("." if decimal_mark == "," else ",", "")
        text = text.replace(",", ".")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(value) from None
    if not result.is_finite():
        raise ValueError(value)
    return result


def clean_amount(
    value: Any,
    *,
    field: str,
    errors: Errors,
    places: int = 2,
    minimum: Decimal = Decimal("0"),
    maximum: Decimal = MONEY_LIMIT,
    message: str | None = None,
    required: bool = True,
) -> Decimal | None:
    """A non-negative amount with at most `places` decimals, or None when empty
    and not required."""
    try:
        amount = parse_decimal(value)
    except ValueError:
        add_error(errors, field, _("Enter a number, like 1500.50."))
        return None
    if amount is None:
        if required:
            add_error(errors, field, _("This field is required."))
        return None
    if amount < minimum or amount > maximum:
        add_error(
            errors,
            field,
            message
            or _("Enter a number from %(min)s to %(max)s.")
            % {"min": minimum, "max": maximum},
        )
        return None
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        add_error(
            errors,
            field,
            _("At most %(places)d digits after the decimal point.")
            % {"places": places},
        )
        return None
    return amount.quantize(Decimal(1).scaleb(-places))


def clean_price(value: Any, *, field: str, errors: Errors) -> Decimal | None:
    """A price: zero or more, kopecks at most; empty means "no price"."""
    return clean_amount(
        value,
        field=field,
        errors=errors,
        required=False,
        message=_("A price cannot be negative."),
    )


def clean_text(
    value: Any, *, model, field: str, errors: Errors, required: bool = False
) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        add_error(errors, field, _("This field is required."))
        return text
    limit = model._meta.get_field(field).max_length
    if limit and len(text) > limit:
        add_error(errors, field, _("At most %(count)d characters.") % {"count": limit})
    return text


def _clean_choice(value: Any, *, choices, field: str, errors: Errors) -> str:
    if value not in choices.values:
        add_error(
            errors,
            field,
            _("Choose one of: %(values)s.")
            % {"values": ", ".join(str(label) for label in choices.labels)},
        )
    return value


def resolve_item(
    model,
    value: Any,
    *,
    field: str,
    errors: Errors,
    current_id=None,
    message: str | None = None,
):
    """An active row of a reference model by id (a retired one only where it was)."""
    item_id = pk_of(value)
    if item_id is None:
        return None
    message = message or _("Choose one of the offered values.")
    try:
        item_id = int(item_id)
    except (TypeError, ValueError):
        add_error(errors, field, message)
        return None
    item = model.objects.filter(pk=item_id).first()
    if item is None or (
        hasattr(item, "is_active") and not item.is_active and item_id != current_id
    ):
        add_error(errors, field, message)
        return None
    return item


def clean_date(value: Any, *, field: str, errors: Errors) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        add_error(errors, field, _("Enter a date as YYYY-MM-DD."))
        return None


def barcode_error(barcode: str, *, check_digit: bool = True) -> str | None:
    """Why a barcode (as `normal_barcode` gives it) cannot be stored; None if it can.

    Digits of an EAN-8, UPC-A, EAN-13 or ITF-14 length must end in the right check
    digit: a mistyped digit is caught here rather than at the till. Other codes
    (Code 128 text, in-house numbers) are taken as they are, on one line. A code
    that comes from the accounting system (`check_digit=False`) is kept as it is
    there: it is printed on the goods already, and refusing it loses data.
    """
    if not barcode:
        return None
    if len(barcode) > BARCODE_LENGTH:
        return _("A barcode has at most %(count)d characters.") % {
            "count": BARCODE_LENGTH
        }
    if not barcode.isprintable():
        return _("A barcode is one line of letters, digits and signs.")
    kind = GTIN_KINDS.get(len(barcode)) if is_digits(barcode) else None
    if check_digit and kind is not None and not _gtin_check_ok(barcode):
        return _(
            "The barcode %(barcode)s is not a valid %(kind)s: its check digit "
            "does not match."
        ) % {"barcode": barcode, "kind": kind}
    return None


def _gtin_check_ok(digits: str) -> bool:
    """The GS1 check: digits weighted 3, 1, 3… from the right, the check digit
    making the sum a multiple of ten."""
    total = sum(
        int(digit) * (3 if index % 2 == 0 else 1)
        for index, digit in enumerate(reversed(digits[:-1]))
    )
    return (10 - total % 10) % 10 == int(digits[-1])


def _clean_image(value: Any, *, errors: Errors) -> CheckedImage | str | None:
    """An uploaded picture checked (stored only once everything else is right);
    "" for an empty value, which removes the image; None after an error."""
    if value in (None, "", False):
        return ""
    name = str(getattr(value, "name", "") or "")
    try:
        image_precheck(name=name, size=int(getattr(value, "size", 0) or 0))
        value.seek(0)
        return image_check(value.read(), name=name)
    except ImageError as error:
        add_error(errors, "image", error.message)
    except (AttributeError, TypeError):
        add_error(errors, "image", _("Send the picture as a file."))
    return None


def _store_image(values: dict[str, Any]) -> None:
    if isinstance(values.get("image"), CheckedImage):
        values["image"] = image_store(values["image"])


def refuse_unknown(fields: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError(_("Unknown field: %(name)s.") % {"name": name}, field=name)


# --- products -------------------------------------------------------------------------


def _clean_product(
    *, product: Product, fields: Mapping[str, Any], errors: Errors
) -> dict[str, Any]:
    refuse_unknown(fields, PRODUCT_FIELDS)
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "kind":
            values["kind"] = _clean_choice(
                value or ProductKind.PRODUCT,
                choices=ProductKind,
                field="kind",
                errors=errors,
            )
        elif name == "is_active":
            values["is_active"] = bool(value)
        elif name == "cost_price":
            values["cost_price"] = clean_amount(
                value if value not in (None, "") else "0",
                field="cost_price",
                errors=errors,
                message=_("A cost price cannot be negative."),
            )
        elif name == "group_id":
            values["group"] = resolve_item(
                ProductGroup,
                value,
                field="group_id",
                errors=errors,
                message=_("Choose a product group from the list."),
            )
        elif name == "unit_id":
            values["unit"] = resolve_item(
                Unit,
                value,
                field="unit_id",
                errors=errors,
                current_id=product.unit_id,
                message=_("Choose a unit of measure from the list."),
            )
        elif name == "vat_rate_id":
            values["vat_rate"] = resolve_item(
                VatRate,
                value,
                field="vat_rate_id",
                errors=errors,
                current_id=product.vat_rate_id,
                message=_("Choose a VAT rate from the list."),
            )
        elif name == "barcode":
            barcode = normal_barcode(value)
            # Only a code being typed is checked: one 1C sent stays editable around.
            problem = barcode_error(barcode, check_digit=barcode != product.barcode)
            if problem:
                add_error(errors, "barcode", problem)
            values["barcode"] = barcode
        elif name == "image":
            values["image"] = _clean_image(value, errors=errors)
        else:
            values[name] = clean_text(value, model=Product, field=name, errors=errors)
    name = values.get("name", product.name)
    if not name and "name" not in errors:
        add_error(errors, "name", _("Enter the name of the product or service."))
    sku = values.get("sku")
    if (
        sku
        and sku != product.sku
        and "sku" not in errors
        and Product.objects.filter(sku=sku).exclude(pk=product.pk).exists()
    ):
        add_error(errors, "sku", _("Another product has this SKU."))
    external_id = values.get("external_id")
    if (
        external_id
        and external_id != product.external_id
        and Product.all_objects.with_external_id(external_id)
        .exclude(pk=product.pk)
        .exists()
    ):
        add_error(errors, "external_id", _("Another product has this external ID."))
    return values


def _clean_price_rows(
    prices: Iterable | Mapping | None, errors: Errors
) -> list[tuple[PriceList, Decimal | None]] | None:
    """Prices as (price list, price or None to remove). Rows come as a mapping
    {price list id: price} (forms) or a list of {price_list_id, price} (the API);
    errors are named `prices.<i>.price`."""
    if prices is None:
        return None
    rows: list[Mapping[str, Any]]
    if isinstance(prices, Mapping):
        rows = [{"price_list_id": k, "price": v} for k, v in prices.items()]
    else:
        rows = [
            row if isinstance(row, Mapping) else row.dict()  # a ninja schema
            for row in prices
        ]
    ids: list[int | None] = []
    for row in rows:
        try:
            ids.append(int(pk_of(row.get("price_list_id"))))
        except (TypeError, ValueError):
            ids.append(None)
    lists = PriceList.objects.in_bulk([i for i in ids if i is not None])
    result: list[tuple[PriceList, Decimal | None]] = []
    seen: set[int] = set()
    for index, (row, list_id) in enumerate(zip(rows, ids, strict=True)):
        price_list = lists.get(list_id) if list_id is not None else None
        if price_list is None:
            add_error(
                errors,
                f"prices.{index}.price_list_id",
                _("Choose one of the price lists."),
            )
            continue
        if price_list.pk in seen:
            add_error(
                errors,
                f"prices.{index}.price_list_id",
                _("This price list is given twice."),
            )
            continue
        seen.add(price_list.pk)
        field = f"prices.{index}.price"
        before = len(errors.get(field, []))
        price = clean_price(row.get("price"), field=field, errors=errors)
        if len(errors.get(field, [])) == before:
            result.append((price_list, price))
    return result


def _write_prices(
    *, actor, product: Product, rows: list[tuple[PriceList, Decimal | None]]
) -> None:
    """Store prices, recording each change in the history of the price."""
    current = {p.price_list_id: p for p in Price.objects.filter(product=product)}
    for price_list, amount in rows:
        _store_price(
            actor=actor,
            product=product,
            price_list=price_list,
            amount=amount,
            existing=current.get(price_list.pk),
        )


def _store_price(
    *,
    actor,
    product: Product,
    price_list: PriceList,
    amount: Decimal | None,
    existing: Price | None,
) -> Price | None:
    if existing is not None:
        existing.product, existing.price_list = product, price_list
    if amount is None:
        if existing is not None:
            audit.record_delete(actor, existing)
            existing.delete()
        return None
    if existing is None:
        price = Price.objects.create(
            product=product, price_list=price_list, price=amount
        )
        audit.record_create(actor, price)
        return price
    if existing.price != amount:
        before = audit.snapshot(existing)
        existing.price = amount
        existing.save(update_fields=["price"])
        audit.record_update(actor, existing, before)
    return existing


def _forget_prices(product: Product) -> None:
    cache = getattr(product, "_prefetched_objects_cache", None)
    if cache:
        cache.pop("prices", None)


@transaction.atomic
def product_create(
    *, actor, prices: Iterable | Mapping | None = None, **fields: Any
) -> Product:
    """Add a product or a service to the catalogue, with its prices.

    `fields` are the product's own fields, references as `group_id`, `unit_id`,
    `vat_rate_id` (the default VAT rate when left out); `prices` are its prices per
    price list, as {price list id: price} or [{price_list_id, price}]. `image` is
    an uploaded picture (checked as the 1C exchange checks one); `barcode` an EAN
    or UPC, whose check digit must match, or any other code.
    """
    ensure_catalogue_editor(actor=actor)
    product = Product()
    errors: Errors = {}
    if "vat_rate_id" not in fields:
        default = VatRate.objects.filter(is_default=True, is_active=True).first()
        fields = {**fields, "vat_rate_id": default.pk if default else None}
    values = _clean_product(product=product, fields=fields, errors=errors)
    rows = _clean_price_rows(prices, errors) or []
    raise_errors(errors)
    _store_image(values)
    for name, value in values.items():
        setattr(product, name, value)
    product.created_by = actor
    product.search_text = product.build_search_text()
    product.save()
    _write_prices(actor=actor, product=product, rows=rows)
    audit.record_create(actor, product)
    return product


@transaction.atomic
def product_update(
    *,
    actor,
    product: Product,
    version: int | None = None,
    prices: Iterable | Mapping | None = None,
    **fields: Any,
) -> Product:
    """Change a product: only the given fields (and prices) change.

    `image` set to an uploaded picture replaces the image, set empty removes it
    (the file stays on disk: another product may show the same picture). A stale
    `version` (someone saved the product since) is refused with Conflict.
    """
    ensure_catalogue_editor(actor=actor)
    errors: Errors = {}
    values = _clean_product(product=product, fields=fields, errors=errors)
    rows = _clean_price_rows(prices, errors)
    raise_errors(errors)
    before = audit.snapshot(product)
    claim_version(product, expected_version=version)
    _store_image(values)
    for name, value in values.items():
        setattr(product, name, value)
    product.search_text = product.build_search_text()
    product.save()
    if rows is not None:
        _write_prices(actor=actor, product=product, rows=rows)
        _forget_prices(product)
    audit.record_update(actor, product, before)
    return product


@transaction.atomic
def product_prices_set(
    *, actor, product: Product, prices: Iterable | Mapping
) -> Product:
    """Set a product's prices in several price lists at once (an empty price
    removes the product from that price list)."""
    ensure_catalogue_editor(actor=actor)
    errors: Errors = {}
    rows = _clean_price_rows(prices, errors) or []
    raise_errors(errors)
    _write_prices(actor=actor, product=product, rows=rows)
    _forget_prices(product)
    return product


@transaction.atomic
def price_set(
    *, actor, price_list: PriceList, product: Product, price: Any
) -> Price | None:
    """Set one product's price in a price list; an empty price removes it.

    Returns the stored price, or None when the product has no price there now.
    """
    ensure_catalogue_editor(actor=actor)
    errors: Errors = {}
    amount = clean_price(price, field="price", errors=errors)
    raise_errors(errors)
    existing = (
        Price.objects.select_for_update()
        .filter(product=product, price_list=price_list)
        .first()
    )
    result = _store_price(
        actor=actor,
        product=product,
        price_list=price_list,
        amount=amount,
        existing=existing,
    )
    _forget_prices(product)
    return result


@transaction.atomic
def product_delete(*, actor, product: Product) -> Product:
    """Move a product to the trash; deals and documents that name it keep it."""
    ensure_catalogue_editor(actor=actor)
    if product.is_deleted:
        raise DomainError(_("This product is already in the trash."))
    record_trash(actor=actor, obj=product)
    return product


# --- product groups -------------------------------------------------------------------


def _clean_group(
    *, group: ProductGroup, fields: Mapping[str, Any], errors: Errors
) -> dict[str, Any]:
    refuse_unknown(fields, {"name", "parent_id", "external_id"})
    values: dict[str, Any] = {}
    if "name" in fields:
        values["name"] = clean_text(
            fields["name"], model=ProductGroup, field="name", errors=errors
        )
    if not values.get("name", group.name) and "name" not in errors:
        add_error(errors, "name", _("Enter the group's name."))
    if "external_id" in fields:
        values["external_id"] = clean_text(
            fields["external_id"],
            model=ProductGroup,
            field="external_id",
            errors=errors,
        )
        external_id = values["external_id"]
        if (
            external_id
            and ProductGroup.objects.filter(external_id=external_id)
            .exclude(pk=group.pk)
            .exists()
        ):
            add_error(errors, "external_id", _("Another group has this external ID."))
    if "parent_id" in fields:
        parent = resolve_item(
            ProductGroup, fields["parent_id"], field="parent_id", errors=errors
        )
        if parent is not None and group.pk:
            ancestor, depth = parent, 0
            while ancestor is not None and depth <= MAX_GROUP_DEPTH:
                if ancestor.pk == group.pk:
                    add_error(
                        errors,
                        "parent_id",
                        _("A group cannot be put inside itself or its own subgroup."),
                    )
                    parent = None
                    break
                ancestor, depth = ancestor.parent, depth + 1
        values["parent"] = parent
    return values


@transaction.atomic
def product_group_create(*, actor, **fields: Any) -> ProductGroup:
    """Add a group (a folder) of the catalogue, at the top or inside another."""
    ensure_catalogue_editor(actor=actor)
    group = ProductGroup()
    errors: Errors = {}
    values = _clean_group(group=group, fields=fields, errors=errors)
    raise_errors(errors)
    for name, value in values.items():
        setattr(group, name, value)
    group.save()
    audit.record_create(actor, group)
    return group


@transaction.atomic
def product_group_update(*, actor, group: ProductGroup, **fields: Any) -> ProductGroup:
    """Rename a group or move it into another (never into itself)."""
    ensure_catalogue_editor(actor=actor)
    errors: Errors = {}
    values = _clean_group(group=group, fields=fields, errors=errors)
    raise_errors(errors)
    before = audit.snapshot(group)
    for name, value in values.items():
        setattr(group, name, value)
    group.save()
    audit.record_update(actor, group, before)
    return group


@transaction.atomic
def product_group_delete(*, actor, group: ProductGroup) -> None:
    """Delete an empty group; one with products or subgroups stays."""
    ensure_catalogue_editor(actor=actor)
    if group.children.exists():
        raise DomainError(_("The group has subgroups: move or delete them first."))
    if Product.all_objects.filter(group=group).exists():
        raise DomainError(_("The group has products: move them to another first."))
    audit.record_delete(actor, group)
    Discount.objects.filter(product_group=group).delete()
    group.delete()


# --- price lists ----------------------------------------------------------------------

PRICE_LIST_FIELDS = frozenset(
    {"name", "currency", "prices_include_vat", "is_default", "is_active", "external_id"}
)


def _clean_price_list(
    *, price_list: PriceList, fields: Mapping[str, Any], errors: Errors
) -> dict[str, Any]:
    refuse_unknown(fields, PRICE_LIST_FIELDS)
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name in ("prices_include_vat", "is_default", "is_active"):
            values[name] = bool(value)
        elif name == "currency":
            values["currency"] = _clean_choice(
                str(value or "").upper(),
                choices=Currency,
                field="currency",
                errors=errors,
            )
        else:
            values[name] = clean_text(value, model=PriceList, field=name, errors=errors)
    if not values.get("name", price_list.name) and "name" not in errors:
        add_error(errors, "name", _("Enter the price list's name."))
    currency = values.get("currency")
    if (
        price_list.pk
        and currency
        and currency != price_list.currency
        and "currency" not in errors
        and Price.objects.filter(price_list=price_list).exists()
    ):
        add_error(
            errors,
            "currency",
            _(
                "This price list has prices in %(currency)s: its currency cannot "
                "change. Create another price list for the other currency."
            )
            % {"currency": price_list.currency},
        )
    is_default = values.get("is_default", price_list.is_default)
    is_active = values.get("is_active", price_list.is_active)
    if is_default and not is_active:
        add_error(
            errors,
            "is_active",
            _("The default price list must be active: make another the default."),
        )
    return values


def _settle_default_price_list(price_list: PriceList) -> None:
    """Keep one default price list: the one just marked."""
    if price_list.is_default:
        PriceList.objects.exclude(pk=price_list.pk).filter(is_default=True).update(
            is_default=False
        )


@transaction.atomic
def price_list_create(*, actor, **fields: Any) -> PriceList:
    """Add a price list in one currency; marked default, it replaces the old one."""
    ensure_catalogue_editor(actor=actor)
    price_list = PriceList()
    errors: Errors = {}
    values = _clean_price_list(price_list=price_list, fields=fields, errors=errors)
    raise_errors(errors)
    for name, value in values.items():
        setattr(price_list, name, value)
    price_list.save()
    _settle_default_price_list(price_list)
    audit.record_create(actor, price_list)
    return price_list


@transaction.atomic
def price_list_update(*, actor, price_list: PriceList, **fields: Any) -> PriceList:
    """Change a price list; its currency is fixed once it has prices, because the
    stored amounts would silently change meaning."""
    ensure_catalogue_editor(actor=actor)
    errors: Errors = {}
    values = _clean_price_list(price_list=price_list, fields=fields, errors=errors)
    raise_errors(errors)
    before = audit.snapshot(price_list)
    for name, value in values.items():
        setattr(price_list, name, value)
    price_list.save()
    _settle_default_price_list(price_list)
    audit.record_update(actor, price_list, before)
    return price_list
