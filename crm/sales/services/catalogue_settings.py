"""Writes of the catalogue's settings: units of measure and VAT rates (reference
lists with Russian and English names, changed by administrators only)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from crm.core import audit, visibility
from crm.customers.services.records import Errors, add_error, raise_errors
from crm.sales.models import (
    Unit,
    VatRate,
)
from crm.sales.services.catalogue import (
    clean_amount,
    clean_text,
    refuse_unknown,
)


def _clean_reference(
    *, model, item, fields: Mapping[str, Any], allowed: set[str], errors: Errors
) -> dict[str, Any]:
    refuse_unknown(fields, allowed)
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name in ("is_active", "is_default"):
            values[name] = bool(value)
        elif name == "position":
            try:
                values["position"] = int(value or 0)
            except (TypeError, ValueError):
                add_error(errors, "position", _("Enter a whole number from 0."))
                continue
            if not 0 <= values["position"] <= 2**31 - 1:
                add_error(errors, "position", _("Enter a whole number from 0."))
        elif name == "rate":
            values["rate"] = clean_amount(
                value,
                field="rate",
                errors=errors,
                maximum=Decimal("100"),
                required=False,
                message=_("Enter a rate from 0 to 100 %, or leave it empty."),
            )
        else:
            values[name] = clean_text(value, model=model, field=name, errors=errors)
    name_en = values.get("name_en", item.name_en)
    name_ru = values.get("name_ru", item.name_ru)
    if not (name_en or name_ru) and "name_en" not in errors:
        add_error(errors, "name_en", _("Give it a name in English or in Russian."))
    return values


@transaction.atomic
def unit_create(*, actor, **fields: Any) -> Unit:
    """Add a unit of measure (administrators)."""
    visibility.ensure_admin(actor=actor)
    unit = Unit()
    errors: Errors = {}
    values = _clean_unit(unit=unit, fields=fields, errors=errors)
    raise_errors(errors)
    for name, value in values.items():
        setattr(unit, name, value)
    unit.name_en = unit.name_en or unit.name_ru
    unit.name_ru = unit.name_ru or unit.name_en
    unit.save()
    audit.record_create(actor, unit)
    return unit


@transaction.atomic
def unit_update(*, actor, unit: Unit, **fields: Any) -> Unit:
    """Change a unit of measure or retire it (administrators)."""
    visibility.ensure_admin(actor=actor)
    errors: Errors = {}
    values = _clean_unit(unit=unit, fields=fields, errors=errors)
    raise_errors(errors)
    before = audit.snapshot(unit)
    for name, value in values.items():
        setattr(unit, name, value)
    unit.save()
    audit.record_update(actor, unit, before)
    return unit


def _clean_unit(*, unit: Unit, fields: Mapping[str, Any], errors: Errors) -> dict:
    values = _clean_reference(
        model=Unit,
        item=unit,
        fields=fields,
        allowed={
            "name_en",
            "name_ru",
            "short_name",
            "okei_code",
            "position",
            "is_active",
        },
        errors=errors,
    )
    if not values.get("short_name", unit.short_name) and "short_name" not in errors:
        add_error(errors, "short_name", _("Enter the abbreviation, like pcs."))
    okei = values.get("okei_code")
    if okei and "okei_code" not in errors:
        if not (okei.isdigit() and len(okei) == 3):
            add_error(errors, "okei_code", _("An OKEI code has 3 digits, like 796."))
        elif Unit.objects.filter(okei_code=okei).exclude(pk=unit.pk).exists():
            add_error(errors, "okei_code", _("Another unit has this OKEI code."))
    return values


@transaction.atomic
def vat_rate_create(*, actor, **fields: Any) -> VatRate:
    """Add a VAT rate (administrators); an empty rate means "without VAT"."""
    visibility.ensure_admin(actor=actor)
    rate = VatRate()
    errors: Errors = {}
    values = _clean_vat_rate(rate=rate, fields=fields, errors=errors)
    raise_errors(errors)
    for name, value in values.items():
        setattr(rate, name, value)
    rate.name_en = rate.name_en or rate.name_ru
    rate.name_ru = rate.name_ru or rate.name_en
    rate.save()
    _settle_default_vat(rate)
    audit.record_create(actor, rate)
    return rate


@transaction.atomic
def vat_rate_update(*, actor, vat_rate: VatRate, **fields: Any) -> VatRate:
    """Change a VAT rate (administrators). Deal lines and documents keep the rate
    they were made with; products take the new one from now on."""
    visibility.ensure_admin(actor=actor)
    errors: Errors = {}
    values = _clean_vat_rate(rate=vat_rate, fields=fields, errors=errors)
    raise_errors(errors)
    before = audit.snapshot(vat_rate)
    for name, value in values.items():
        setattr(vat_rate, name, value)
    vat_rate.save()
    _settle_default_vat(vat_rate)
    audit.record_update(actor, vat_rate, before)
    return vat_rate


def _clean_vat_rate(*, rate: VatRate, fields: Mapping[str, Any], errors: Errors):
    values = _clean_reference(
        model=VatRate,
        item=rate,
        fields=fields,
        allowed={"name_en", "name_ru", "rate", "is_default", "position", "is_active"},
        errors=errors,
    )
    is_default = values.get("is_default", rate.is_default)
    is_active = values.get("is_active", rate.is_active)
    if is_default and not is_active:
        add_error(
            errors,
            "is_active",
            _("The default rate must be active: make another the default."),
        )
    return values


def _settle_default_vat(rate: VatRate) -> None:
    if rate.is_default:
        VatRate.objects.exclude(pk=rate.pk).filter(is_default=True).update(
            is_default=False
        )
