"""The sales references the demo's deals need: our requisites, units, a catalogue
with prices in three price lists, a tender pipeline and typical sales models.

Like the demo's people and lists, they are found (by external ID or name) and
created only when missing, through the services, so running the demo again reuses
them and an installation that has its own keeps them. What exists is read back, so
deals use the prices and stages the database actually has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from crm.accounts.models import User
from crm.demo import identifiers
from crm.demo.sales import words
from crm.sales.models import (
    Currency,
    LostReason,
    OwnCompany,
    Pipeline,
    Price,
    PriceList,
    Product,
    ProductGroup,
    SalesModel,
    StageKind,
    Unit,
    VatRate,
)
from crm.sales.services.catalogue import (
    price_list_create,
    product_create,
    product_group_create,
)
from crm.sales.services.catalogue_settings import unit_create
from crm.sales.services.documents import own_company_create, own_company_default
from crm.sales.services.documents.common import supplier_requisites
from crm.sales.services.pipelines import pipeline_create
from crm.sales.services.playbooks import sales_model_create

CENT = Decimal("0.01")
DEALER_SHARE = Decimal("0.88")  # dealers buy at 12 % below retail
ROUBLES_PER_DOLLAR = Decimal("92")


@dataclass
class ProductInfo:
    id: int
    sku: str
    group: str
    name: str
    unit: str
    vat_rate: Decimal | None
    cost_price: Decimal
    retail: Decimal
    dealer: Decimal
    quantities: tuple[int, int]


@dataclass
class PipelineInfo:
    """A pipeline's stages as (id, probability): the open ones in order, then the
    won one, then the lost one."""

    id: int
    stages: list[tuple[int, int]]

    @property
    def open_count(self) -> int:
        return len(self.stages) - 2


@dataclass
class ModelStepInfo:
    id: int
    title: str
    description: str
    role: str
    offset: int
    required: bool


@dataclass
class Setup:
    own_company: int
    supplier: dict
    retail: int
    retail_includes_vat: bool
    dealer: int
    dealer_includes_vat: bool
    products: list[ProductInfo]
    by_group: dict[str, list[int]]  # group code → products that lead a deal
    by_sku: dict[str, int]
    pipelines: list[PipelineInfo]  # the default one, then the tenders
    models: list[list[ModelStepInfo]]  # steps of each pipeline's model
    lost_reasons: list[int]
    extra: dict = field(default_factory=dict)


def ensure_sales(*, actor: User) -> Setup:
    """Find or create what the demo's deals are made of."""
    own = _own_company(actor)
    units = _units(actor)
    retail, dealer, export = _price_lists(actor)
    products = _catalogue(actor, units, retail, dealer, export)
    pipelines = [_default_pipeline(), _tender_pipeline(actor)]
    # One model per pipeline, in the order of `pipelines`.
    models = [
        _sales_model(actor, model, pipelines[0 if model[2] == "default" else 1].id)
        for model in words.SALES_MODELS
    ]
    by_group: dict[str, list[int]] = {}
    for index, product in enumerate(products):
        if product.sku not in words.NOT_MAIN:
            by_group.setdefault(product.group, []).append(index)
    return Setup(
        own_company=own.pk,
        supplier=supplier_requisites(own),
        retail=retail.pk,
        retail_includes_vat=retail.prices_include_vat,
        dealer=dealer.pk,
        dealer_includes_vat=dealer.prices_include_vat,
        products=products,
        by_group=by_group,
        by_sku={p.sku: i for i, p in enumerate(products)},
        pipelines=pipelines,
        models=models,
        lost_reasons=list(
            LostReason.objects.filter(is_active=True)
            .order_by("position", "pk")
            .values_list("pk", flat=True)
        ),
    )


def _own_company(actor: User) -> OwnCompany:
    """Our requisites, unless the installation has its own already."""
    found = own_company_default()
    if found is not None:
        return found
    data = words.OWN_COMPANY
    office, serial = data["tax_office"], int(data["serial"])
    bik = data["bik"]
    return own_company_create(
        actor=actor,
        name=data["name"],
        full_name=data["full_name"],
        inn=identifiers.company_inn(office, serial),
        kpp=identifiers.kpp(office),
        ogrn=identifiers.company_ogrn(int(data["registered"]), office, serial),
        address=data["address"],
        phone=data["phone"],
        email=data["email"],
        bank_name=data["bank_name"],
        bik=bik,
        bank_account=identifiers.bank_account(bik, data["account_body"]),
        correspondent_account=data["correspondent_account"],
        director=data["director"],
        accountant=data["accountant"],
        is_vat_payer=True,
        is_default=True,
    )


def _units(actor: User) -> dict[str, int]:
    """Units by their abbreviation, the demo's own added when missing."""
    for short, okei, name_ru, name_en in words.UNITS:
        if not Unit.objects.filter(okei_code=okei).exists():
            unit_create(
                actor=actor,
                short_name=short,
                okei_code=okei,
                name_ru=name_ru,
                name_en=name_en,
                position=Unit.objects.count(),
            )
    units: dict[str, int] = {}
    for pk, short in Unit.objects.order_by("-is_active", "position", "pk").values_list(
        "pk", "short_name"
    ):
        units.setdefault(short, pk)
    return units


def _price_list(actor: User, external_id: str, **fields) -> PriceList:
    found = PriceList.objects.filter(external_id=external_id).first()
    return found or price_list_create(actor=actor, external_id=external_id, **fields)


def _price_lists(actor: User) -> tuple[PriceList, PriceList, PriceList]:
    retail = (
        PriceList.objects.filter(is_default=True, currency=Currency.RUB).first()
        or PriceList.objects.filter(external_id="demo-price-retail").first()
        or price_list_create(
            actor=actor,
            name="Розничный",
            currency=Currency.RUB,
            external_id="demo-price-retail",
        )
    )
    dealer = _price_list(
        actor,
        "demo-price-dealer",
        name="Дилерский",
        currency=Currency.RUB,
        prices_include_vat=retail.prices_include_vat,
    )
    export = _price_list(
        actor,
        "demo-price-export",
        name="Экспортный",
        currency=Currency.USD,
        prices_include_vat=False,
    )
    return retail, dealer, export


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _catalogue(actor, units, retail, dealer, export) -> list[ProductInfo]:
    groups = _groups(actor)
    vat_rates = {
        "22": VatRate.objects.filter(rate=22).first()
        or VatRate.objects.filter(is_default=True).first(),
        "none": VatRate.objects.filter(rate__isnull=True).first(),
    }
    existing = {
        p.external_id: p
        for p in Product.all_objects.filter(external_id__startswith="demo-product-")
        .select_related("unit", "vat_rate")
        .order_by("pk")
    }
    result = []
    for row in words.PRODUCTS:
        sku, group, kind, name, unit, vat, price, cost_share, low, high = row
        rate = vat_rates[vat]
        retail_price = Decimal(price)
        percent = Decimal(rate.rate or 0) if rate else Decimal(0)
        net = retail_price * 100 / (100 + percent)
        product = existing.get(f"demo-product-{sku}")
        if product is None:
            prices = {
                retail.pk: retail_price,
                dealer.pk: _money(retail_price * DEALER_SHARE),
                export.pk: _money(net / ROUBLES_PER_DOLLAR),
            }
            product = product_create(
                actor=actor,
                prices=prices,
                kind=kind,
                name=name,
                sku=sku,
                group_id=groups[group],
                unit_id=units.get(unit),
                vat_rate_id=rate.pk if rate else None,
                cost_price=_money(net * Decimal(str(cost_share))),
                external_id=f"demo-product-{sku}",
            )
        listed = dict(
            Price.objects.filter(
                product=product, price_list__in=[retail, dealer]
            ).values_list("price_list_id", "price")
        )
        result.append(
            ProductInfo(
                id=product.pk,
                sku=sku,
                group=group,
                name=product.name,
                unit=product.unit.short_name if product.unit else "",
                vat_rate=product.vat_rate.rate if product.vat_rate else None,
                cost_price=product.cost_price,
                retail=listed.get(retail.pk, retail_price),
                dealer=listed.get(
                    dealer.pk, listed.get(retail.pk, retail_price) * DEALER_SHARE
                ).quantize(CENT),
                quantities=(low, high),
            )
        )
    return result


def _groups(actor: User) -> dict[str, int]:
    found: dict[str, int] = {}
    for code, name, parent in words.GROUPS:
        external_id = f"demo-group-{code}"
        group = ProductGroup.objects.filter(external_id=external_id).first()
        if group is None:
            fields: dict[str, object] = {"name": name, "external_id": external_id}
            if parent is not None:
                fields["parent_id"] = found[parent]
            group = product_group_create(actor=actor, **fields)
        found[code] = group.pk
    return found


def _pipeline_info(pipeline: Pipeline) -> PipelineInfo:
    stages = list(pipeline.stages.order_by("position", "pk"))
    opened = [s for s in stages if s.kind == StageKind.OPEN]
    won = next(s for s in stages if s.kind == StageKind.WON)
    lost = next(s for s in stages if s.kind == StageKind.LOST)
    return PipelineInfo(
        id=pipeline.pk,
        stages=[(s.pk, s.probability) for s in (*opened, won, lost)],
    )


def _default_pipeline() -> PipelineInfo:
    pipeline = (
        Pipeline.objects.filter(is_default=True).first()
        or Pipeline.objects.filter(is_active=True).order_by("position", "pk").first()
    )
    if pipeline is None:
        raise RuntimeError("The demo needs a pipeline: run `crm migrate` first.")
    return _pipeline_info(pipeline)


def _tender_pipeline(actor: User) -> PipelineInfo:
    pipeline = Pipeline.objects.filter(name=words.TENDER_PIPELINE).first()
    if pipeline is None:
        pipeline = pipeline_create(
            actor=actor,
            name=words.TENDER_PIPELINE,
            stages=[
                {"name": name, "probability": probability, "kind": kind}
                for name, probability, kind in words.TENDER_STAGES
            ],
        )
    return _pipeline_info(pipeline)


def _sales_model(actor: User, model: tuple, pipeline_id: int) -> list[ModelStepInfo]:
    name, description, _kind, steps = model
    found = SalesModel.objects.filter(name=name).first()
    if found is None:
        found = sales_model_create(
            actor=actor,
            name=name,
            description=description,
            pipeline=pipeline_id,
            steps=[
                {
                    "title": title,
                    "description": what,
                    "responsible_role": role,
                    "offset_days": offset,
                    "is_required": required,
                }
                for title, what, role, offset, required in steps
            ],
        )
    return [
        ModelStepInfo(
            id=step.pk,
            title=step.title,
            description=step.description,
            role=step.responsible_role,
            offset=step.offset_days,
            required=step.is_required,
        )
        for step in found.steps.order_by("position", "pk")
    ]
