"""A new line takes the client's standing discount from the catalogue unless one is
typed."""

from decimal import Decimal

from crm.sales.models import PriceList
from crm.sales.services.deals import deal_line_add
from crm.sales.tests.factories import DealFactory, PriceFactory, ProductFactory
from crm.sales.tests.factories_catalogue import DiscountFactory


def _deal_with_priced_product(manager):
    deal = DealFactory(owner=manager, price_list=PriceList.objects.get(is_default=True))
    product = ProductFactory()
    PriceFactory(price_list=deal.price_list, product=product, price=Decimal("1000.00"))
    return deal, product


def test_a_new_line_takes_the_clients_standing_discount(manager):
    deal, product = _deal_with_priced_product(manager)
    DiscountFactory(product=product, company=deal.company, percent=Decimal("5"))

    line = deal_line_add(actor=manager, deal=deal, product=product, quantity="2")

    assert line.discount_percent == Decimal("5")
    assert line.price == Decimal("1000.00")


def test_a_typed_discount_wins_over_the_standing_one(manager):
    deal, product = _deal_with_priced_product(manager)
    DiscountFactory(product=product, company=deal.company, percent=Decimal("5"))

    line = deal_line_add(
        actor=manager, deal=deal, product=product, quantity="1", discount_percent="2"
    )

    assert line.discount_percent == Decimal("2")
