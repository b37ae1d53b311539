import datetime as dt
from decimal import Decimal

import pytest

from crm.core.errors import NotFound
from crm.customers.models import CompanyCategory
from crm.customers.tests.factories import CompanyFactory
from crm.sales.selectors import catalogue as selectors
from crm.sales.tests.factories import PriceFactory, PriceListFactory, ProductFactory
from crm.sales.tests.factories_catalogue import DiscountFactory, ProductGroupFactory

DAY = dt.date(2025, 6, 15)


@pytest.fixture
def category(db):
    return CompanyCategory.objects.create(name_en="Key", name_ru="Ключевой")


# --- prices ----------------------------------------------------------------------------


def test_price_for_reads_the_price_of_that_price_list_only(db):
    # given
    product = ProductFactory()
    rub = PriceListFactory(currency="RUB")
    usd = PriceListFactory(currency="USD")
    eur = PriceListFactory(currency="EUR")
    PriceFactory(product=product, price_list=rub, price=Decimal("9000.00"))
    PriceFactory(product=product, price_list=usd, price=Decimal("99.90"))
    # when / then
    assert selectors.price_for(product, rub) == Decimal("9000.00")
    assert selectors.price_for(product.pk, usd.pk) == Decimal("99.90")
    assert selectors.price_for(product, eur) is None
    assert selectors.prices_for([product], usd) == {product.pk: Decimal("99.90")}


# --- best discount ---------------------------------------------------------------------


def test_best_discount_takes_the_largest_that_applies(db, category):
    # given
    top = ProductGroupFactory(name="Оборудование")
    sub = ProductGroupFactory(name="Насосы", parent=top)
    product = ProductFactory(group=sub)
    client = CompanyFactory(category=category)
    other_client = CompanyFactory()
    DiscountFactory(name="Всем", percent=Decimal("2"))
    DiscountFactory(name="Группа выше", percent=Decimal("4"), product_group=top)
    DiscountFactory(name="Клиенту", percent=Decimal("6"), company=client)
    DiscountFactory(
        name="Категории от 10",
        percent=Decimal("8"),
        company_category=category,
        min_quantity=Decimal("10"),
    )
    DiscountFactory(
        name="Товару в июне",
        percent=Decimal("9"),
        product=product,
        valid_from=dt.date(2025, 6, 1),
        valid_to=dt.date(2025, 6, 30),
    )
    DiscountFactory(name="Выключена", percent=Decimal("50"), is_active=False)
    DiscountFactory(name="Другому клиенту", percent=Decimal("40"), company=other_client)
    DiscountFactory(
        name="Другому товару", percent=Decimal("30"), product=ProductFactory()
    )
    # when / then
    assert selectors.best_discount(product, client, 1, DAY).name == "Товару в июне"
    assert selectors.best_discount(product, client, 1, dt.date(2025, 7, 1)).name == (
        "Клиенту"
    )
    assert (
        selectors.best_discount(
            product, client, Decimal("10"), dt.date(2025, 7, 1)
        ).name
        == "Категории от 10"
    )
    assert selectors.best_discount(product, None, 1, dt.date(2025, 7, 1)).name == (
        "Группа выше"
    )
    unrelated = ProductFactory()
    assert selectors.best_discount(unrelated, None, 1, DAY).name == "Всем"


def test_best_discount_is_none_without_discounts(db):
    assert selectors.best_discount(ProductFactory(), CompanyFactory(), 1, DAY) is None


def test_best_discount_respects_the_dates(db):
    product = ProductFactory()
    DiscountFactory(percent=Decimal("5"), valid_to=dt.date(2025, 6, 14))
    DiscountFactory(percent=Decimal("6"), valid_from=dt.date(2025, 6, 16))
    assert selectors.best_discount(product, None, 1, DAY) is None
    assert selectors.best_discount(product, None, 1, dt.date(2025, 6, 16)).percent == 6


# --- products --------------------------------------------------------------------------


def test_product_list_filters(db, manager):
    # given
    pumps = ProductGroupFactory(name="Насосы")
    small = ProductGroupFactory(name="Малые", parent=pumps)
    in_sub = ProductFactory(name="Насос малый", group=small, sku="NM-1")
    service = ProductFactory(name="Монтаж насоса", kind="service")
    off_sale = ProductFactory(name="Насос снятый", is_active=False)
    price_list = PriceListFactory()
    PriceFactory(product=service, price_list=price_list)

    def names(**filters):
        return sorted(
            p.name for p in selectors.product_list(actor=manager, filters=filters)
        )

    # then
    assert names(group=pumps.pk) == [in_sub.name]
    assert names(kind="service") == [service.name]
    assert names(is_active=False) == [off_sale.name]
    assert names(price_list=price_list.pk) == [service.name]
    assert names(q="nm") == [in_sub.name]
    assert names(q="насос") == sorted([in_sub.name, service.name, off_sale.name])


def test_product_get_of_a_missing_or_deleted_product_is_not_found(db, manager):
    product = ProductFactory()
    product.deleted_at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    product.save()
    for product_id in (product.pk, 999_999, "abc"):
        with pytest.raises(NotFound):
            selectors.product_get(actor=manager, product_id=product_id)


def test_an_anonymous_actor_reads_no_catalogue(db):
    from django.contrib.auth.models import AnonymousUser

    ProductFactory()
    assert not selectors.product_list(actor=AnonymousUser()).exists()


def test_product_list_costs_the_same_queries_for_many_products(
    db, manager, django_assert_max_num_queries
):
    price_lists = [PriceListFactory() for _ in range(3)]
    for _ in range(30):
        product = ProductFactory(group=ProductGroupFactory())
        for price_list in price_lists:
            PriceFactory(product=product, price_list=price_list)
    with django_assert_max_num_queries(3):
        rows = list(selectors.product_list(actor=manager))
        for row in rows:
            assert len(selectors.product_prices(row)) == 3
            str(row.group), str(row.unit), str(row.vat_rate)
