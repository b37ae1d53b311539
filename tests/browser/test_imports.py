"""Import in a real browser: upload a spreadsheet, map its columns, check it without
saving, import it, and download the rejected rows with their reasons."""

import os
from pathlib import Path

from playwright.sync_api import expect

from crm.customers.models import Contact

CSV = (
    "Фамилия;Имя;Куда писать;Телефон;Компания;Дата рождения\n"
    "Смирнова;Анна;anna@romashka.ru;8 916 123-45-67;Ромашка;01.02.1990\n"
    "Кузнецов;Пётр;petr@lutik.ru;+7 916 765-43-21;Лютик;31.12.1985\n"
    "Плохой;Ряд;not-an-email;;;\n"
)
SHOTS = os.environ.get("CRM_SHOTS_DIR")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_a_manager_imports_contacts_from_a_csv_file(page, sign_in, manager, tmp_path):
    # given: a CSV saved by Russian Excel (Windows-1251, semicolons)
    path = tmp_path / "clients.csv"
    path.write_bytes(CSV.encode("cp1251"))
    sign_in(manager)

    # when: the manager opens Import under "More" and uploads it as contacts
    page.goto("/imports/")
    _shot(page, "imports-list")
    page.select_option("#id_entity", "contacts")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Upload").click()

    # then: the columns are mapped by their Russian names, except the e-mail one
    expect(page.locator("#import-preview")).to_contain_text("Смирнова")
    expect(page.locator("#id_col_0")).to_have_value("last_name")
    expect(page.locator("#id_col_5")).to_have_value("birth_date")
    expect(page.locator("#id_col_2")).to_have_value("")
    _shot(page, "imports-mapping")

    # when: the e-mail column is mapped and the file is checked without saving
    page.select_option("#id_col_2", "email")
    page.get_by_role("button", name="Check without saving").click()

    # then: the bad row is named with its column and nothing is saved
    expect(page.locator("#import-errors")).to_contain_text("Куда писать")
    expect(page.locator(".import-error").first).to_contain_text("4")
    expect(page.locator("[data-count=created]")).to_have_text("2")
    assert Contact.objects.count() == 0
    _shot(page, "imports-dry-run")

    # when: the file is imported
    page.locator("button[value=run]").click()

    # then: two people are in, with their companies, and the bad row is offered
    expect(page.locator("#progress")).to_contain_text("done")
    expect(page.locator("[data-count=created]")).to_have_text("2")
    expect(page.locator("[data-count=rejected]")).to_have_text("1")
    anna = Contact.objects.get(email="anna@romashka.ru")
    assert anna.phone == "+79161234567"
    assert anna.curator == manager
    assert anna.companies.get().name == "Ромашка"
    _shot(page, "imports-done")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download rejected rows (CSV)").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[1].startswith("Плохой;Ряд;not-an-email;")
    assert "Куда писать" in lines[1]

    # and: the import is in the list of past imports, also at phone width
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/imports/")
    expect(page.locator("#import-list")).to_contain_text("clients.csv")
    _shot(page, "imports-list-phone")
    page.get_by_role("link", name="clients.csv").click()
    _shot(page, "imports-done-phone")
