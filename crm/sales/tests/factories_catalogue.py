"""Factories of the catalogue for tests: groups, price lists, discounts."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from crm.sales.models import Discount, ProductGroup, Unit, VatRate


class ProductGroupFactory(DjangoModelFactory):
    class Meta:
        model = ProductGroup

    name = factory.Sequence(lambda n: f"Группа {n}")


class DiscountFactory(DjangoModelFactory):
    """A discount for everything and everyone; narrow it with the keyword fields."""

    class Meta:
        model = Discount

    name = factory.Sequence(lambda n: f"Скидка {n}")
    percent = Decimal("5")


def unit(okei: str = "796") -> Unit:
    """A unit the data migration created (796 is «шт»)."""
    return Unit.objects.get(okei_code=okei)


def vat(rate: str | None) -> VatRate:
    """A VAT rate the data migration created; None is "without VAT"."""
    if rate is None:
        return VatRate.objects.get(rate__isnull=True)
    return VatRate.objects.get(rate=Decimal(rate))
