"""Factories of sales for tests. Each sub-domain may add its own next to this file
(factories_<area>.py); these are the shared basics."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from crm.customers.tests.factories import CompanyFactory
from crm.sales.models import (
    Deal,
    DealLine,
    Lead,
    Pipeline,
    Price,
    PriceList,
    Product,
    Stage,
    StageKind,
    Unit,
    VatRate,
)


def default_pipeline() -> Pipeline:
    """The pipeline the data migration creates (with open, won and lost stages)."""
    return Pipeline.objects.filter(is_default=True).first() or PipelineFactory()


class PipelineFactory(DjangoModelFactory):
    class Meta:
        model = Pipeline
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Воронка {n}")

    @factory.post_generation
    def stages(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        for position, (name, probability, kind) in enumerate(
            [
                ("Контакт", 10, StageKind.OPEN),
                ("КП", 40, StageKind.OPEN),
                ("Договор", 80, StageKind.OPEN),
                ("Успех", 100, StageKind.WON),
                ("Отказ", 0, StageKind.LOST),
            ]
        ):
            Stage.objects.create(
                pipeline=self,
                name=name,
                probability=probability,
                kind=kind,
                position=position,
            )


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Товар {n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:05}")
    unit = factory.LazyFunction(lambda: Unit.objects.filter(okei_code="796").first())
    vat_rate = factory.LazyFunction(
        lambda: VatRate.objects.filter(is_default=True).first()
    )
    cost_price = Decimal("600.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = model_class(*args, **kwargs)
        obj.search_text = obj.build_search_text()
        obj.save()
        return obj


class PriceListFactory(DjangoModelFactory):
    class Meta:
        model = PriceList

    name = factory.Sequence(lambda n: f"Прайс {n}")
    currency = "RUB"


class PriceFactory(DjangoModelFactory):
    class Meta:
        model = Price

    price_list = factory.SubFactory(PriceListFactory)
    product = factory.SubFactory(ProductFactory)
    price = Decimal("1000.00")


class DealFactory(DjangoModelFactory):
    """A deal in the first stage of the default pipeline; pass `owner`."""

    class Meta:
        model = Deal

    title = factory.Sequence(lambda n: f"Поставка {n}")
    company = factory.LazyAttribute(lambda o: CompanyFactory(curator=o.owner))
    pipeline = factory.LazyFunction(default_pipeline)
    stage = factory.LazyAttribute(
        lambda o: (
            o.pipeline.stages.filter(kind=StageKind.OPEN).order_by("position").first()
        )
    )
    probability = factory.LazyAttribute(lambda o: o.stage.probability)
    created_by = factory.LazyAttribute(lambda o: o.owner)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = model_class(*args, **kwargs)
        obj.search_text = obj.build_search_text()
        obj.save()
        return obj


class DealLineFactory(DjangoModelFactory):
    """A line with amounts filled as 1 × price, VAT 22 % included (set them yourself
    when a test needs other figures)."""

    class Meta:
        model = DealLine

    deal = factory.SubFactory(DealFactory)
    product = factory.SubFactory(ProductFactory)
    name = factory.LazyAttribute(lambda o: o.product.name)
    unit = "шт"
    quantity = Decimal("1")
    price = Decimal("1220.00")
    vat_rate = Decimal("22")
    net_amount = Decimal("1000.00")
    vat_amount = Decimal("220.00")
    total_amount = Decimal("1220.00")


class LeadFactory(DjangoModelFactory):
    class Meta:
        model = Lead

    title = factory.Sequence(lambda n: f"Нужна поставка {n}")
    company_name = factory.Sequence(lambda n: f"ООО «Лид {n}»")
    first_name = "Пётр"
    last_name = "Лидов"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = model_class(*args, **kwargs)
        obj.search_text = obj.build_search_text()
        obj.save()
        return obj
