"""Barcodes (Штрихкод) of items: imported from 1C as 1C has them, kept when a file has
none, exported back, and a repeated exchange changes nothing."""

from __future__ import annotations

import io

import pytest

from crm.core.models import AuditEntry
from crm.exchange.commerceml.reader import read
from crm.exchange.services.export import catalogue_xml
from crm.exchange.tests.conftest import FULL_SAMPLES, SAMPLES
from crm.exchange.tests.factories import commerceml
from crm.sales.models import Product
from crm.sales.selectors.catalogue import product_list, product_search
from crm.sales.tests.factories import ProductFactory

BOOTS = "bd72d910-55bc-11d9-848a-00112f43529a"
# The barcodes of the real 1C base whose check digit does not match: printed on the
# goods all the same, so they are kept.
BAD_SAMPLE_BARCODES = {"4602827775007", "300950085006", "4607176250214"}
EAN13 = "4607176250213"


def _item(item_id: str, barcodes: str = "", name: str = "Молоко") -> bytes:
    return commerceml(
        "<Каталог><Ид>c</Ид><Наименование>c</Наименование><Товары>"
        f"<Товар><Ид>{item_id}</Ид>{barcodes}<Артикул>A-{item_id}</Артикул>"
        f"<Наименование>{name}</Наименование></Товар></Товары></Каталог>"
    )


def _code(value: str) -> str:
    return f"<Штрихкод>{value}</Штрихкод>"


def test_the_sample_catalogue_brings_every_barcode(admin_user, import_file):
    run = import_file(admin_user, (SAMPLES / "import.xml").read_bytes())

    assert run.errors == []
    assert Product.objects.exclude(barcode="").count() == 39
    assert Product.objects.get(external_id=BOOTS).barcode == "2000018987155"


@pytest.mark.skipif(not FULL_SAMPLES.exists(), reason="the full 1C samples are absent")
def test_the_real_base_gives_every_barcode_as_1c_has_it(
    admin_user, manager, import_file
):
    catalogue = (FULL_SAMPLES / "import0_1.xml").read_bytes()

    first = import_file(admin_user, catalogue)
    again = import_file(admin_user, catalogue)

    assert first.stats["product"]["created"] == 1197
    assert first.errors == []
    assert Product.objects.exclude(barcode="").count() == 703
    # Three have a wrong check digit; 1C prints them on the goods, so they stay.
    assert Product.objects.filter(barcode__in=BAD_SAMPLE_BARCODES).count() == 3
    # A second identical exchange changes nothing and says the same.
    assert again.totals["created"] == again.totals["updated"] == 0
    assert again.errors == first.errors
    # Global search and the exact look-up find an item by its barcode.
    boots = Product.objects.get(external_id=BOOTS)
    assert [p.pk for p in product_search(actor=manager, query="2000018987155")] == [
        boots.pk
    ]
    assert list(product_list(actor=manager, filters={"barcode": "2000018987155"})) == [
        boots
    ]


def test_the_first_of_several_barcodes_is_taken(admin_user, import_file):
    run = import_file(admin_user, _item("m-1", _code(EAN13) + _code("2000018987155")))

    assert run.errors == []
    assert Product.objects.get(external_id="m-1").barcode == EAN13


def test_an_item_without_a_barcode_keeps_the_one_it_has(admin_user, import_file):
    import_file(admin_user, _item("m-1", _code(EAN13)))

    run = import_file(admin_user, _item("m-1"))

    assert run.totals["updated"] == 0
    assert Product.objects.get(external_id="m-1").barcode == EAN13


def test_a_barcode_with_a_wrong_check_digit_is_kept_and_stays_editable(
    admin_user, import_file
):
    import_file(admin_user, _item("m-1", _code(EAN13)))

    run = import_file(
        admin_user, _item("m-1", _code("4607176250214"), name="Молоко 2,5 %")
    )

    product = Product.objects.get(external_id="m-1")
    assert (product.name, product.barcode) == ("Молоко 2,5 %", "4607176250214")
    assert run.errors == []
    # the product form saves other changes with the code 1C sent, but checks a
    # code typed by hand
    from crm.core.errors import DomainError
    from crm.sales.services.catalogue import product_update

    product = product_update(
        actor=admin_user, product=product, name="Молоко 3,2 %", barcode="4607176250214"
    )
    assert product.name == "Молоко 3,2 %"
    with pytest.raises(DomainError) as refused:
        product_update(actor=admin_user, product=product, barcode="4607176250215")
    assert "barcode" in refused.value.all_errors


def test_a_code_that_cannot_be_stored_leaves_the_item_with_its_old_barcode(
    admin_user, import_file
):
    import_file(admin_user, _item("m-1", _code(EAN13)))

    run = import_file(admin_user, _item("m-1", _code("x" * 70), name="Молоко 2,5 %"))

    product = Product.objects.get(external_id="m-1")
    assert product.name == "Молоко 2,5 %"
    assert product.barcode == EAN13
    assert run.stats["barcode"]["refused"] == 1
    assert "Молоко" in run.errors[0]["record"]


def test_a_changed_barcode_is_written_with_its_history(admin_user, import_file):
    import_file(admin_user, _item("m-1", _code(EAN13)))

    run = import_file(admin_user, _item("m-1", _code("CODE128-text")))

    product = Product.objects.get(external_id="m-1")
    assert run.stats["product"]["updated"] == 1
    assert product.barcode == "CODE128-text"
    assert "code128" in product.search_text
    entry = AuditEntry.objects.filter(object_id=product.pk, action="update").get()
    assert entry.changes["barcode"] == {"old": EAN13, "new": "CODE128-text"}


def test_export_writes_the_barcode_before_the_article_and_comes_back(
    admin_user, import_file
):
    with_code = ProductFactory(name="Молоко", barcode=EAN13)
    ProductFactory(name="Кефир", barcode="")

    content = "".join(catalogue_xml(actor=admin_user)).encode()

    text = content.decode()
    assert f"<Штрихкод>{EAN13}</Штрихкод><Артикул>{with_code.sku}</Артикул>" in text
    assert text.count("<Штрихкод") == 1
    items = [i.data for i in read(io.BytesIO(content)) if i.kind == "product"]
    assert {i["name"]: i["barcode"] for i in items} == {"Молоко": EAN13, "Кефир": ""}
    back = import_file(admin_user, content)
    assert back.totals["created"] == back.totals["updated"] == 0
    assert Product.objects.get(pk=with_code.pk).barcode == EAN13
