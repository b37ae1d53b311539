from decimal import Decimal

import pytest

from crm.customers.tests.factories import CompanyFactory
from crm.sales.models import Price, PriceList, Product
from crm.sales.tests.factories import PriceFactory, PriceListFactory, ProductFactory
from crm.sales.tests.factories_catalogue import ProductGroupFactory, unit


@pytest.fixture
def head(make_user, team):
    return make_user(role="head", team=team)


def test_product_create_read_update_delete_with_prices(api_client, head):
    # given
    api = api_client(head)
    retail = PriceList.objects.get(is_default=True)
    usd = PriceListFactory(currency="USD", prices_include_vat=False)
    # when
    created = api.post(
        "products",
        {
            "name": "Насос ЦН-100",
            "sku": "CN-100",
            "unit_id": unit("796").pk,
            "cost_price": "12000.50",
            "prices": [
                {"price_list_id": retail.pk, "price": "19990"},
                {"price_list_id": usd.pk, "price": 215.5},
            ],
        },
    )
    # then
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["unit"] == "шт"
    assert body["vat_rate"] == "22.00"
    assert body["cost_price"] == "12000.50"
    assert sorted((p["currency"], p["price"]) for p in body["prices"]) == [
        ("RUB", "19990.00"),
        ("USD", "215.50"),
    ]
    product_id = body["id"]

    patched = api.patch(
        f"products/{product_id}",
        {
            "version": 1,
            "is_active": False,
            "prices": [{"price_list_id": usd.pk, "price": None}],
        },
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["is_active"] is False
    assert [p["currency"] for p in patched.json()["prices"]] == ["RUB"]
    stale = api.patch(f"products/{product_id}", {"version": 1, "name": "x"})
    assert stale.status_code == 409

    assert api.delete(f"products/{product_id}").status_code == 204
    assert api.get(f"products/{product_id}").status_code == 404


def test_bad_product_input_is_422_naming_the_fields(api_client, head):
    api = api_client(head)
    price_list = PriceListFactory()
    response = api.post(
        "products",
        {
            "name": "Насос",
            "unit_id": 999_999,
            "prices": [{"price_list_id": price_list.pk, "price": "-1"}],
        },
    )
    assert response.status_code == 422
    detail = {tuple(d["loc"]): d["msg"] for d in response.json()["detail"]}
    assert detail[("body", "unit_id")] == "Choose a unit of measure from the list."
    assert detail[("body", "prices", "0", "price")] == "A price cannot be negative."
    assert not Product.objects.exists()


def test_a_sales_manager_reads_but_may_not_write(api_client, manager):
    api = api_client(manager)
    ProductFactory()
    assert api.get("products").status_code == 200
    assert api.post("products", {"name": "x"}).status_code == 403
    assert api.post("price-lists", {"name": "x"}).status_code == 403


def test_product_list_filters_and_keeps_its_query_count(
    api_client, manager, django_assert_max_num_queries
):
    # given
    group = ProductGroupFactory()
    price_list = PriceListFactory()
    for _ in range(25):
        PriceFactory(product=ProductFactory(group=group), price_list=price_list)
    ProductFactory(kind="service", name="Монтаж")
    api = api_client(manager)
    # when
    with django_assert_max_num_queries(8):
        response = api.get("products", {"group_id": group.pk, "page_size": 100})
    # then
    assert response.json()["count"] == 25
    services = api.get("products", {"kind": "service"}).json()
    assert [p["name"] for p in services["items"]] == ["Монтаж"]
    assert api.get("products", {"ordering": "colour"}).status_code == 422


def test_price_list_create_and_currency_fixed_once_priced(api_client, head):
    api = api_client(head)
    created = api.post("price-lists", {"name": "Экспорт", "currency": "EUR"})
    assert created.status_code == 201
    price_list_id = created.json()["id"]
    product = ProductFactory()
    put = api.put(f"price-lists/{price_list_id}/prices/{product.pk}", {"price": "10.5"})
    assert put.status_code == 200, put.content
    assert put.json() == {
        "product_id": product.pk,
        "price_list_id": price_list_id,
        "currency": "EUR",
        "price": "10.50",
    }
    refused = api.patch(f"price-lists/{price_list_id}", {"currency": "USD"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "currency"]
    bad = api.post("price-lists", {"name": "x", "currency": "XXX"})
    assert bad.status_code == 422


def test_price_list_prices_table_and_removal(
    api_client, head, django_assert_max_num_queries
):
    api = api_client(head)
    price_list = PriceListFactory()
    priced = ProductFactory(name="А-товар")
    PriceFactory(product=priced, price_list=price_list, price=Decimal("5"))
    for _ in range(20):
        PriceFactory(product=ProductFactory(), price_list=price_list)
    ProductFactory(name="Б-без цены")
    with django_assert_max_num_queries(6):
        table = api.get(
            f"price-lists/{price_list.pk}/prices", {"page_size": 100}
        ).json()
    assert table["count"] == 22
    assert table["items"][0] == {
        "product_id": priced.pk,
        "name": "А-товар",
        "sku": priced.sku,
        "is_active": True,
        "price": "5.00",
    }
    unpriced = api.get(f"price-lists/{price_list.pk}/prices", {"priced": False}).json()
    assert [i["name"] for i in unpriced["items"]] == ["Б-без цены"]
    negative = api.put(f"price-lists/{price_list.pk}/prices/{priced.pk}", {"price": -1})
    assert negative.status_code == 422
    assert negative.json()["detail"][0]["loc"] == ["body", "price"]
    removed = api.put(
        f"price-lists/{price_list.pk}/prices/{priced.pk}", {"price": None}
    )
    assert removed.json()["price"] is None
    assert not Price.objects.filter(product=priced, price_list=price_list).exists()


def test_discounts_and_the_best_discount(api_client, head):
    api = api_client(head)
    product = ProductFactory()
    client = CompanyFactory(curator=head)
    bad = api.post("discounts", {"name": "x", "percent": "101"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "percent"]
    assert api.post("discounts", {"name": "Всем", "percent": "3"}).status_code == 201
    created = api.post(
        "discounts",
        {
            "name": "Клиенту",
            "percent": "10",
            "company_id": client.pk,
            "min_quantity": "5",
        },
    )
    assert created.status_code == 201, created.content
    best = api.get(
        f"products/{product.pk}/best-discount",
        {"company_id": client.pk, "quantity": "5"},
    ).json()
    assert best["discount"]["name"] == "Клиенту"
    few = api.get(f"products/{product.pk}/best-discount", {"company_id": client.pk})
    assert few.json()["discount"]["name"] == "Всем"


def test_reference_lists(api_client, manager):
    api = api_client(manager)
    ProductGroupFactory(name="Насосы")
    units = api.get("units").json()
    assert "шт" in [u["short_name"] for u in units["items"]]
    rates = api.get("vat-rates").json()["items"]
    assert None in [r["rate"] for r in rates]
    assert api.get("product-groups").json()["items"][0]["name"] == "Насосы"


def test_openapi_lists_the_catalogue_paths(api_client, manager):
    schema = api_client(manager).get("openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/products",
        "/api/v1/products/{product_id}",
        "/api/v1/price-lists",
        "/api/v1/price-lists/{price_list_id}",
        "/api/v1/price-lists/{price_list_id}/prices",
        "/api/v1/price-lists/{price_list_id}/prices/{product_id}",
        "/api/v1/discounts",
    ):
        assert path in paths, path
    assert paths["/api/v1/products"]["post"]["operationId"] == "product_create"
    assert (
        paths["/api/v1/price-lists/{price_list_id}/prices/{product_id}"]["put"][
            "operationId"
        ]
        == "price_set"
    )
