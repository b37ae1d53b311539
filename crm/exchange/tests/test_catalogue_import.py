"""Import of the 1C catalogue and offers: the real sample files of a 1C base."""

from decimal import Decimal

import pytest

from crm.core.models import AuditEntry
from crm.exchange.models import RunStatus
from crm.exchange.tests.conftest import FULL_SAMPLES, SAMPLES
from crm.exchange.tests.factories import commerceml
from crm.sales.models import Price, PriceList, Product, ProductGroup, ProductKind


def _sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_import_creates_groups_and_items_of_the_real_catalogue(admin_user, import_file):
    run = import_file(admin_user, _sample("import.xml"))

    assert run.status == RunStatus.DONE
    assert ProductGroup.objects.count() == 59
    assert Product.objects.count() == 40
    assert run.stats["product"]["created"] == 40
    assert run.errors == []


def test_import_keeps_cyrillic_names_units_groups_and_vat(admin_user, import_file):
    import_file(admin_user, _sample("import.xml"))

    boots = Product.objects.get(external_id="bd72d910-55bc-11d9-848a-00112f43529a")
    assert boots.name == "Женские ботфорты коричневые"
    assert boots.sku == "Б-130001"
    assert boots.group.name == "Женская обувь"
    assert boots.group.parent.name == "Обувь"
    assert boots.unit.okei_code == "715"
    assert boots.vat_rate.rate == Decimal("18")
    assert boots.kind == ProductKind.PRODUCT


def test_import_records_the_history_of_created_items(admin_user, import_file):
    import_file(admin_user, _sample("import.xml"))

    entries = AuditEntry.objects.filter(content_type__model="product", action="create")
    assert entries.count() == 40
    assert entries.first().actor == admin_user


def test_offers_create_the_price_type_variants_and_prices(admin_user, import_file):
    import_file(admin_user, _sample("import.xml"))

    run = import_file(admin_user, _sample("offers.xml"), "offers.xml")

    assert run.status == RunStatus.DONE
    retail = PriceList.objects.get(external_id="bb14a3a4-6b17-11e0-9819-e0cb4ed5eed4")
    assert retail.name == "Розничная"
    assert retail.currency == "RUB"
    assert retail.prices_include_vat is True
    assert Price.objects.filter(price_list=retail).count() == 47
    variant = Product.objects.get(
        external_id="bd72d910-55bc-11d9-848a-00112f43529a#90c55447-d3a8-11e4-9423-e0cb4ed5eed4"
    )
    assert variant.name == "Женские ботфорты коричневые (38)"
    assert variant.prices.get().price == Decimal("1719")
    assert Product.objects.count() == 40 + 15


def test_a_second_import_of_both_files_creates_nothing_new(admin_user, import_file):
    import_file(admin_user, _sample("import.xml"))
    import_file(admin_user, _sample("offers.xml"), "offers.xml")
    counts = (
        Product.objects.count(),
        Price.objects.count(),
        AuditEntry.objects.count(),
    )

    again = import_file(admin_user, _sample("import.xml"))
    offers = import_file(admin_user, _sample("offers.xml"), "offers.xml")

    assert again.stats["product"] == {
        "created": 0,
        "updated": 0,
        "unchanged": 40,
        "refused": 0,
    }
    assert offers.stats["price"]["created"] == 0
    assert offers.stats["price"]["updated"] == 0
    assert (
        Product.objects.count(),
        Price.objects.count(),
        AuditEntry.objects.count(),
    ) == counts


def test_a_changed_item_and_price_are_updated_with_history(admin_user, import_file):
    import_file(admin_user, _sample("import.xml"))
    import_file(admin_user, _sample("offers.xml"), "offers.xml")
    changed = _sample("import.xml").replace(
        "Женские ботфорты коричневые</".encode(), "Ботфорты женские</".encode(), 1
    )
    offers = _sample("offers.xml").replace(
        b"<\xd0\xa6\xd0\xb5\xd0\xbd\xd0\xb0\xd0\x97\xd0\xb0\xd0\x95\xd0\xb4\xd0\xb8\xd0\xbd\xd0\xb8\xd1\x86\xd1\x83>1719<",
        "<ЦенаЗаЕдиницу>1800<".encode(),
        1,
    )

    run = import_file(admin_user, changed)
    prices = import_file(admin_user, offers, "offers.xml")

    boots = Product.objects.get(external_id="bd72d910-55bc-11d9-848a-00112f43529a")
    assert run.stats["product"]["updated"] == 1
    assert boots.name == "Ботфорты женские"
    assert boots.version == 2
    assert prices.stats["price"]["updated"] == 1
    assert AuditEntry.objects.filter(
        content_type__model="product", object_id=boots.pk, action="update"
    ).exists()


def test_an_item_is_matched_by_a_unique_article_and_takes_the_1c_id(
    admin_user, import_file
):
    from crm.sales.tests.factories import ProductFactory

    mine = ProductFactory(name="Ботфорты", sku="Б-130001")

    import_file(admin_user, _sample("import.xml"))

    mine.refresh_from_db()
    assert mine.external_id == "bd72d910-55bc-11d9-848a-00112f43529a"
    assert Product.objects.count() == 40


def test_malformed_xml_is_refused_whole_with_the_line(admin_user, import_file):
    broken = _sample("import.xml")[:100_000]

    run = import_file(admin_user, broken)

    assert run.status == RunStatus.FAILED
    assert "not valid XML" in run.message
    assert "line" in run.message
    assert Product.objects.count() == 0
    assert ProductGroup.objects.count() == 0


def test_a_file_of_another_format_is_refused(admin_user, import_file):
    run = import_file(admin_user, b"<?xml version='1.0'?><html><body/></html>")

    assert run.status == RunStatus.FAILED
    assert "КоммерческаяИнформация" in run.message


def test_entities_are_refused_as_unsafe(admin_user, import_file):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        b"<\xd0\x9a>&a;</\xd0\x9a>"
    )

    run = import_file(admin_user, bomb)

    assert run.status == RunStatus.FAILED
    assert "DTD" in run.message


def test_a_bad_item_is_refused_alone_and_named(admin_user, import_file):
    body = (
        "<Каталог><Ид>cat</Ид><Наименование>К</Наименование><Товары>"
        "<Товар><Ид>ok-1</Ид><Наименование>Кабель</Наименование></Товар>"
        "<Товар><Ид>bad-1</Ид><Наименование></Наименование></Товар>"
        "<Товар><Ид>bad-2</Ид><Наименование>Лампа</Наименование>"
        "<СтавкиНалогов><СтавкаНалога><Наименование>НДС</Наименование>"
        "<Ставка>двадцать</Ставка></СтавкаНалога></СтавкиНалогов></Товар>"
        "</Товары></Каталог>"
    )

    run = import_file(admin_user, commerceml(body))

    assert run.status == RunStatus.DONE
    assert list(Product.objects.values_list("external_id", flat=True)) == ["ok-1"]
    assert run.stats["product"]["refused"] == 2
    assert "bad-1" in run.errors[0]["record"]
    assert "name" in run.errors[0]["message"]
    assert "«Лампа»" in run.errors[1]["record"]
    assert "двадцать" in run.errors[1]["message"]


@pytest.mark.parametrize(
    "namespace",
    ['xmlns="urn:1C.ru:commerceml_2"', 'xmlns="urn:1C.ru:commerceml_210"', ""],
)
def test_import_reads_every_namespace_1c_writes(admin_user, import_file, namespace):
    body = (
        "<Каталог><Товары><Товар><Ид>n-1</Ид><Наименование>Кабель</Наименование>"
        "</Товар></Товары></Каталог>"
    )

    import_file(admin_user, commerceml(body, namespace=namespace))

    assert Product.objects.get().name == "Кабель"


def test_offers_before_their_catalogue_are_refused_naming_the_item(
    admin_user, import_file
):
    run = import_file(admin_user, _sample("offers.xml"), "offers.xml")

    assert run.stats["offer"]["refused"] == 47
    assert "import.xml" in run.errors[0]["message"]
    assert Price.objects.count() == 0


def test_windows_1251_files_are_read(admin_user, import_file):
    body = (
        "<Каталог><Товары><Товар><Ид>w-1</Ид><Наименование>Щётка</Наименование>"
        "</Товар></Товары></Каталог>"
    )
    content = (
        '<?xml version="1.0" encoding="windows-1251"?>'
        f'<КоммерческаяИнформация ВерсияСхемы="2.05">{body}</КоммерческаяИнформация>'
    ).encode("cp1251")

    import_file(admin_user, content)

    assert Product.objects.get().name == "Щётка"


@pytest.mark.skipif(not FULL_SAMPLES.exists(), reason="the full 1C samples are absent")
def test_the_full_real_exchange_imports_everything_and_repeats_as_nothing(
    admin_user, import_file
):
    catalogue = (FULL_SAMPLES / "import0_1.xml").read_bytes()
    offers = (FULL_SAMPLES / "offers0_1.xml").read_bytes()

    first = import_file(admin_user, catalogue)
    prices = import_file(admin_user, offers, "offers.xml")
    again = import_file(admin_user, catalogue)
    prices_again = import_file(admin_user, offers, "offers.xml")

    assert first.errors == []
    assert prices.errors == []
    assert first.stats["product"]["created"] == 1197
    assert ProductGroup.objects.count() == 59
    assert Price.objects.count() == 2641
    assert Product.objects.count() == 1197 + 2641 - 541
    assert again.totals["created"] == 0
    assert again.totals["updated"] == 0
    assert prices_again.totals["created"] == 0
    assert prices_again.totals["updated"] == 0
