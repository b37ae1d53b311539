"""Stock from the offers and pictures of items: imported, shown, exported, and a
repeated exchange that changes nothing."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from crm.core.models import AuditEntry
from crm.exchange.services.export import offers_xml
from crm.exchange.tests.conftest import SAMPLES
from crm.exchange.tests.factories import commerceml
from crm.exchange.tests.test_archives import _import, _in_parts, zipped
from crm.exchange.tests.test_protocol import _sign_in
from crm.sales.models import Price, Product

BOOTS = "bd72d910-55bc-11d9-848a-00112f43529a"
BOOTS_38 = f"{BOOTS}#90c55447-d3a8-11e4-9423-e0cb4ed5eed4"
PICTURE = "import_files/bd/bd72d910-55bc-11d9-848a-00112f43529a_1.jpg"


def _sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def _picture(kind: str = "JPEG", colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, kind)
    return buffer.getvalue()


def _with_picture(path: str = PICTURE) -> bytes:
    """The sample catalogue with a picture on the boots, where 1C writes it."""
    content = _sample("import.xml").decode("utf-8-sig")
    marker = f"<Ид>{BOOTS}</Ид>"
    assert marker in content
    return content.replace(marker, f"{marker}<Картинка>{path}</Картинка>", 1).encode()


def _offers(body: str, date: str = "2026-12-01T10:00:00") -> bytes:
    head = (
        "<ПакетПредложений><Ид>p</Ид><Наименование>p</Наименование><ТипыЦен>"
        "<ТипЦены><Ид>retail</Ид><Наименование>Розничная</Наименование>"
        "<Валюта>RUB</Валюта></ТипЦены></ТипыЦен><Предложения>"
    )
    return (
        commerceml(head + body + "</Предложения></ПакетПредложений>")
        .decode()
        .replace("2026-12-01T10:00:00", date)
        .encode()
    )


def _offer(offer_id: str, stock: str, price: str = "100") -> str:
    return (
        f"<Предложение><Ид>{offer_id}</Ид><Наименование>x</Наименование>"
        "<Цены><Цена><ИдТипаЦены>retail</ИдТипаЦены>"
        f"<ЦенаЗаЕдиницу>{price}</ЦенаЗаЕдиницу><Валюта>RUB</Валюта></Цена></Цены>"
        f"{stock}</Предложение>"
    )


@pytest.fixture
def catalogue(admin_user, import_file):
    import_file(admin_user, _sample("import.xml"))


# --- stock -----------------------------------------------------------------------


def test_offers_bring_the_stock_dated_by_the_file(admin_user, import_file, catalogue):
    run = import_file(admin_user, _sample("offers.xml"), "offers.xml")

    boots = Product.objects.get(external_id=BOOTS_38)
    assert boots.stock == Decimal("20")
    assert boots.stock_updated_at == timezone.make_aware(
        dt.datetime(2018, 3, 10, 17, 37, 42)
    )
    assert run.stats["stock"]["updated"] == 47
    assert run.errors == []


def test_the_same_offers_again_change_no_stock_and_no_version(
    admin_user, import_file, catalogue
):
    import_file(admin_user, _sample("offers.xml"), "offers.xml")
    before = list(Product.objects.values_list("pk", "version", "updated_at", "stock"))
    entries = AuditEntry.objects.count()

    again = import_file(admin_user, _sample("offers.xml"), "offers.xml")

    assert again.stats["stock"] == {
        "created": 0,
        "updated": 0,
        "unchanged": 47,
        "refused": 0,
    }
    after = list(Product.objects.values_list("pk", "version", "updated_at", "stock"))
    assert after == before
    assert AuditEntry.objects.count() == entries


def test_a_newer_report_moves_the_figure_with_its_history_and_keeps_the_version(
    admin_user, import_file, catalogue
):
    import_file(admin_user, _offers(_offer(BOOTS, "<Количество>5</Количество>")))
    boots = Product.objects.get(external_id=BOOTS)

    run = import_file(
        admin_user,
        _offers(_offer(BOOTS, "<Количество>3.5</Количество>"), "2026-12-02T09:00:00"),
    )

    boots_after = Product.objects.get(pk=boots.pk)
    assert boots_after.stock == Decimal("3.5")
    assert boots_after.stock_updated_at == timezone.make_aware(
        dt.datetime(2026, 12, 2, 9, 0)
    )
    assert boots_after.version == boots.version
    assert run.stats["stock"]["updated"] == 1
    entry = AuditEntry.objects.filter(object_id=boots.pk).latest("pk")
    assert "stock" in entry.changes


def test_a_newer_report_of_the_same_figure_only_moves_its_date(
    admin_user, import_file, catalogue
):
    import_file(admin_user, _offers(_offer(BOOTS, "<Количество>5</Количество>")))

    run = import_file(
        admin_user,
        _offers(_offer(BOOTS, "<Количество>5</Количество>"), "2026-12-03T09:00:00"),
    )

    boots = Product.objects.get(external_id=BOOTS)
    assert boots.stock_updated_at.date() == dt.date(2026, 12, 3)
    assert run.stats["stock"]["updated"] == 0


@pytest.mark.parametrize(
    ("stock", "expected"),
    [
        ('<Склад ИдСклада="a" КоличествоНаСкладе="2"/>'
         '<Склад ИдСклада="b" КоличествоНаСкладе="3,5"/>', Decimal("5.5")),
        ("<Остатки><Остаток><Склад><Ид>a</Ид><Количество>4</Количество></Склад>"
         "</Остаток><Остаток><Склад><Ид>b</Ид><Количество>1</Количество></Склад>"
         "</Остаток></Остатки>", Decimal("5")),
        ("<Остатки><Остаток><Количество>7</Количество></Остаток></Остатки>",
         Decimal("7")),
    ],
)  # fmt: skip
def test_warehouses_are_summed_when_the_offer_gives_no_total(
    admin_user, import_file, catalogue, stock, expected
):
    import_file(admin_user, _offers(_offer(BOOTS, stock)))

    assert Product.objects.get(external_id=BOOTS).stock == expected


def test_an_offer_without_stock_leaves_the_known_figure(
    admin_user, import_file, catalogue
):
    import_file(admin_user, _offers(_offer(BOOTS, "<Количество>9</Количество>")))

    import_file(admin_user, _offers(_offer(BOOTS, "", price="120")))

    boots = Product.objects.get(external_id=BOOTS)
    assert boots.stock == Decimal("9")
    assert Price.objects.get(product=boots).price == Decimal("120")


def test_a_quantity_that_is_no_number_is_refused_but_the_price_is_taken(
    admin_user, import_file, catalogue
):
    run = import_file(
        admin_user, _offers(_offer(BOOTS, "<Количество>много</Количество>"))
    )

    boots = Product.objects.get(external_id=BOOTS)
    assert boots.stock is None
    assert Price.objects.get(product=boots).price == Decimal("100")
    assert run.stats["stock"]["refused"] == 1
    assert "много" in run.errors[0]["message"]


def test_offers_export_writes_the_stock_back(admin_user, import_file, catalogue):
    import_file(admin_user, _sample("offers.xml"), "offers.xml")
    boots = Product.objects.get(external_id=BOOTS_38)

    exported = "".join(offers_xml(actor=admin_user))

    offer = exported[exported.index(f"<Ид>{boots.external_id}</Ид>") :]
    offer = offer[: offer.index("</Предложение>")]
    assert "<Количество>20</Количество>" in offer


def test_the_product_card_and_api_show_the_stock(
    admin_user, import_file, catalogue, api_client
):
    import_file(admin_user, _sample("offers.xml"), "offers.xml")
    boots = Product.objects.get(external_id=BOOTS_38)
    client = Client()
    client.force_login(admin_user)

    page = client.get(boots.get_absolute_url())
    body = api_client(admin_user).get(f"products/{boots.pk}").json()

    assert 'id="product-stock"' in page.content.decode()
    assert Decimal(body["stock"]) == Decimal("20")
    assert dt.datetime.fromisoformat(body["stock_updated_at"]) == boots.stock_updated_at


# --- pictures ----------------------------------------------------------------------


@pytest.fixture
def client(data_dir):
    return Client()


def test_a_picture_in_the_archive_becomes_the_items_image(client, admin_user):
    picture = _picture()
    archive = zipped({"import.xml": _with_picture(), PICTURE: picture})
    _sign_in(client, admin_user)
    _in_parts(client, "import.zip", archive)

    answer = _import(client, "import.xml")

    boots = Product.objects.get(external_id=BOOTS)
    assert answer == ["success"]
    assert boots.image.name.startswith("products/")
    assert boots.image.name.endswith(".jpg")
    with boots.image.open("rb") as stored:
        assert stored.read() == picture


def test_the_same_picture_again_changes_nothing(client, admin_user):
    archive = zipped({"import.xml": _with_picture(), PICTURE: _picture()})
    _sign_in(client, admin_user)
    _in_parts(client, "import.zip", archive)
    _import(client, "import.xml")
    boots = Product.objects.get(external_id=BOOTS)

    client.cookies.clear()
    _sign_in(client, admin_user)
    _in_parts(client, "import.zip", archive)
    _import(client, "import.xml")

    again = Product.objects.get(pk=boots.pk)
    assert again.image.name == boots.image.name
    assert again.version == boots.version


def test_a_new_picture_replaces_the_image_and_none_keeps_it(client, admin_user):
    _sign_in(client, admin_user)
    _post = _in_parts
    red = zipped({"import.xml": _with_picture(), PICTURE: _picture()})
    _post(client, "import.zip", red)
    _import(client, "import.xml")
    first = Product.objects.get(external_id=BOOTS).image.name

    client.cookies.clear()
    _sign_in(client, admin_user)
    blue = zipped({"import.xml": _with_picture(), PICTURE: _picture(colour="blue")})
    _post(client, "import.zip", blue)
    _import(client, "import.xml")
    second = Product.objects.get(external_id=BOOTS).image.name

    client.cookies.clear()
    _sign_in(client, admin_user)
    _post(client, "import.zip", zipped({"import.xml": _sample("import.xml")}))
    _import(client, "import.xml")

    assert second != first
    assert Product.objects.get(external_id=BOOTS).image.name == second


def test_a_picture_sent_without_a_zip_is_found_by_its_name(client, admin_user):
    from crm.exchange.tests.test_protocol import _post_file

    png = PICTURE.replace(".jpg", ".png")
    _sign_in(client, admin_user)
    _post_file(client, png, _picture("PNG"))
    _post_file(client, "import.xml", _with_picture(png))

    answer = _import(client, "import.xml")

    assert answer == ["success"]
    assert Product.objects.get(external_id=BOOTS).image.name.endswith(".png")


def test_a_file_that_is_not_a_picture_is_refused_and_the_item_imported(
    client, admin_user
):
    archive = zipped({"import.xml": _with_picture(), PICTURE: b"<html>not a jpeg"})
    _sign_in(client, admin_user)
    _in_parts(client, "import.zip", archive)

    answer = _import(client, "import.xml")

    from crm.exchange.models import ExchangeRun

    run = ExchangeRun.objects.get(filename="import.xml")
    assert answer == ["success"]
    assert Product.objects.get(external_id=BOOTS).image.name == ""
    assert run.stats["picture"]["refused"] == 1
    assert "not a picture" in run.errors[0]["message"]


@pytest.mark.parametrize(
    "path", ["../../../../etc/hostname.jpg", "/etc/hostname.jpg", "C:/boot.jpg"]
)
def test_a_picture_path_outside_the_exchange_is_never_read(
    admin_user, import_file, path
):
    run = import_file(admin_user, _with_picture(path))

    assert Product.objects.get(external_id=BOOTS).image.name == ""
    assert run.stats["picture"]["refused"] == 1


def test_a_picture_over_the_size_limit_is_refused(client, admin_user, settings):
    settings.CRM_PRODUCT_IMAGE_MAX_SIZE = 100
    archive = zipped({"import.xml": _with_picture(), PICTURE: _picture()})
    _sign_in(client, admin_user)
    _in_parts(client, "import.zip", archive)

    _import(client, "import.xml")

    assert Product.objects.get(external_id=BOOTS).image.name == ""


def test_the_image_is_served_to_staff_and_shown_on_the_card(
    client, admin_user, api_client
):
    picture = _picture()
    _sign_in(client, admin_user)
    _in_parts(
        client, "import.zip", zipped({"import.xml": _with_picture(), PICTURE: picture})
    )
    _import(client, "import.xml")
    boots = Product.objects.get(external_id=BOOTS)
    reader = Client()
    reader.force_login(admin_user)

    card = reader.get(boots.get_absolute_url()).content.decode()
    image = reader.get(boots.image_url)
    api = api_client(admin_user).get(f"products/{boots.pk}").json()

    assert f'src="{boots.image_url}"' in card
    assert image.status_code == 200
    assert image["Content-Type"] == "image/jpeg"
    assert b"".join(image.streaming_content) == picture
    assert api["image_url"] == boots.image_url


def test_the_image_is_not_served_to_strangers_or_for_a_product_in_the_trash(
    client, admin_user
):
    _sign_in(client, admin_user)
    _in_parts(
        client,
        "import.zip",
        zipped({"import.xml": _with_picture(), PICTURE: _picture()}),
    )
    _import(client, "import.xml")
    boots = Product.objects.get(external_id=BOOTS)
    url = boots.image_url

    anonymous = Client().get(url)
    Product.objects.filter(pk=boots.pk).update(deleted_at=timezone.now())
    reader = Client()
    reader.force_login(admin_user)
    trashed = reader.get(url)
    without = reader.get(
        Product.objects.filter(image="").first().get_absolute_url() + "image/"
    )

    assert anonymous.status_code == 302
    assert trashed.status_code == 404
    assert without.status_code == 404


# --- barcodes of variants ----------------------------------------------------------


def test_an_offer_of_a_characteristic_brings_its_own_barcode(
    admin_user, import_file, catalogue
):
    from crm.sales.models import Product

    variant = f"{BOOTS}#size-38"
    body = _offer(variant, "<Количество>3</Количество>").replace(
        "</Наименование>", "</Наименование><Штрихкод>4607176250213</Штрихкод>", 1
    )
    first = import_file(admin_user, _offers(body), "offers.xml")
    again = import_file(admin_user, _offers(body), "offers.xml")

    assert first.errors == []
    assert Product.objects.get(external_id=variant).barcode == "4607176250213"
    assert again.totals["created"] == again.totals["updated"] == 0
