from decimal import Decimal

import pytest
from django.urls import reverse

from crm.sales.models import Discount, Price, PriceList, Product
from crm.sales.tests.factories import PriceFactory, PriceListFactory, ProductFactory
from crm.sales.tests.factories_catalogue import (
    DiscountFactory,
    ProductGroupFactory,
    unit,
)


@pytest.fixture
def head(make_user, team):
    return make_user(role="head", team=team)


def test_product_list_shows_prices_and_filters(client, manager):
    # given
    retail = PriceList.objects.get(is_default=True)
    group = ProductGroupFactory(name="Насосы")
    pump = ProductFactory(name="Насос ЦН-100", group=group)
    ProductFactory(name="Кабель ВВГ")
    PriceFactory(product=pump, price_list=retail, price=Decimal("19990.50"))
    client.force_login(manager)
    # when
    page = client.get(reverse("sales:product-list"), {"group": group.pk})
    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert "Насос ЦН-100" in html
    assert "Кабель ВВГ" not in html
    assert "19,990.50 RUB" in html
    assert 'href="/catalogue/new/"' not in html  # a manager only reads


def test_product_list_in_russian_formats_money_for_russian_readers(client, manager):
    retail = PriceList.objects.get(is_default=True)
    PriceFactory(product=ProductFactory(), price_list=retail, price=Decimal("1234.5"))
    client.force_login(manager)
    html = client.get(
        reverse("sales:product-list"), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    assert "1\xa0234,50 RUB" in html


def test_product_list_query_count_does_not_grow(
    client, manager, django_assert_max_num_queries
):
    price_lists = [PriceListFactory() for _ in range(3)]
    for n in range(40):
        product = ProductFactory(group=ProductGroupFactory())
        for price_list in price_lists:
            PriceFactory(product=product, price_list=price_list, price=n)
    client.force_login(manager)
    with django_assert_max_num_queries(14):
        response = client.get(
            reverse("sales:product-list"),
            {
                "cols": [
                    "name",
                    "group",
                    "unit",
                    *[f"price_{p.pk}" for p in price_lists],
                ]
            },
        )
    assert response.status_code == 200


def test_head_creates_a_product_with_prices_through_the_form(client, head):
    # given
    retail = PriceList.objects.get(is_default=True)
    client.force_login(head)
    # when
    response = client.post(
        reverse("sales:product-create"),
        {
            "kind": "service",
            "name": "Монтаж",
            "unit": unit("356").pk,
            "cost_price": "1 000,00",
            "is_active": "on",
            f"price_{retail.pk}": "2500",
        },
    )
    # then
    product = Product.objects.get(name="Монтаж")
    assert response.status_code == 302
    assert response.url == product.get_absolute_url()
    assert product.cost_price == Decimal("1000.00")
    assert Price.objects.get(product=product, price_list=retail).price == Decimal(
        "2500.00"
    )


def test_negative_price_on_the_form_is_shown_on_its_field(client, head):
    retail = PriceList.objects.get(is_default=True)
    client.force_login(head)
    response = client.post(
        reverse("sales:product-create"),
        {"kind": "product", "name": "Насос", f"price_{retail.pk}": "-10"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "A price cannot be negative." in html
    assert not Product.objects.exists()


def test_a_manager_may_not_open_the_product_form(client, manager):
    client.force_login(manager)
    assert client.get(reverse("sales:product-create")).status_code == 403


def test_product_card_shows_prices_and_saves_them(
    client, head, django_assert_max_num_queries
):
    # given
    product = ProductFactory(name="Насос")
    usd = PriceListFactory(name="Экспорт", currency="USD")
    DiscountFactory(name="Насосы дешевле", product=product)
    client.force_login(head)
    # when
    with django_assert_max_num_queries(16):
        card = client.get(product.get_absolute_url())
    saved = client.post(
        reverse("sales:product-prices", args=[product.pk]), {f"price_{usd.pk}": "99.9"}
    )
    # then
    assert card.status_code == 200
    assert "Насосы дешевле" in card.content.decode()
    assert saved.status_code == 302
    assert Price.objects.get(product=product, price_list=usd).price == Decimal("99.90")


def test_price_list_table_edits_one_price_in_place_with_htmx(client, head):
    # given
    price_list = PriceListFactory(name="Дилерский")
    product = ProductFactory(name="Насос")
    client.force_login(head)
    url = reverse("sales:price-list-price", args=[price_list.pk, product.pk])
    # when
    good = client.post(url, {f"p{product.pk}-price": "1500,5"}, HTTP_HX_REQUEST="true")
    bad = client.post(url, {f"p{product.pk}-price": "-1"}, HTTP_HX_REQUEST="true")
    # then
    assert good.status_code == 200
    assert f'id="price-row-{product.pk}"' in good.content.decode()
    assert "is-valid" in good.content.decode()
    assert bad.status_code == 422
    assert "A price cannot be negative." in bad.content.decode()
    assert Price.objects.get(product=product, price_list=price_list).price == Decimal(
        "1500.50"
    )


def test_price_list_page_lists_products_with_their_prices(
    client, manager, django_assert_max_num_queries
):
    price_list = PriceListFactory(name="Дилерский", currency="EUR")
    for n in range(30):
        PriceFactory(price_list=price_list, product=ProductFactory(), price=n + 1)
    ProductFactory(name="Без цены")
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("sales:price-list-detail", args=[price_list.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Без цены" in html
    assert "30.00 EUR" in html
    assert "<form" not in html.split('id="price-table"')[1]  # a manager only reads
    unpriced = client.get(
        reverse("sales:price-list-detail", args=[price_list.pk]),
        {"priced": "no"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Без цены" in unpriced
    assert "<html" not in unpriced


def test_discount_over_100_on_the_form_names_the_field(client, head):
    client.force_login(head)
    response = client.post(
        reverse("sales:discount-create"), {"name": "Большая", "percent": "120"}
    )
    assert "Enter a discount from 0 to 100 %." in response.content.decode()
    assert not Discount.objects.exists()
    ok = client.post(
        reverse("sales:discount-create"),
        {"name": "Обычная", "percent": "7,5", "is_active": "on"},
    )
    assert ok.status_code == 302
    assert Discount.objects.get().percent == Decimal("7.50")


def test_units_and_vat_pages_are_for_administrators(client, admin_user, head):
    client.force_login(head)
    assert client.get(reverse("sales:unit-list")).status_code == 403
    client.force_login(admin_user)
    page = client.get(reverse("sales:vat-rate-list")).content.decode()
    assert "No VAT" in page
    added = client.post(
        reverse("sales:unit-list"),
        {
            "name_ru": "Рулон",
            "name_en": "Roll",
            "short_name": "рул",
            "okei_code": "736",
        },
    )
    assert added.status_code == 302


def test_groups_page_and_product_lookup(client, head):
    client.force_login(head)
    created = client.post(reverse("sales:product-group-list"), {"name": "Насосы"})
    assert created.status_code == 302
    ProductFactory(name="Насос малый", sku="NM-1")
    options = client.get(
        reverse("sales:product-lookup"), {"lookup": "nm", "field": "product"}
    ).content.decode()
    assert "Насос малый" in options


def test_company_card_shows_the_clients_discounts(client, manager):
    from crm.customers.tests.factories import CompanyFactory

    company = CompanyFactory(curator=manager)
    DiscountFactory(name="Ключевому клиенту", percent=Decimal("12.5"), company=company)
    DiscountFactory(name="Всем подряд")
    client.force_login(manager)
    html = client.get(company.get_absolute_url()).content.decode()
    assert "Ключевому клиенту" in html
    assert "12.5 %" in html
    assert "Всем подряд" not in html
