"""Export to CommerceML and the round trip back."""

import io
from decimal import Decimal

import pytest

from crm.core.errors import Forbidden
from crm.customers.models import Company
from crm.customers.tests.factories import CompanyFactory
from crm.exchange.commerceml.reader import read
from crm.exchange.services.export import (
    catalogue_xml,
    counterparties_xml,
    documents_xml,
    offers_xml,
)
from crm.exchange.tests.conftest import SAMPLES
from crm.sales.models import Order, OrderStatus, Price, PriceList, Product, ProductGroup
from crm.sales.tests.factories import default_pipeline
from crm.sales.tests.factories_deals import make_deal, priced_product
from crm.sales.tests.factories_documents import OwnCompanyFactory


def _bytes(pieces) -> bytes:
    return "".join(pieces).encode()


def _items(content: bytes, kind: str) -> list[dict]:
    return [i.data for i in read(io.BytesIO(content)) if i.kind == kind]


def test_catalogue_export_writes_the_schema_version_date_groups_and_items(admin_user):
    group = ProductGroup.objects.create(name="Кабели")
    ProductGroup.objects.create(name="Медные", parent=group)
    product = priced_product(name="Кабель ВВГ «3×2,5»", sku="ВВГ-3", group=group)

    content = _bytes(catalogue_xml(actor=admin_user))

    text = content.decode()
    assert 'ВерсияСхемы="2.08"' in text
    assert "ДатаФормирования=" in text
    assert "«3×2,5»" in text
    groups = _items(content, "group")
    assert [g["name"] for g in groups] == ["Кабели", "Медные"]
    assert groups[1]["parent_id"] == groups[0]["id"]
    items = _items(content, "product")
    assert items[0]["id"] == f"crm-product-{product.pk}"
    assert items[0]["sku"] == "ВВГ-3"
    assert items[0]["vat"] == "22"


def test_offers_export_writes_price_types_and_prices(admin_user):
    product = priced_product("1220.50")

    content = _bytes(offers_xml(actor=admin_user))

    offers = _items(content, "offer")
    assert offers[0]["id"] == f"crm-product-{product.pk}"
    assert offers[0]["prices"][0]["price"] == "1220.5"
    assert len(_items(content, "price_type")) == PriceList.objects.count()


def test_a_round_trip_of_our_own_export_creates_nothing(admin_user, import_file):
    group = ProductGroup.objects.create(name="Кабели")
    priced_product("100", group=group)
    priced_product("200", external_id="1c-item")
    CompanyFactory(name="ООО «Альфа»")
    counts = (
        Product.objects.count(),
        Price.objects.count(),
        ProductGroup.objects.count(),
        PriceList.objects.count(),
        Company.objects.count(),
    )

    catalogue = import_file(admin_user, _bytes(catalogue_xml(actor=admin_user)))
    offers = import_file(admin_user, _bytes(offers_xml(actor=admin_user)), "offers.xml")
    parties = import_file(
        admin_user, _bytes(counterparties_xml(actor=admin_user)), "parties.xml"
    )

    assert catalogue.errors == []
    assert offers.errors == []
    assert parties.errors == []
    assert catalogue.totals["created"] == 0
    assert offers.totals["created"] == 0
    assert parties.totals["created"] == 0
    assert catalogue.totals["updated"] == 0
    assert offers.totals["updated"] == 0
    assert (
        Product.objects.count(),
        Price.objects.count(),
        ProductGroup.objects.count(),
        PriceList.objects.count(),
        Company.objects.count(),
    ) == counts


def test_a_sample_catalogue_survives_export_and_reimport_into_a_new_base(
    admin_user, import_file
):
    import_file(admin_user, (SAMPLES / "import.xml").read_bytes())
    import_file(admin_user, (SAMPLES / "offers.xml").read_bytes(), "offers.xml")
    exported = _bytes(catalogue_xml(actor=admin_user))
    prices = _bytes(offers_xml(actor=admin_user))

    again = import_file(admin_user, exported)
    again_prices = import_file(admin_user, prices, "offers.xml")

    assert again.totals["created"] == 0
    assert again.totals["updated"] == 0
    assert again_prices.totals["created"] == 0
    assert again_prices.totals["updated"] == 0
    assert Product.objects.filter(name="Женские ботфорты коричневые (38)").exists()


@pytest.fixture
def an_order(admin_user):
    from crm.sales.services.deals import deal_line_add
    from crm.sales.services.documents import order_issue

    default_pipeline()
    OwnCompanyFactory()
    deal = make_deal(admin_user)
    deal_line_add(
        actor=admin_user, deal=deal, product=priced_product("1500").pk, quantity=2
    )
    return order_issue(actor=admin_user, deal=deal)


def test_documents_export_writes_orders_with_buyer_lines_and_status(
    admin_user, an_order
):
    content = _bytes(documents_xml(actor=admin_user))

    docs = _items(content, "document")
    assert len(docs) == 1
    assert docs[0]["operation"] == "Заказ товара"
    assert docs[0]["number"] == str(an_order.number)
    assert docs[0]["counterparties"][0]["role"] == "Покупатель"
    assert docs[0]["lines"][0]["quantity"] == "2"
    assert Decimal(docs[0]["total"]) == an_order.total_amount
    assert docs[0]["requisites"]["Статус заказа"] == "Новый"


def test_an_exported_order_comes_back_with_the_status_1c_gave_it(
    admin_user, an_order, import_file
):
    content = _bytes(documents_xml(actor=admin_user)).decode()
    shipped = content.replace(
        "<Значение>Новый</Значение>", "<Значение>Отгружен</Значение>"
    ).encode()

    run = import_file(admin_user, shipped, "orders.xml")

    an_order.refresh_from_db()
    assert run.errors == []
    assert run.stats["document"]["updated"] == 1
    assert an_order.status == OrderStatus.SHIPPED
    assert Order.objects.count() == 1


def test_documents_export_takes_only_changes_after_the_watermark(admin_user, an_order):
    from django.utils import timezone

    later = _bytes(documents_xml(actor=admin_user, since=timezone.now()))

    assert _items(later, "document") == []


def test_counterparties_export_writes_only_what_the_actor_sees(make_user, admin_user):
    from crm.exchange.services.access import exchange_user_set

    robot = make_user(role="sales", username="onec")
    exchange_user_set(actor=admin_user, user=robot)
    CompanyFactory(name="Своя", curator=robot)
    CompanyFactory(name="Чужая", curator=admin_user)

    content = _bytes(counterparties_xml(actor=robot))

    assert [c["name"] for c in _items(content, "counterparty")] == ["Своя"]


def test_export_is_refused_to_users_who_may_not_exchange(make_user):
    with pytest.raises(Forbidden):
        catalogue_xml(actor=make_user(role="sales"))


def test_documents_export_holds_only_the_deals_the_exchange_user_sees(
    make_user, admin_user, an_order
):
    from crm.exchange.services.access import exchange_user_set

    robot = make_user(role="sales", username="onec")
    exchange_user_set(actor=admin_user, user=robot)

    content = _bytes(documents_xml(actor=robot))

    assert _items(content, "document") == []
