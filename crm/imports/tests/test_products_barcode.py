"""Barcodes in the CSV import of the catalogue: the column is recognised, the
catalogue's check applies row by row, a spreadsheet's rounded number is caught, and
a second run of the same file changes no barcode."""

from __future__ import annotations

import pytest

from crm.core.models import AuditEntry
from crm.imports.entities.products import PRODUCT_FIELDS
from crm.imports.fields import guess_mapping
from crm.imports.services import import_upload
from crm.sales.models import Product

pytestmark = pytest.mark.django_db

EAN13 = "4607176250213"
EAN8 = "96385074"


@pytest.mark.parametrize(
    "header", ["Штрихкод", "Штрих-код", "ШТРИХ КОД", "EAN", "EAN-13", "Barcode"]
)
def test_the_barcode_column_is_recognised(header):
    mapping = guess_mapping(PRODUCT_FIELDS, ["Артикул", "Наименование", header])

    assert mapping == {"0": "sku", "1": "name", "2": "barcode"}


def test_barcodes_are_imported_checked_and_a_rerun_changes_none(
    admin_user, csv_file, run_job
):
    text = (
        "Артикул;Наименование;Штрихкод\n"
        f"M-1;Молоко;{EAN13}\n"
        "M-2;Кефир;4 607176 250213\n"
        "M-3;Коробка;BOX-128/a\n"
        "M-4;Сметана;4607176250214\n"
        "M-5;Творог;4,60718E+12\n"
        "M-6;Сыр;\n"
    )

    job = run_job(
        actor=admin_user,
        job=import_upload(actor=admin_user, entity="products", upload=csv_file(text)),
    )

    codes = dict(Product.objects.values_list("sku", "barcode"))
    assert codes == {"M-1": EAN13, "M-2": EAN13, "M-3": "BOX-128/a", "M-6": ""}
    assert job.rejected_count == 2
    errors = {e.row: e.message for e in job.errors.all()}
    assert "check digit" in errors[5]
    assert "EAN-13" in errors[5]
    assert "rounded" in errors[6]
    history = AuditEntry.objects.count()

    again = run_job(
        actor=admin_user,
        job=import_upload(actor=admin_user, entity="products", upload=csv_file(text)),
    )

    assert (again.created_count, again.updated_count) == (0, 0)
    assert dict(Product.objects.values_list("sku", "barcode")) == codes
    assert AuditEntry.objects.count() == history
    # nothing was saved again: an open product form is not made stale
    assert set(Product.objects.values_list("version", flat=True)) == {1}


def test_an_empty_barcode_cell_keeps_the_barcode_and_a_new_one_replaces_it(
    admin_user, csv_file, run_job
):
    def run(text):
        return run_job(
            actor=admin_user,
            job=import_upload(
                actor=admin_user, entity="products", upload=csv_file(text)
            ),
        )

    run(f"sku;name;barcode\nM-1;Молоко;{EAN13}\n")
    run("sku;name;barcode\nM-1;Молоко;\n")
    assert Product.objects.get(sku="M-1").barcode == EAN13

    run(f"sku;name;EAN\nM-1;Молоко;{EAN8}\n")
    product = Product.objects.get(sku="M-1")
    assert product.barcode == EAN8
    change = AuditEntry.objects.filter(object_id=product.pk, action="update").get()
    assert change.changes["barcode"] == {"old": EAN13, "new": EAN8}
