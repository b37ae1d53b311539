import datetime as dt
from decimal import Decimal

import pytest

from crm.core.errors import Conflict, DomainError, Forbidden
from crm.core.models import AuditEntry
from crm.customers.tests.factories import CompanyFactory
from crm.sales.models import Price, PriceList, Product, VatRate
from crm.sales.services import catalogue as services
from crm.sales.services import catalogue_discounts as discount_services
from crm.sales.services import catalogue_settings
from crm.sales.tests.factories import PriceFactory, PriceListFactory, ProductFactory
from crm.sales.tests.factories_catalogue import (
    DiscountFactory,
    ProductGroupFactory,
    unit,
    vat,
)


@pytest.fixture
def head(make_user, team):
    return make_user(role="head", team=team, first_name="Ольга", last_name="Главная")


def _errors(error: DomainError) -> dict:
    return {
        field: [str(m) for m in messages]
        for field, messages in error.all_errors.items()
    }


# --- rights ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin", True),
        ("head", True),
        ("sales", False),
        ("marketer", False),
        ("service", False),
        ("readonly", False),
    ],
)
def test_only_administrators_and_heads_change_the_catalogue(make_user, role, allowed):
    # given
    actor = make_user(role=role)
    # when / then
    if allowed:
        product = services.product_create(actor=actor, name="Насос")
        assert product.pk
    else:
        with pytest.raises(Forbidden):
            services.product_create(actor=actor, name="Насос")
        assert not Product.objects.exists()


def test_sales_manager_may_not_set_a_price_or_a_discount(manager):
    product = ProductFactory()
    price_list = PriceListFactory()
    with pytest.raises(Forbidden):
        services.price_set(
            actor=manager, price_list=price_list, product=product, price="10"
        )
    with pytest.raises(Forbidden):
        discount_services.discount_create(actor=manager, name="x", percent="5")
    with pytest.raises(Forbidden):
        services.price_list_create(actor=manager, name="Дилерский", currency="USD")


def test_only_administrators_change_units_and_vat_rates(admin_user, head):
    with pytest.raises(Forbidden):
        catalogue_settings.unit_create(actor=head, name_ru="Рулон", short_name="рул")
    with pytest.raises(Forbidden):
        catalogue_settings.vat_rate_create(actor=head, name_ru="НДС 5 %", rate="5")
    created = catalogue_settings.unit_create(
        actor=admin_user, name_ru="Рулон", name_en="Roll", short_name="рул"
    )
    assert created.name == "Roll"


# --- products and prices -------------------------------------------------------------


def test_product_create_with_prices_in_two_currencies(head):
    # given
    retail = PriceList.objects.get(is_default=True)
    export = PriceListFactory(name="Экспорт", currency="USD", prices_include_vat=False)
    group = ProductGroupFactory(name="Насосы")
    # when
    product = services.product_create(
        actor=head,
        name="Насос ЦН-100",
        sku="CN-100",
        kind="product",
        group_id=group.pk,
        unit_id=unit("796").pk,
        cost_price="12 000,50",
        prices=[
            {"price_list_id": retail.pk, "price": "19990.00"},
            {"price_list_id": export.pk, "price": Decimal("215.5")},
        ],
    )
    # then
    assert product.vat_rate == VatRate.objects.get(is_default=True)
    assert product.cost_price == Decimal("12000.50")
    assert "cn" in product.search_text
    prices = {p.price_list.currency: p.price for p in product.prices.all()}
    assert prices == {"RUB": Decimal("19990.00"), "USD": Decimal("215.50")}
    assert AuditEntry.objects.filter(object_id=product.pk, action="create").exists()


def test_bad_product_input_names_every_field_and_saves_nothing(head):
    # given
    price_list = PriceListFactory()
    # when
    with pytest.raises(DomainError) as caught:
        services.product_create(
            actor=head,
            name="",
            unit_id=999_999,
            cost_price="-1",
            prices=[{"price_list_id": price_list.pk, "price": "-5"}],
        )
    # then
    errors = _errors(caught.value)
    assert errors["name"] == ["Enter the name of the product or service."]
    assert errors["unit_id"] == ["Choose a unit of measure from the list."]
    assert errors["cost_price"] == ["A cost price cannot be negative."]
    assert errors["prices.0.price"] == ["A price cannot be negative."]
    assert not Product.objects.exists()
    assert not Price.objects.exists()


def test_a_price_that_is_not_a_number_or_has_too_many_decimals_is_refused(head):
    product = ProductFactory()
    price_list = PriceListFactory()
    for bad, message in (
        ("abc", "Enter a number, like 1500.50."),
        ("10.555", "At most 2 digits after the decimal point."),
    ):
        with pytest.raises(DomainError) as caught:
            services.price_set(
                actor=head, price_list=price_list, product=product, price=bad
            )
        assert _errors(caught.value) == {"price": [message]}


def test_price_set_creates_changes_and_removes_a_price_with_history(head):
    # given
    product = ProductFactory()
    price_list = PriceListFactory()
    # when
    created = services.price_set(
        actor=head, price_list=price_list, product=product, price="100"
    )
    changed = services.price_set(
        actor=head, price_list=price_list, product=product, price="120.5"
    )
    removed = services.price_set(
        actor=head, price_list=price_list, product=product, price=""
    )
    # then
    assert created.price == Decimal("100.00")
    assert changed.pk == created.pk
    assert changed.price == Decimal("120.50")
    assert removed is None
    assert not Price.objects.filter(product=product).exists()
    actions = list(
        AuditEntry.objects.filter(
            content_type__model="price", object_id=created.pk
        ).values_list("action", flat=True)
    )
    assert sorted(actions) == ["create", "delete", "update"]


def test_zero_is_a_price(head):
    product = ProductFactory()
    price_list = PriceListFactory()
    price = services.price_set(
        actor=head, price_list=price_list, product=product, price="0"
    )
    assert price.price == Decimal("0.00")


def test_product_update_refuses_a_stale_version(head):
    product = ProductFactory(name="Старое")
    services.product_update(actor=head, product=product, version=1, name="Новое")
    stale = Product.objects.get(pk=product.pk)
    stale.version = 1
    with pytest.raises(Conflict):
        services.product_update(actor=head, product=stale, version=1, name="Третье")
    assert Product.objects.get(pk=product.pk).name == "Новое"


def test_duplicate_sku_and_external_id_are_refused(head):
    ProductFactory(sku="A-1", external_id="1c-1")
    with pytest.raises(DomainError) as caught:
        services.product_create(actor=head, name="x", sku="A-1", external_id="1c-1")
    assert set(_errors(caught.value)) == {"sku", "external_id"}


def test_product_delete_moves_to_the_trash(head):
    product = ProductFactory()
    services.product_delete(actor=head, product=product)
    assert not Product.objects.filter(pk=product.pk).exists()
    assert Product.all_objects.get(pk=product.pk).deleted_at is not None


# --- price lists ---------------------------------------------------------------------


def test_a_price_list_with_prices_keeps_its_currency(head):
    # given
    price_list = PriceListFactory(currency="RUB")
    PriceFactory(price_list=price_list)
    # when
    with pytest.raises(DomainError) as caught:
        services.price_list_update(actor=head, price_list=price_list, currency="USD")
    # then
    assert caught.value.field == "currency"
    price_list.refresh_from_db()
    assert price_list.currency == "RUB"


def test_unknown_currency_is_refused(head):
    with pytest.raises(DomainError) as caught:
        services.price_list_create(actor=head, name="Крипто", currency="BTC")
    assert caught.value.field == "currency"


def test_one_default_price_list(head):
    old = PriceList.objects.get(is_default=True)
    new = services.price_list_create(
        actor=head, name="Оптовый", currency="RUB", is_default=True
    )
    old.refresh_from_db()
    assert new.is_default
    assert not old.is_default


# --- groups ----------------------------------------------------------------------------


def test_a_group_cannot_go_inside_its_own_subgroup(head):
    top = ProductGroupFactory()
    sub = ProductGroupFactory(parent=top)
    with pytest.raises(DomainError) as caught:
        services.product_group_update(actor=head, group=top, parent_id=sub.pk)
    assert caught.value.field == "parent_id"


def test_a_group_with_products_is_not_deleted(head):
    group = ProductGroupFactory()
    ProductFactory(group=group)
    with pytest.raises(DomainError):
        services.product_group_delete(actor=head, group=group)


# --- discounts -------------------------------------------------------------------------


def test_discount_over_100_or_negative_is_refused_naming_the_field(head):
    for percent in ("100.01", "-1", "150"):
        with pytest.raises(DomainError) as caught:
            discount_services.discount_create(
                actor=head, name="Большая", percent=percent
            )
        assert _errors(caught.value) == {
            "percent": ["Enter a discount from 0 to 100 %."]
        }


def test_discount_for_a_product_and_a_group_at_once_is_refused(head):
    product = ProductFactory()
    group = ProductGroupFactory()
    with pytest.raises(DomainError) as caught:
        discount_services.discount_create(
            actor=head,
            name="Двойная",
            percent="5",
            product_id=product.pk,
            product_group_id=group.pk,
            valid_from="2025-02-01",
            valid_to="2025-01-01",
        )
    assert set(_errors(caught.value)) == {"product_group_id", "valid_to"}


def test_discount_for_a_client_the_head_cannot_see_is_refused(head, make_user):
    stranger = make_user(role="sales")  # not in the head's team
    hidden = CompanyFactory(curator=stranger)
    with pytest.raises(DomainError) as caught:
        discount_services.discount_create(
            actor=head, name="Чужая", percent="5", company_id=hidden.pk
        )
    assert caught.value.field == "company_id"


def test_discount_update_and_delete(head):
    discount = DiscountFactory(percent=Decimal("5"))
    discount_services.discount_update(actor=head, discount=discount, percent="7.5")
    discount.refresh_from_db()
    assert discount.percent == Decimal("7.50")
    discount_services.discount_delete(actor=head, discount=discount)
    assert not type(discount).objects.filter(pk=discount.pk).exists()


# --- VAT rates -------------------------------------------------------------------------


def test_vat_rate_without_vat_and_one_default(admin_user):
    without = vat(None)
    assert without.rate is None
    new = catalogue_settings.vat_rate_create(
        actor=admin_user, name_ru="НДС 5 %", name_en="VAT 5%", rate="5", is_default=True
    )
    assert new.rate == Decimal("5.00")
    assert list(VatRate.objects.filter(is_default=True)) == [new]
    with pytest.raises(DomainError) as caught:
        catalogue_settings.vat_rate_create(
            actor=admin_user, name_ru="НДС 120 %", rate="120"
        )
    assert caught.value.field == "rate"


def test_unit_with_a_bad_okei_code_is_refused(admin_user):
    with pytest.raises(DomainError) as caught:
        catalogue_settings.unit_create(
            actor=admin_user, name_ru="Рулон", short_name="рул", okei_code="7"
        )
    assert caught.value.field == "okei_code"


def test_dates_are_checked(head):
    with pytest.raises(DomainError) as caught:
        discount_services.discount_create(
            actor=head, name="x", percent="1", valid_from="01.02"
        )
    assert caught.value.field == "valid_from"
    discount = discount_services.discount_create(
        actor=head, name="x", percent="1", valid_from=dt.date(2025, 1, 1)
    )
    assert discount.valid_from == dt.date(2025, 1, 1)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1 234,50", Decimal("1234.50")),
        ("1,234.50", Decimal("1234.50")),
        ("1.234,50", Decimal("1234.50")),
        ("1234.5", Decimal("1234.50")),
        (7, Decimal("7.00")),
        (0.1, Decimal("0.10")),
    ],
)
def test_prices_are_read_as_people_type_them(head, typed, stored):
    product = ProductFactory()
    price_list = PriceListFactory()
    price = services.price_set(
        actor=head, price_list=price_list, product=product, price=typed
    )
    assert price.price == stored
