"""Import of orders: one row per line, the rows of an order together under its
number. Each order becomes a deal with those lines and the order issued from it
(`deal_create` then `order_issue`), so amounts, VAT, discounts and the order's
numbering follow the same rules as an order made by hand.

An order goes in whole or not at all: one bad line rejects its rows. The deal
keeps `order:<number>` as its external ID, so a second run of the file finds it and
leaves the order alone. Products are found by SKU, then external ID, then name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from crm.core.errors import DomainError, Forbidden, NotFound
from crm.imports import values as parse
from crm.imports.entities.base import Outcome, Row
from crm.imports.entities.deals import DealImporter
from crm.imports.fields import Field
from crm.sales.models import Deal, Product
from crm.sales.services.deals import deal_create
from crm.sales.services.documents.issue import order_issue

ORDER_FIELDS = [
    Field(
        "number", _l("order number"), ("номер заказа", "заказ", "номер", "order"), True
    ),
    Field("date", _l("date"), ("дата", "дата заказа")),
    Field("company", _l("company"), ("компания", "клиент", "контрагент", "client")),
    Field("company_inn", _l("company INN"), ("инн", "инн клиента", "inn")),
    Field("contact", _l("contact's e-mail"), ("контакт", "e-mail", "email", "почта")),
    Field("sku", _l("SKU"), ("артикул", "код товара")),
    Field("product", _l("product"), ("товар", "номенклатура", "наименование"), True),
    Field("quantity", _l("quantity"), ("количество", "кол во", "qty")),
    Field("price", _l("price"), ("цена",)),
    Field("discount_percent", _l("discount, %"), ("скидка",)),
    Field("comment", _l("comment"), ("комментарий", "примечание")),
]

EXTERNAL_PREFIX = "order:"


class OrderImporter(DealImporter):
    entity = "orders"
    object_type = "deal"
    model = Deal
    fields = ORDER_FIELDS
    group_field = "number"

    def missing_fields(self, mapped: set[str]) -> list[Field]:
        missing = [
            f for f in self.fields if f.name == "number" and f.name not in mapped
        ]
        if not mapped & {"sku", "product"}:
            missing += [f for f in self.fields if f.name == "product"]
        return missing

    def _line(self, row: Row) -> dict[str, Any]:
        cells = row.values
        errors: dict[str, list] = {}
        line: dict[str, Any] = {}
        product = self._product(cells.get("sku", ""), cells.get("product", ""))
        if product is None:
            field = "sku" if cells.get("sku") else "product"
            errors[field] = [
                _("There is no product «%(value)s» in the catalogue.")
                % {"value": (cells.get("sku") or cells.get("product") or "—")[:100]}
            ]
        else:
            line["product"] = product.pk
        for name in ("quantity", "price", "discount_percent"):
            if cells.get(name):
                try:
                    line[name] = parse.parse_decimal(
                        cells[name], field=name, minimum=Decimal(0)
                    )
                except DomainError as error:
                    errors.setdefault(name, []).append(error.message)
        if errors:
            raise DomainError.from_errors(errors)
        return line

    def _product(self, sku: str, name: str):
        products = Product.objects.filter(is_active=True).order_by("id")
        if sku:
            found = products.filter(sku=sku).first()
            return found or products.with_external_id(sku).first()
        if name:
            return products.filter(name=name).first()
        return None

    def write(self, rows: list[Row]) -> Outcome:
        outcome = Outcome()
        groups: dict[str, list[Row]] = {}
        for row in rows:
            number = row.values.get("number", "").strip()
            if not number:
                outcome.reject(row, _("Enter the order number."), "number")
                continue
            groups.setdefault(number, []).append(row)
        existing = set(
            Deal.all_objects.with_external_id(
                EXTERNAL_PREFIX + n for n in groups
            ).values_list("external_id", flat=True)
        )
        for number, group in groups.items():
            external_id = EXTERNAL_PREFIX + number
            if len(external_id) > 100:
                for row in group:
                    outcome.reject(
                        row,
                        _("At most %(count)d characters.") % {"count": 90},
                        "number",
                    )
                continue
            if external_id in existing:
                continue  # imported before: the order stays as it is
            self._write_order(number, external_id, group, outcome)
        return outcome

    def _write_order(self, number, external_id, group: list[Row], outcome) -> None:
        first = group[0]
        failed = False
        lines = []
        for row in group:
            try:
                lines.append(self._line(row))
            except DomainError as error:
                outcome.reject(row, error)
                failed = True
        header: dict[str, Any] = {}
        errors: dict[str, list] = {}
        self._client(first.values, header, errors)
        date = None
        try:
            if first.values.get("date"):
                date = parse.parse_date(first.values["date"], field="date")
        except DomainError as error:
            errors.setdefault("date", []).append(error.message)
        if errors:
            outcome.reject(first, DomainError.from_errors(errors))
            failed = True
        if failed:
            self._reject_rest(group, outcome)
            return
        try:
            with transaction.atomic():
                deal = deal_create(
                    actor=self.actor,
                    title=_("Order %(number)s") % {"number": number},
                    external_id=external_id,
                    lines=lines,
                    **header,
                )
                order_issue(
                    actor=self.actor,
                    deal=deal,
                    date=date,
                    comment=first.values.get("comment", ""),
                )
        except DomainError as error:
            for name, messages in error.all_errors.items():
                row, field = first, (name or "")
                parts = field.split(".")
                if parts[0] == "lines" and len(parts) > 2 and parts[1].isdigit():
                    row, field = group[min(int(parts[1]), len(group) - 1)], parts[2]
                for message in messages:
                    outcome.errors.append((row.number, field, str(message)))
            self._reject_rest(group, outcome)
        except (Forbidden, NotFound) as error:
            outcome.reject(first, str(getattr(error, "message", "") or error))
            self._reject_rest(group, outcome)
        else:
            outcome.created += 1

    def _reject_rest(self, group: list[Row], outcome: Outcome) -> None:
        """Name every row of a refused order, so the rejected file holds it whole."""
        named = {number for number, _f, _m in outcome.errors}
        for row in group:
            if row.number not in named:
                outcome.reject(
                    row, _("Another line of this order is rejected."), "number"
                )
