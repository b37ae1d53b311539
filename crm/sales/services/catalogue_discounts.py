"""Writes of standing discounts: for a product or a group, for a client or a client
category, from a quantity, within dates (administrators and heads of department).
The best one for a deal line is read by `selectors.catalogue.best_discount`."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from crm.core import audit, visibility
from crm.customers.models import Company, CompanyCategory
from crm.customers.services.records import Errors, add_error, pk_of, raise_errors
from crm.sales.models import (
    Discount,
    Product,
    ProductGroup,
)
from crm.sales.services.catalogue import (
    QUANTITY_LIMIT,
    clean_amount,
    clean_date,
    clean_text,
    ensure_catalogue_editor,
    refuse_unknown,
    resolve_item,
)

DISCOUNT_FIELDS = frozenset(
    {
        "name",
        "percent",
        "product_id",
        "product_group_id",
        "company_id",
        "company_category_id",
        "min_quantity",
        "valid_from",
        "valid_to",
        "is_active",
    }
)


def _clean_discount(
    *, actor, discount: Discount, fields: Mapping[str, Any], errors: Errors
) -> dict[str, Any]:
    refuse_unknown(fields, DISCOUNT_FIELDS)
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "name":
            values["name"] = clean_text(
                value, model=Discount, field="name", errors=errors
            )
        elif name == "percent":
            values["percent"] = clean_amount(
                value,
                field="percent",
                errors=errors,
                maximum=Decimal("100"),
                message=_("Enter a discount from 0 to 100 %."),
            )
        elif name == "min_quantity":
            values["min_quantity"] = clean_amount(
                value if value not in (None, "") else "0",
                field="min_quantity",
                errors=errors,
                places=3,
                maximum=QUANTITY_LIMIT,
                message=_("A quantity cannot be negative."),
            )
        elif name in ("valid_from", "valid_to"):
            values[name] = clean_date(value, field=name, errors=errors)
        elif name == "is_active":
            values["is_active"] = bool(value)
        elif name == "product_id":
            values["product"] = resolve_item(
                Product,
                value,
                field="product_id",
                errors=errors,
                current_id=discount.product_id,
            )
        elif name == "product_group_id":
            values["product_group"] = resolve_item(
                ProductGroup, value, field="product_group_id", errors=errors
            )
        elif name == "company_category_id":
            values["company_category"] = resolve_item(
                CompanyCategory,
                value,
                field="company_category_id",
                errors=errors,
                current_id=discount.company_category_id,
            )
        elif name == "company_id":
            values["company"] = _visible_company(
                actor=actor, discount=discount, value=value, errors=errors
            )
    if not values.get("name", discount.name) and "name" not in errors:
        add_error(errors, "name", _("Give the discount a name."))
    if discount.pk is None and "percent" not in fields:
        add_error(errors, "percent", _("Enter a discount from 0 to 100 %."))

    def final(name: str):
        return values[name] if name in values else getattr(discount, name)

    if final("product") is not None and final("product_group") is not None:
        add_error(
            errors,
            "product_group_id",
            _("Choose a product or a product group, not both."),
        )
    if final("company") is not None and final("company_category") is not None:
        add_error(
            errors,
            "company_category_id",
            _("Choose a client or a client category, not both."),
        )
    valid_from, valid_to = final("valid_from"), final("valid_to")
    if valid_from and valid_to and valid_to < valid_from and "valid_to" not in errors:
        add_error(errors, "valid_to", _("The end date is before the start date."))
    return values


def _visible_company(*, actor, discount: Discount, value: Any, errors: Errors):
    company_id = pk_of(value)
    if company_id is None:
        return None
    if str(company_id) == str(discount.company_id):
        return discount.company
    try:
        company_id = int(company_id)
    except (TypeError, ValueError):
        add_error(errors, "company_id", _("Choose a company you can see."))
        return None
    company = visibility.visible(Company.objects.all(), actor).filter(pk=company_id)
    found = company.first()
    if found is None:
        add_error(errors, "company_id", _("Choose a company you can see."))
    return found


@transaction.atomic
def discount_create(*, actor, **fields: Any) -> Discount:
    """Add a standing discount: for a product or a group (or everything), for a
    client or a client category (or everyone), from a quantity, within dates."""
    ensure_catalogue_editor(actor=actor)
    discount = Discount()
    errors: Errors = {}
    values = _clean_discount(
        actor=actor, discount=discount, fields=fields, errors=errors
    )
    raise_errors(errors)
    for name, value in values.items():
        setattr(discount, name, value)
    discount.save()
    audit.record_create(actor, discount)
    return discount


@transaction.atomic
def discount_update(*, actor, discount: Discount, **fields: Any) -> Discount:
    """Change a discount; deal lines that took it keep their own percent."""
    ensure_catalogue_editor(actor=actor)
    errors: Errors = {}
    values = _clean_discount(
        actor=actor, discount=discount, fields=fields, errors=errors
    )
    raise_errors(errors)
    before = audit.snapshot(discount)
    for name, value in values.items():
        setattr(discount, name, value)
    discount.save()
    audit.record_update(actor, discount, before)
    return discount


@transaction.atomic
def discount_delete(*, actor, discount: Discount) -> None:
    """Delete a discount; deal lines that took it keep their own percent."""
    ensure_catalogue_editor(actor=actor)
    audit.record_delete(actor, discount)
    discount.delete()
