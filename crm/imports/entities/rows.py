"""Importers that write row by row through the domain's own services: products and
leads (and deals), which are thousands rather than millions of rows.

Each row runs its service in a savepoint, so every rule of the service applies
(rights, checks, history, events, the curator's notification rules) and a refused
row leaves nothing behind while the rest of its batch goes in. Rows match existing
records by external ID, then by SKU (products) or e-mail (leads); a match is
updated with the cells the file fills.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from crm.core import visibility
from crm.core.errors import DomainError, Forbidden, NotFound
from crm.customers.models import Company, Contact, Industry, Source
from crm.imports import values as parse
from crm.imports.entities.base import (
    Importer,
    Lookup,
    Outcome,
    Row,
    choice_lookup,
    first_by,
    limited,
    reference_lookup,
    user_lookup,
)
from crm.imports.entities.contacts import split_full_name
from crm.imports.fields import Field, normalise_header
from crm.sales.models import (
    Deal,
    Lead,
    Pipeline,
    PriceList,
    Product,
    ProductGroup,
    ProductKind,
    Stage,
    Unit,
    VatRate,
)
from crm.sales.services.catalogue import (
    ensure_catalogue_editor,
    product_create,
    product_update,
)
from crm.sales.services.deals import (
    deal_create,
    deal_move_stage,
    deal_update,
    default_pipeline,
)
from crm.sales.services.leads import lead_create, lead_update


class ServiceImporter(Importer):
    """Rows through services: `values()` cleans a row into service arguments,
    `find()` loads the records a batch matches, `save()` calls the service."""

    match_keys: ClassVar[tuple[str, ...]] = ("external_id",)
    model: ClassVar[Any]

    def values(self, row: Row) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def save(self, obj, values: dict[str, Any]) -> Any:  # pragma: no cover
        raise NotImplementedError

    def write(self, rows: list[Row]) -> Outcome:
        outcome = Outcome()
        cleaned = []
        for row in rows:
            try:
                cleaned.append((row, self.values(row)))
            except DomainError as error:
                outcome.reject(row, error)
        found = {
            key: first_by(
                self.model.all_objects if key == "external_id" else self.model.objects,
                key,
                (v.get(key) for _r, v in cleaned),
            )
            for key in self.match_keys
        }
        for row, values in cleaned:
            obj = None
            for key in self.match_keys:
                if values.get(key):
                    obj = found[key].get(values[key])
                    if obj is not None:
                        break
            if obj is not None and obj.deleted_at is not None:
                outcome.reject(
                    row,
                    _(
                        "The record «%(name)s» with this external ID is in the "
                        "trash: restore it first."
                    )
                    % {"name": obj},
                    "external_id",
                )
                continue
            try:
                with transaction.atomic():
                    saved = self.save(obj, values)
            except DomainError as error:
                for name, messages in error.all_errors.items():
                    field = (name or "").removesuffix("_id").split(".")[0]
                    for message in messages:
                        outcome.errors.append((row.number, field, str(message)))
                continue
            except Forbidden as error:
                outcome.reject(row, str(error.message or _("You may not do this.")))
                continue
            except NotFound:
                outcome.reject(row, _("A record this row refers to is not found."))
                continue
            if obj is None:
                outcome.created += 1
            else:
                outcome.updated += 1
            for key in self.match_keys:
                if getattr(saved, key, None):
                    found[key][getattr(saved, key)] = saved
        return outcome


# --- products --------------------------------------------------------------------

PRODUCT_FIELDS = [
    Field("external_id", _l("external ID"), ("id", "код", "внешний код", "guid")),
    Field(
        "name",
        _l("name"),
        ("наименование", "название", "товар", "номенклатура", "product"),
        required=True,
    ),
    Field("sku", _l("SKU"), ("артикул", "article", "code")),
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


# --- leads -----------------------------------------------------------------------

LEAD_FIELDS = [
    Field("external_id", _l("external ID"), ("id", "код", "внешний код", "guid")),
    Field(
        "title", _l("what they need"), ("потребность", "что нужно", "запрос", "need")
    ),
    Field(
        "company_name",
        _l("company"),
        ("компания", "организация", "company name", "organisation", "organization"),
    ),
    Field("inn", _l("INN"), ("инн",)),
    Field("last_name", _l("last name"), ("фамилия", "surname")),
    Field("first_name", _l("first name"), ("имя", "name")),
    Field("middle_name", _l("middle name"), ("отчество",)),
    Field("full_name", _l("full name"), ("фио", "контакт", "контактное лицо")),
    Field("job_title", _l("job title"), ("должность", "position")),
    Field("email", _l("e-mail"), ("email", "почта", "эл почта")),
    Field("phone", _l("phone"), ("телефон", "тел", "tel")),
    Field("region", _l("region"), ("регион", "город", "city")),
    Field("industry", _l("industry"), ("отрасль",)),
    Field("source", _l("source"), ("источник",)),
    Field("owner", _l("curator"), ("ответственный", "куратор", "менеджер", "owner")),
    Field("description", _l("notes"), ("примечание", "комментарий", "описание")),
]

_LEAD_LIMITS = {
    "title": 300,
    "company_name": 300,
    "last_name": 100,
    "first_name": 100,
    "middle_name": 100,
    "job_title": 200,
    "region": 100,
    "external_id": 100,
}


class LeadImporter(ServiceImporter):
    """Leads: curators from the file, else the importer (no assignment rules and no
    notification per row — whoever imports a list decides who works it)."""

    entity = "leads"
    object_type = "lead"
    model = Lead
    fields = LEAD_FIELDS
    match_keys = ("external_id", "email")

    def __init__(self, *, actor) -> None:
        super().__init__(actor=actor)
        self.industries = reference_lookup(Industry)
        self.sources = reference_lookup(Source)
        self.users = user_lookup()

    def values(self, row: Row) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, text in row.values.items():
            if not text:
                continue
            if name in _LEAD_LIMITS:
                values[name] = limited(text, field=name, limit=_LEAD_LIMITS[name])
            elif name == "full_name":
                last, first, middle = split_full_name(text)
                for key, part in (
                    ("last_name", last),
                    ("first_name", first),
                    ("middle_name", middle),
                ):
                    if part and not row.values.get(key):
                        values[key] = part[:100]
            elif name in ("inn", "description"):
                values[name] = text
            elif name == "email":
                values["email"] = parse.email(text, field="email")
            elif name == "phone":
                values["phone"] = parse.phone(text, field="phone")
            elif name == "industry":
                values["industry_id"] = self.industries.get(
                    text,
                    field="industry",
                    message=_("There is no industry «%(value)s» in the list."),
                )
            elif name == "source":
                values["source_id"] = self.sources.get(
                    text,
                    field="source",
                    message=_("There is no source «%(value)s» in the list."),
                )
            elif name == "owner":
                values["owner_id"] = self.users.get(
                    text,
                    field="owner",
                    message=_("There is no active user «%(value)s»."),
                )
        return values

    def save(self, obj, values: dict[str, Any]):
        if obj is None:
            if "owner_id" not in values:
                values = {**values, "owner_id": self.actor.pk}
            return lead_create(actor=self.actor, notify=False, **values)
        return lead_update(actor=self.actor, lead=obj, **values)


# --- deals -----------------------------------------------------------------------

DEAL_FIELDS = [
    Field("external_id", _l("external ID"), ("id", "код", "внешний код", "guid")),
    Field("title", _l("title"), ("название", "сделка", "наименование", "deal"), True),
    Field("company", _l("company"), ("компания", "клиент", "контрагент", "client")),
    Field("company_inn", _l("company INN"), ("инн", "инн клиента", "inn")),
    Field("contact", _l("contact's e-mail"), ("контакт", "e-mail", "email", "почта")),
    Field("owner", _l("owner"), ("ответственный", "менеджер", "владелец")),
    Field("pipeline", _l("pipeline"), ("воронка",)),
    Field("stage", _l("stage"), ("этап", "стадия")),
    Field("amount", _l("amount"), ("сумма", "бюджет", "sum")),
    Field("currency", _l("currency"), ("валюта",)),
    Field("probability", _l("probability, %"), ("вероятность",)),
    Field(
        "expected_close_date",
        _l("expected close date"),
        ("дата закрытия", "план закрытия", "close date"),
    ),
    Field("source", _l("source"), ("источник",)),
    Field("description", _l("description"), ("описание", "комментарий")),
]


class DealImporter(ServiceImporter):
    """Deals through `deal_create` / `deal_update`: a client by INN or name (or a
    contact by e-mail) that the importer can see, a pipeline and a stage by name.
    A changed stage of a matched deal moves it through `deal_move_stage`, so the
    stage history stays true."""

    entity = "deals"
    object_type = "deal"
    model = Deal
    fields = DEAL_FIELDS
    match_keys = ("external_id",)

    def __init__(self, *, actor) -> None:
        super().__init__(actor=actor)
        self.users = user_lookup()
        self.sources = reference_lookup(Source)
        self.pipelines = Lookup((p.name, p.pk) for p in Pipeline.objects.all())
        self.stages = {
            (s.pipeline_id, normalise_header(s.name)): s.pk for s in Stage.objects.all()
        }
        default = default_pipeline()
        self.default_pipeline_id = default.pk if default else None

    def values(self, row: Row) -> dict[str, Any]:
        values: dict[str, Any] = {}
        errors: dict[str, list] = {}
        cells = row.values
        for name, text in cells.items():
            if not text:
                continue
            try:
                if name in ("title", "external_id"):
                    values[name] = limited(
                        text, field=name, limit=300 if name == "title" else 100
                    )
                elif name == "description":
                    values[name] = text
                elif name == "currency":
                    values["currency"] = text.upper()
                elif name == "amount":
                    values["amount"] = parse.parse_decimal(
                        text, field="amount", minimum=Decimal(0)
                    )
                elif name == "probability":
                    values["probability"] = parse.parse_decimal(
                        text, field="probability", minimum=Decimal(0)
                    )
                elif name == "expected_close_date":
                    values[name] = parse.parse_date(text, field=name)
                elif name == "owner":
                    values["owner"] = self.users.get(
                        text,
                        field="owner",
                        message=_("There is no active user «%(value)s»."),
                    )
                elif name == "source":
                    values["source"] = self.sources.get(
                        text,
                        field="source",
                        message=_("There is no source «%(value)s» in the list."),
                    )
                elif name == "pipeline":
                    values["pipeline"] = self.pipelines.get(
                        text,
                        field="pipeline",
                        message=_("There is no pipeline «%(value)s»."),
                    )
            except DomainError as error:
                errors.setdefault(error.field or name, []).append(error.message)
        if cells.get("stage"):
            pipeline = values.get("pipeline", self.default_pipeline_id)
            stage = self.stages.get((pipeline, normalise_header(cells["stage"])))
            if stage is None:
                errors.setdefault("stage", []).append(
                    _("The pipeline has no stage «%(value)s».")
                    % {"value": cells["stage"][:100]}
                )
            values["stage"] = stage
        self._client(cells, values, errors)
        if errors:
            raise DomainError.from_errors(errors)
        if "probability" in values:
            values["probability"] = int(values["probability"])
        return values

    def _client(self, cells: dict, values: dict, errors: dict) -> None:
        """The deal's company (by INN, else by name) and contact (by e-mail), among
        the records the importer can see."""
        inn, name = cells.get("company_inn", ""), cells.get("company", "")
        companies = visibility.visible(Company.objects, self.actor)
        if inn:
            company = companies.filter(inn=inn).order_by("id").first()
        elif name:
            company = companies.filter(name=name).order_by("id").first()
        else:
            company = None
        if (inn or name) and company is None:
            field = "company_inn" if inn else "company"
            errors.setdefault(field, []).append(
                _("There is no company «%(value)s» among those you can see.")
                % {"value": (inn or name)[:100]}
            )
        elif company is not None:
            values["company"] = company.pk
        email = cells.get("contact", "")
        if email:
            contact = (
                visibility.visible(Contact.objects, self.actor)
                .filter(email=email.strip())
                .order_by("id")
                .first()
            )
            if contact is None:
                errors.setdefault("contact", []).append(
                    _(
                        "There is no contact with the e-mail %(value)s among those you "
                        "can see."
                    )
                    % {"value": email[:100]}
                )
            else:
                values["contact"] = contact.pk

    def save(self, obj, values: dict[str, Any]):
        if obj is None:
            if not values.get("title"):
                raise DomainError(_("Name the deal."), field="title")
            return deal_create(actor=self.actor, **values)
        values = dict(values)
        stage = values.pop("stage", None)
        deal = deal_update(actor=self.actor, deal=obj, **values)
        if stage is not None and stage != deal.stage_id:
            deal = deal_move_stage(actor=self.actor, deal=deal, stage=stage)
        return deal
