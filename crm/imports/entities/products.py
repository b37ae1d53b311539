"""Import of the catalogue through product_create / product_update."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from crm.core.errors import DomainError
from crm.imports import values as parse
from crm.imports.entities.base import (
    Lookup,
    Row,
    choice_lookup,
    limited,
    reference_lookup,
)
from crm.imports.entities.rows import ServiceImporter
from crm.imports.fields import EXTERNAL_ID, Field
from crm.sales.models import (
    Price,
    PriceList,
    Product,
    ProductGroup,
    ProductKind,
    Unit,
    VatRate,
)
from crm.sales.models.catalogue import normal_barcode
from crm.sales.services.catalogue import (
    ensure_catalogue_editor,
    product_create,
    product_update,
)

# 4,60123E+12 / 4.6E+12: how a spreadsheet writes a number too long for its cell.
ROUNDED_NUMBER = re.compile(r"^\d+([.,]\d+)?[eE]\+?\d+$")

PRODUCT_FIELDS = [
    EXTERNAL_ID,
    Field(
        "name",
        _l("name"),
        ("наименование", "название", "товар", "номенклатура", "product"),
        required=True,
    ),
    Field("sku", _l("SKU"), ("артикул", "article", "code")),
    Field(
        "barcode",
        _l("barcode"),
        ("штрихкод", "штрих-код", "штрих код", "ean", "ean-13", "barcode", "bar code"),
    ),
    Field("kind", _l("kind"), ("вид", "тип", "type")),
    Field("group", _l("group"), ("группа", "категория", "category")),
    Field("unit", _l("unit"), ("единица", "ед изм", "единица измерения", "ед")),
    Field("vat_rate", _l("VAT rate"), ("ндс", "ставка ндс", "vat")),
    Field("price", _l("price"), ("цена", "стоимость", "цена продажи")),
    Field("cost_price", _l("cost price"), ("себестоимость", "закупочная цена", "cost")),
    Field("description", _l("description"), ("описание",)),
    Field("is_active", _l("on sale"), ("активен", "в продаже", "active")),
]


class ProductImporter(ServiceImporter):
    """The catalogue: prices go into the default price list."""

    entity = "products"
    object_type = "product"
    model = Product
    fields = PRODUCT_FIELDS
    match_keys = ("external_id", "sku")

    def __init__(self, *, actor) -> None:
        super().__init__(actor=actor)
        self.kinds = choice_lookup(ProductKind.choices)
        self.units = reference_lookup(Unit)
        self.groups = Lookup((g.name, g.pk) for g in ProductGroup.objects.all())
        self.vat_rates = reference_lookup(VatRate)
        self.vat_by_rate = {
            v.rate: v.pk for v in VatRate.objects.filter(is_active=True) if v.rate
        }
        self.price_list = PriceList.objects.filter(
            is_default=True, is_active=True
        ).first()

    def check_rights(self) -> None:
        ensure_catalogue_editor(actor=self.actor)

    def values(self, row: Row) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, text in row.values.items():
            if not text:
                continue
            if name in ("name", "sku", "external_id"):
                limit = 300 if name == "name" else 100
                values[name] = limited(text, field=name, limit=limit)
            elif name == "barcode":
                values["barcode"] = self._barcode(text)
            elif name == "description":
                values[name] = text
            elif name == "kind":
                values["kind"] = self.kinds.get(
                    text, field="kind", message=_("Unknown kind «%(value)s».")
                )
            elif name == "group":
                values["group_id"] = self.groups.get(
                    text,
                    field="group",
                    message=_("There is no product group «%(value)s»."),
                )
            elif name == "unit":
                values["unit_id"] = self.units.get(
                    text, field="unit", message=_("There is no unit «%(value)s».")
                )
            elif name == "vat_rate":
                values["vat_rate_id"] = self._vat_rate(text)
            elif name in ("price", "cost_price"):
                values[name] = parse.parse_decimal(text, field=name, minimum=Decimal(0))
            elif name == "is_active":
                values["is_active"] = parse.parse_bool(text, field=name)
        return values

    def _barcode(self, text: str) -> str:
        """The cell as the catalogue checks it, unless a spreadsheet has already
        rounded it: Excel shows a long number as 4,60123E+12 and saves the CSV so,
        and the digits are lost."""
        if ROUNDED_NUMBER.match(text.strip()):
            raise DomainError(
                _(
                    "The barcode «%(value)s» was saved by a spreadsheet as a rounded "
                    "number: format the column as text and save the file again."
                )
                % {"value": text},
                field="barcode",
            )
        return text

    def _vat_rate(self, text: str):
        try:
            rate = parse.parse_decimal(text, field="vat_rate")
        except DomainError:
            rate = None
        if rate is not None and rate in self.vat_by_rate:
            return self.vat_by_rate[rate]
        return self.vat_rates.get(
            text, field="vat_rate", message=_("There is no VAT rate «%(value)s».")
        )

    def unchanged(self, obj, values: dict[str, Any]) -> bool:
        values = dict(values)
        if "barcode" in values:
            values["barcode"] = normal_barcode(values["barcode"])
        price = values.pop("price", None)
        if price is not None:
            if self.price_list is None:
                return False
            stored = (
                Price.objects.filter(product=obj, price_list=self.price_list)
                .values_list("price", flat=True)
                .first()
            )
            if stored != price:
                return False
        return super().unchanged(obj, values)

    def save(self, obj, values: dict[str, Any]):
        values = dict(values)
        price = values.pop("price", None)
        prices = None
        if price is not None:
            if self.price_list is None:
                raise DomainError(
                    _("There is no default price list to put the price in."),
                    field="price",
                )
            prices = {self.price_list.pk: price}
        if obj is None:
            if not values.get("name"):
                raise DomainError(_("Enter the product's name."), field="name")
            return product_create(actor=self.actor, prices=prices, **values)
        return product_update(actor=self.actor, product=obj, prices=prices, **values)
