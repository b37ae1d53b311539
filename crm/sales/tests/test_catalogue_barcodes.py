"""Barcodes of products: the check digits of EAN/UPC/ITF, other codes as typed,
the search and the exact look-up by barcode, the API, the card and the list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.core.errors import DomainError
from crm.core.models import AuditEntry
from crm.sales.selectors.catalogue import product_list, product_search
from crm.sales.services.catalogue import barcode_error, product_create, product_update
from crm.sales.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

# Real GS1 numbers: the last digit checks the others.
EAN13 = "4607176250213"
EAN8 = "96385074"
UPC_A = "036000291452"
ITF14 = "14607176250210"


@pytest.fixture
def head(make_user, team):
    return make_user(role="head", team=team)


@pytest.mark.parametrize("barcode", [EAN13, EAN8, UPC_A, ITF14])
def test_gtin_barcodes_with_their_check_digit_are_taken(barcode):
    assert barcode_error(barcode) is None


@pytest.mark.parametrize(
    ("barcode", "kind"),
    [
        ("4607176250214", "EAN-13"),  # one of the real 1C sample's mistakes
        ("96385075", "EAN-8"),
        ("036000291453", "UPC-A"),
        ("14607176250216", "ITF-14"),
    ],
)
def test_a_wrong_check_digit_is_refused_naming_the_kind(barcode, kind):
    message = barcode_error(barcode)

    assert message is not None
    assert kind in message
    assert barcode in message


@pytest.mark.parametrize(
    "barcode",
    ["ABC-123/x", "1234567", "12345678901", "000123456789012345", "Партия 7"],
)
def test_other_codes_are_taken_as_typed(admin_user, barcode):
    product = product_create(actor=admin_user, name="Коробка", barcode=barcode)

    assert product.barcode == barcode


def test_digits_printed_in_groups_are_joined_and_checked(admin_user):
    product = product_create(
        actor=admin_user, name="Молоко", barcode=" 4 607176 250213 "
    )

    assert product.barcode == EAN13
    with pytest.raises(DomainError) as refused:
        product_create(actor=admin_user, name="Кефир", barcode="4 607176 250214")
    assert "check digit" in str(refused.value.all_errors["barcode"][0])


def test_the_service_refuses_a_bad_barcode_under_its_field_and_saves_nothing(
    admin_user,
):
    with pytest.raises(DomainError) as refused:
        product_create(actor=admin_user, name="Молоко", barcode="4607176250214")

    assert set(refused.value.all_errors) == {"barcode"}
    with pytest.raises(DomainError) as too_long:
        product_create(actor=admin_user, name="Молоко", barcode="X" * 65)
    assert "64" in str(too_long.value.all_errors["barcode"][0])
    with pytest.raises(DomainError) as two_lines:
        product_create(actor=admin_user, name="Молоко", barcode="AB\nCD")
    assert "barcode" in two_lines.value.all_errors
    assert not ProductFactory._meta.model.objects.exists()


def test_a_barcode_may_repeat_as_1c_allows(admin_user):
    first = product_create(actor=admin_user, name="Молоко 1 л", barcode=EAN13)
    second = product_create(actor=admin_user, name="Молоко (акция)", barcode=EAN13)

    assert first.barcode == second.barcode == EAN13


def test_a_changed_barcode_is_in_the_history(admin_user):
    product = product_create(actor=admin_user, name="Молоко", barcode=EAN13)

    product_update(actor=admin_user, product=product, barcode=EAN8)

    entry = AuditEntry.objects.filter(object_id=product.pk, action="update").get()
    assert entry.changes["barcode"] == {"old": EAN13, "new": EAN8}


def test_global_search_and_the_list_find_a_product_by_its_barcode(admin_user, manager):
    product_create(actor=admin_user, name="Молоко", barcode=EAN13)
    product_create(actor=admin_user, name="Кефир", barcode="KEF-77")
    ProductFactory(name="Сметана")

    assert [p.name for p in product_search(actor=manager, query=EAN13)] == ["Молоко"]
    assert [p.name for p in product_search(actor=manager, query="460717")] == ["Молоко"]
    assert [p.name for p in product_search(actor=manager, query="kef-77")] == ["Кефир"]
    by_code = product_list(actor=manager, filters={"barcode": " 4 607176 250213"})
    assert [p.name for p in by_code] == ["Молоко"]
    assert not product_list(actor=manager, filters={"barcode": "4607176"}).exists()


def test_no_one_outside_the_staff_finds_a_product_by_barcode(admin_user, make_user):
    product_create(actor=admin_user, name="Молоко", barcode=EAN13)
    gone = make_user(role="sales")
    gone.is_active = False  # a member of staff who has left

    assert product_search(actor=gone, query=EAN13) == []
    assert not product_list(actor=gone, filters={"barcode": EAN13}).exists()


# --- API --------------------------------------------------------------------------------


def test_api_writes_reads_and_filters_by_barcode(api_client, head, manager):
    api = api_client(head)

    created = api.post("products", {"name": "Молоко", "barcode": EAN13})
    assert created.status_code == 201, created.content
    product_id = created.json()["id"]
    assert created.json()["barcode"] == EAN13
    patched = api.patch(f"products/{product_id}", {"barcode": "KEF-77"})
    assert patched.status_code == 200
    assert patched.json()["barcode"] == "KEF-77"
    api_client(head).post("products", {"name": "Кефир"})

    found = api_client(manager).get("products", {"barcode": "KEF-77"}).json()
    assert [item["id"] for item in found["items"]] == [product_id]
    searched = api_client(manager).get("products", {"q": "kef-77"}).json()
    assert [item["id"] for item in searched["items"]] == [product_id]


def test_api_refuses_a_bad_check_digit_with_422_naming_the_field(api_client, head):
    response = api_client(head).post(
        "products", {"name": "Молоко", "barcode": "4607176250214"}
    )

    assert response.status_code == 422
    assert "barcode" in response.content.decode()
    assert "check digit" in response.content.decode()


def test_a_manager_may_not_change_a_barcode_through_the_api(api_client, manager):
    product = ProductFactory(barcode=EAN13)

    response = api_client(manager).patch(f"products/{product.pk}", {"barcode": EAN8})

    assert response.status_code == 403
    product.refresh_from_db()
    assert product.barcode == EAN13


def test_openapi_describes_the_barcode_in_and_out(api_client, manager):
    schemas = api_client(manager).get("openapi.json").json()["components"]["schemas"]

    assert "barcode" in schemas["ProductIn"]["properties"]
    assert "barcode" in schemas["ProductPatch"]["properties"]
    assert "barcode" in schemas["ProductOut"]["required"]


# --- pages ------------------------------------------------------------------------------


def test_the_form_saves_a_barcode_and_shows_a_bad_one_on_its_field(client, head):
    client.force_login(head)
    url = reverse("sales:product-create")

    bad = client.post(
        url, {"kind": "product", "name": "Молоко", "barcode": "4607176250214"}
    )
    good = client.post(url, {"kind": "product", "name": "Молоко", "barcode": EAN13})

    assert bad.status_code == 200
    assert "check digit" in bad.content.decode()
    assert good.status_code == 302
    card = client.get(good.url).content.decode()
    assert EAN13 in card


def test_the_catalogue_list_offers_a_barcode_column(client, manager):
    ProductFactory(name="Молоко", barcode=EAN13)
    client.force_login(manager)

    default = client.get(reverse("sales:product-list")).content.decode()
    chosen = client.get(
        reverse("sales:product-list"), {"cols": ["name", "barcode"]}
    ).content.decode()

    assert EAN13 not in default
    assert EAN13 in chosen
