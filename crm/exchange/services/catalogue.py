"""Import of the 1C catalogue (groups, items) and offers (price types, prices).

Items are written in batches with bulk queries and their history written in bulk
(`report.audit_bulk`): a catalogue of a hundred thousand items would take hours
through `product_create` row by row, and 1C repeats articles across items, which the
catalogue's own form refuses. The rules that matter here are kept: an item is found
by its 1C Ид (`external_id`), then by an article no other item has; a record that
fails a check is refused whole and named in the report.

Offers of characteristics (Ид `<item>#<characteristic>`: a size, a colour) become
items of their own, named as 1C names the offer, since a deal line and a price need
the exact variant.

An offer's stock (Количество, or its warehouses summed) goes to `Product.stock`,
dated by the file's ДатаФормирования: the same file again changes nothing, a newer
one moves the date even when the figure stays. Stock is written apart from the
item's fields, without a new version: a nightly exchange must not make a user's
open form stale. The first picture of an item (Картинка) becomes its image; a
file without pictures keeps the image the item has.

An item's barcode (Штрихкод, the first of several) is taken as 1C has it, even an
EAN whose check digit does not match (the real base has three: they are printed on
the goods, and 1C is the catalogue's master); only a code the CRM cannot store (too
long, several lines) is reported and left out. An item sent without a barcode keeps
the one it has, since many 1C configurations send none at all.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import audit
from crm.core.bulk import by_external_id
from crm.exchange.services.ids import own_pk
from crm.exchange.services.pictures import PictureError, picture_find, picture_store
from crm.exchange.services.report import Report, audit_bulk
from crm.sales.models import (
    Currency,
    Price,
    PriceList,
    Product,
    ProductGroup,
    ProductKind,
    Unit,
    VatRate,
)
from crm.sales.models.catalogue import normal_barcode
from crm.sales.services.catalogue import barcode_error, parse_decimal

BATCH = 500
PRODUCT_FIELDS = (
    "name",
    "sku",
    "barcode",
    "kind",
    "group",
    "unit",
    "vat_rate",
    "description",
    "is_active",
    "external_id",
    "image",
    "search_text",
)
CURRENCY_ALIASES = {"руб": "RUB", "руб.": "RUB", "643": "RUB", "rur": "RUB"}


def label(kind: str, data: dict[str, Any]) -> str:
    """How a refused record is named in the report: its kind, name and Ид."""
    names = {
        "group": _("Group"),
        "product": _("Item"),
        "offer": _("Offer"),
        "price_type": _("Price type"),
        "counterparty": _("Counterparty"),
        "document": _("Document"),
    }
    name = data.get("name") or data.get("number") or ""
    return _("%(kind)s «%(name)s» (Ид %(id)s)") % {
        "kind": names.get(kind, kind),
        "name": name,
        "id": data.get("id") or "—",
    }


def currency_code(value: str) -> str | None:
    code = CURRENCY_ALIASES.get(value.strip().lower(), value.strip().upper())
    return code if code in Currency.values else None


class CatalogueImport:
    """Writes groups, items, price types and offers of one file for `actor`."""

    def __init__(
        self,
        *,
        actor,
        report: Report,
        files_dir: Path | None = None,
        reported_at: dt.datetime | None = None,
    ):
        self.actor = actor
        self.report = report
        # Where the exchange's files are (pictures); None takes no pictures.
        self.files_dir = files_dir
        # When 1C wrote the file: the date of the stock it reports.
        self.reported_at = reported_at
        self.pictures: dict[str, str | None] = {}
        self.units = {u.okei_code: u for u in Unit.objects.exclude(okei_code="")}
        self.vats: dict[Decimal | None, VatRate] = {}
        for rate in VatRate.objects.order_by("-is_active", "pk"):
            self.vats.setdefault(rate.rate, rate)
        self.groups: dict[str, ProductGroup] = {}
        self.price_lists: dict[str, PriceList] = {}
        self.products: list[dict] = []
        self.offers: list[dict] = []

    # --- groups ---------------------------------------------------------------

    def group(self, data: dict[str, Any]) -> None:
        if not data["id"] or not data["name"]:
            self.report.refuse(
                "group", label("group", data), _("A group needs an Ид and a name.")
            )
            return
        parent = self._group(data["parent_id"]) if data["parent_id"] else None
        name = data["name"][:200]
        group = self._group(data["id"])
        if group is None:
            group = ProductGroup.objects.create(
                name=name, parent=parent, external_id=data["id"][:100]
            )
            audit.record_create(self.actor, group)
            self.report.count("group", "created")
        elif group.name != name or group.parent_id != (parent.pk if parent else None):
            before = audit.snapshot(group)
            group.name, group.parent = name, parent
            group.save(update_fields=["name", "parent"])
            audit.record_update(self.actor, group, before)
            self.report.count("group", "updated")
        else:
            self.report.count("group", "unchanged")
        self.groups[data["id"]] = group

    def _group(self, external_id: str) -> ProductGroup | None:
        if external_id not in self.groups:
            pk = own_pk("group", external_id)
            group = (
                ProductGroup.objects.filter(pk=pk).first()
                if pk
                else by_external_id(ProductGroup.objects, external_id).first()
            )
            if group is None:
                return None
            self.groups[external_id] = group
        return self.groups[external_id]

    # --- references -----------------------------------------------------------

    def _unit(self, code: str, name: str) -> Unit | None:
        if not code:
            return None
        unit = self.units.get(code)
        if unit is None:
            full = name or code
            short = full.split("(")[0].strip()[:20] or code
            unit = Unit.objects.create(
                name_ru=full[:200],
                name_en=full[:200],
                short_name=short,
                okei_code=code[:3],
            )
            self.units[code] = unit
        return unit

    def _vat(self, value: str | None) -> VatRate | None | bool:
        """The VAT rate; False when the value is not a rate at all."""
        if value is None:
            return None
        try:
            rate = parse_decimal(value) if value else None
        except ValueError:
            return False
        if rate is not None and not (0 <= rate <= 100):
            return False
        if rate not in self.vats:
            text = f"{rate.normalize():f}" if rate is not None else ""
            self.vats[rate] = VatRate.objects.create(
                name_ru=_("VAT %(rate)s %%") % {"rate": text} if text else "Без НДС",
                name_en=f"VAT {text} %" if text else "Without VAT",
                rate=rate,
            )
        return self.vats[rate]

    # --- items ----------------------------------------------------------------

    def product(self, data: dict[str, Any]) -> None:
        self.products.append(data)
        if len(self.products) >= BATCH:
            self.flush_products()

    def _check_product(self, data: dict[str, Any]) -> dict[str, Any] | None:
        problems = []
        if not data["id"]:
            problems.append(_("The item has no Ид."))
        if not data["name"]:
            problems.append(_("The item has no name (Наименование)."))
        if len(data["id"]) > 100:
            problems.append(_("The Ид is longer than 100 characters."))
        if len(data["sku"]) > 100:
            problems.append(_("The article (Артикул) is longer than 100 characters."))
        vat = self._vat(data.get("vat"))
        if vat is False:
            problems.append(
                _("The VAT rate «%(rate)s» is not a percentage.")
                % {"rate": data["vat"]}
            )
        if problems:
            self.report.refuse("product", label("product", data), " ".join(problems))
            return None
        groups = [self._group(g) for g in data.get("group_ids", [])]
        kind_text = data.get("requisites", {}).get("ТипНоменклатуры", "").lower()
        values = {
            "name": data["name"][:300],
            "sku": data["sku"],
            "kind": ProductKind.SERVICE
            if kind_text == "услуга"
            else ProductKind.PRODUCT,
            "group": next((g for g in groups if g is not None), None),
            "unit": self._unit(data.get("unit_code", ""), data.get("unit_name", "")),
            "description": data.get("description", ""),
            "is_active": not data.get("deleted", False),
        }
        if vat is not None:
            values["vat_rate"] = vat
        barcode = self._barcode(data)
        if barcode:
            values["barcode"] = barcode
        image = self._picture(data)
        if image:
            values["image"] = image
        return values

    def _barcode(self, data: dict[str, Any]) -> str:
        """The item's barcode (Штрихкод; the reader keeps the first of several);
        "" when it has none or it cannot be stored (then the report says why and
        the item keeps the barcode it has)."""
        barcode = normal_barcode(data.get("barcode"))
        problem = barcode_error(barcode, check_digit=False)
        if problem:
            self.report.refuse("barcode", label("product", data), problem)
            return ""
        return barcode

    def _picture(self, data: dict[str, Any]) -> str | None:
        """The storage name of the item's first picture; None when it has none or
        it cannot be taken (then the report says why and the item keeps its image)."""
        pictures = data.get("pictures") or []
        if not pictures or self.files_dir is None:
            return None
        path_text = pictures[0]
        if path_text not in self.pictures:
            found = picture_find(self.files_dir, path_text)
            name = None
            if found is None:
                message = _(
                    "The picture %(path)s was not received in this exchange."
                ) % {"path": path_text}
            else:
                try:
                    name = picture_store(found)
                except PictureError as error:
                    message = error.message
            if name is None:
                self.report.refuse("picture", label("product", data), message)
            self.pictures[path_text] = name
        return self.pictures[path_text]

    def flush_products(self) -> None:
        batch, self.products = self.products, []
        if not batch:
            return
        checked = []
        for data in batch:
            values = self._check_product(data)
            if values is not None:
                checked.append((data, values))
        self._write_products(checked, kind="product")

    def _write_products(
        self, checked: list[tuple[dict, dict]], *, kind: str
    ) -> dict[str, Product]:
        """Create or update items; returns them by 1C Ид."""
        if not checked:
            return {}
        ids = [data["id"] for data, _values in checked]
        found: dict[str, Product] = {
            p.external_id: p
            for p in by_external_id(Product.all_objects, ids)
            .select_related("group", "unit", "vat_rate")
            .order_by()
        }
        own = {own_pk("product", i): i for i in ids if own_pk("product", i)}
        for product in Product.all_objects.filter(pk__in=own).select_related(
            "group", "unit", "vat_rate"
        ):
            found[own[product.pk]] = product
        skus = {values["sku"] for data, values in checked if data["id"] not in found}
        by_sku: dict[str, list[Product]] = defaultdict(list)
        for product in Product.objects.filter(
            external_id="", sku__in=[s for s in skus if s]
        ).select_related("group", "unit", "vat_rate"):
            by_sku[product.sku].append(product)
        created: list[Product] = []
        updated: list[tuple[Product, dict]] = []
        result: dict[str, Product] = {}
        now = timezone.now()

        for data, values in checked:
            product = found.get(data["id"])
            if product is None and len(by_sku.get(values["sku"], [])) == 1:
                product = by_sku.pop(values["sku"])[0]
            if product is None:
                product = Product(
                    created_by=self.actor, external_id=data["id"], **values
                )
                product.search_text = product.build_search_text()
                created.append(product)
                result[data["id"]] = product
                continue
            result[data["id"]] = product
            if own_pk("product", data["id"]) is None and not product.external_id:
                values["external_id"] = data["id"]
            changed = {
                name: value
                for name, value in values.items()
                if getattr(product, name) != value
            }
            if not changed:
                self.report.count(kind, "unchanged")
                continue
            before = audit.snapshot(product)
            for name, value in changed.items():
                setattr(product, name, value)
            product.search_text = product.build_search_text()
            product.version += 1
            product.updated_at = now
            updated.append((product, before))
        Product.objects.bulk_create(created, batch_size=BATCH)
        if updated:
            Product.all_objects.bulk_update(
                [p for p, _b in updated],
                [*PRODUCT_FIELDS, "version", "updated_at"],
                batch_size=BATCH,
            )
        self.report.count(kind, "created", len(created))
        self.report.count(kind, "updated", len(updated))
        audit_bulk(self.actor, created, updated)
        return result

    # --- price types and offers -----------------------------------------------

    def price_type(self, data: dict[str, Any]) -> None:
        currency = currency_code(data["currency"] or "RUB")
        if not data["id"] or not data["name"] or currency is None:
            self.report.refuse(
                "price_type",
                label("price_type", data),
                _("A price type needs an Ид, a name and a known currency (%(codes)s).")
                % {"codes": ", ".join(Currency.values)},
            )
            return
        pk = own_pk("pricelist", data["id"])
        price_list = (
            PriceList.objects.filter(pk=pk).first()
            if pk
            else PriceList.objects.filter(external_id=data["id"]).first()
            or PriceList.objects.filter(external_id="", name=data["name"][:200]).first()
        )
        values = {"name": data["name"][:200], "currency": currency}
        if data["vat_included"] is not None:
            values["prices_include_vat"] = data["vat_included"]
        if pk is None:
            values["external_id"] = data["id"][:100]
        if price_list is None:
            price_list = PriceList.objects.create(**values)
            audit.record_create(self.actor, price_list)
            self.report.count("price_type", "created")
        elif any(getattr(price_list, k) != v for k, v in values.items()):
            before = audit.snapshot(price_list)
            for name, value in values.items():
                setattr(price_list, name, value)
            price_list.save()
            audit.record_update(self.actor, price_list, before)
            self.report.count("price_type", "updated")
        else:
            self.report.count("price_type", "unchanged")
        self.price_lists[data["id"]] = price_list

    def _price_list(self, type_id: str) -> PriceList | None:
        if type_id not in self.price_lists:
            pk = own_pk("pricelist", type_id)
            found = (
                PriceList.objects.filter(pk=pk).first()
                if pk
                else PriceList.objects.filter(external_id=type_id).first()
            )
            if found is None:
                return None
            self.price_lists[type_id] = found
        return self.price_lists[type_id]

    def offer(self, data: dict[str, Any]) -> None:
        self.offers.append(data)
        if len(self.offers) >= BATCH:
            self.flush_offers()

    def flush_offers(self) -> None:
        batch, self.offers = self.offers, []
        if not batch:
            return
        base_ids = {o["id"].split("#")[0] for o in batch if o["id"]}
        bases = {
            p.external_id: p
            for p in by_external_id(Product.all_objects, base_ids)
            .select_related("group", "unit", "vat_rate")
            .order_by()
        }
        own = {own_pk("product", i): i for i in base_ids if own_pk("product", i)}
        for product in Product.all_objects.filter(pk__in=own):
            bases[own[product.pk]] = product
        variants = []
        plain: dict[str, Product] = {}
        accepted: list[dict] = []
        for data in batch:
            refusal = self._check_offer(data, bases)
            if refusal:
                self.report.refuse("offer", label("offer", data), refusal)
                continue
            accepted.append(data)
            base_id, _sep, characteristic = data["id"].partition("#")
            base = bases[base_id]
            if not characteristic:
                plain[data["id"]] = base
                continue
            values = {
                "name": (data["name"] or base.name)[:300],
                "sku": data["sku"] or base.sku,
                "kind": base.kind,
                "group": base.group,
                "unit": self._unit(data["unit_code"], data["unit_name"]) or base.unit,
                "vat_rate": base.vat_rate,
                "description": base.description,
                "is_active": base.is_active,
            }
            barcode = self._barcode(data)
            if barcode:
                values["barcode"] = barcode
            variants.append(({**data, "id": data["id"]}, values))
        products = {**plain, **self._write_products(variants, kind="offer")}
        self._write_prices(accepted, products)
        self._write_stock(accepted, products)
        self.report.count("offer", "unchanged", len(plain))

    def _check_offer(self, data: dict[str, Any], bases: dict[str, Product]) -> str:
        if not data["id"]:
            return _("The offer has no Ид.")
        if len(data["id"]) > 100:
            return _("The Ид is longer than 100 characters.")
        base_id = data["id"].split("#")[0]
        if base_id not in bases:
            return _(
                "Its item (Ид %(id)s) is not in the catalogue: send the catalogue "
                "(import.xml) before the offers."
            ) % {"id": base_id}
        for price in data["prices"]:
            price_list = self._price_list(price["type_id"])
            if price_list is None:
                return _("The price type %(id)s is not described in ТипыЦен.") % {
                    "id": price["type_id"]
                }
            try:
                amount = parse_decimal(price["price"])
            except ValueError:
                amount = None
            if amount is None or amount < 0 or amount.as_tuple().exponent < -2:
                return _("The price «%(price)s» is not an amount of money.") % {
                    "price": price["price"]
                }
            currency = currency_code(price["currency"] or price_list.currency)
            if currency != price_list.currency:
                return _(
                    "The price is in %(currency)s but the price type «%(list)s» "
                    "is in %(list_currency)s."
                ) % {
                    "currency": price["currency"],
                    "list": price_list.name,
                    "list_currency": price_list.currency,
                }
        return ""

    def _write_prices(self, offers: list[dict], products: dict[str, Product]) -> None:
        wanted: dict[tuple[int, int], Decimal] = {}
        for data in offers:
            product = products.get(data["id"])
            if product is None:
                continue
            for price in data["prices"]:
                price_list = self.price_lists[price["type_id"]]
                wanted[(price_list.pk, product.pk)] = parse_decimal(price["price"])
        if not wanted:
            return
        existing = {
            (p.price_list_id, p.product_id): p
            for p in Price.objects.filter(
                product_id__in={k[1] for k in wanted},
                price_list_id__in={k[0] for k in wanted},
            ).select_related("price_list", "product")
        }
        created, updated = [], []
        for (list_id, product_id), amount in wanted.items():
            price = existing.get((list_id, product_id))
            if price is None:
                created.append(
                    Price(price_list_id=list_id, product_id=product_id, price=amount)
                )
            elif price.price != amount:
                before = audit.snapshot(price)
                price.price = amount
                updated.append((price, before))
        Price.objects.bulk_create(created, batch_size=BATCH)
        Price.objects.bulk_update([p for p, _b in updated], ["price"], batch_size=BATCH)
        self.report.count("price", "created", len(created))
        self.report.count("price", "updated", len(updated))
        self.report.count(
            "price", "unchanged", len(wanted) - len(created) - len(updated)
        )
        audit_bulk(self.actor, [], updated)
        if created:
            # The history names the price list and the item: give them as objects.
            lists = {pl.pk: pl for pl in self.price_lists.values()}
            items = {p.pk: p for p in products.values()}
            for price in created:
                price.price_list = lists[price.price_list_id]
                price.product = items[price.product_id]
            audit_bulk(self.actor, created, [])

    def _write_stock(self, offers: list[dict], products: dict[str, Product]) -> None:
        """Set the stock the offers report; an offer that gives none leaves it."""
        stamp = self.reported_at or timezone.now()
        updated: list[Product] = []
        # Only a new figure is news (history, events); a fresher date alone is not.
        moved: list[tuple[Product, dict]] = []
        unchanged = 0
        for data in offers:
            product = products.get(data["id"])
            if product is None or not data.get("quantity"):
                continue
            try:
                amount = parse_decimal(data["quantity"])
            except ValueError:
                amount = None
            if (
                amount is None
                or abs(amount) >= Decimal("1e11")
                or amount != amount.quantize(Decimal("0.001"))
            ):
                self.report.refuse(
                    "stock",
                    label("offer", data),
                    _("The quantity «%(quantity)s» is not a number of units.")
                    % {"quantity": data["quantity"]},
                )
                continue
            same_date = self.reported_at is None or product.stock_updated_at == stamp
            if product.stock == amount and same_date:
                unchanged += 1
                continue
            if product.stock != amount:
                moved.append((product, audit.snapshot(product)))
            product.stock, product.stock_updated_at = amount, stamp
            updated.append(product)
        Product.all_objects.bulk_update(
            updated, ["stock", "stock_updated_at"], batch_size=BATCH
        )
        # A fresher date of the same figure is written but not counted as a change.
        self.report.count("stock", "updated", len(moved))
        self.report.count("stock", "unchanged", unchanged + len(updated) - len(moved))
        audit_bulk(self.actor, [], moved)

    def finish(self) -> None:
        self.flush_products()
        self.flush_offers()
