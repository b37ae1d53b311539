"""Data out and in through the browser: a 1C file uploaded and its report, the
calendar address on the profile, a contact's vCard."""

import os
from pathlib import Path

import pytest
import vobject

from crm.customers.tests.factories import ContactFactory
from crm.exchange.tests.conftest import SAMPLES
from crm.sales.models import Product

pytestmark = pytest.mark.browser


def _shot(page, name: str) -> None:
    """Screenshots at desktop and phone width when CRM_SCREENSHOTS names a folder."""
    folder = os.environ.get("CRM_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=f"{folder}/{name}-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=f"{folder}/{name}-phone.png", full_page=True)
    page.set_viewport_size(size)


def test_an_administrator_uploads_a_1c_catalogue_and_reads_its_report(
    page, sign_in, admin_user, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    sign_in(admin_user)

    page.goto("/settings/")
    page.click("a[href='/settings/exchange-1c/']")
    _shot(page, "exchange-settings-empty")
    page.set_input_files("#id_file", str(SAMPLES / "import.xml"))
    page.click("#exchange-files button[type=submit]")

    page.wait_for_selector("#run-stats")
    assert "Imported" in page.inner_text("h1 + .badge, .badge")
    assert "40" in page.inner_text("#run-stats")
    assert Product.objects.count() == 40
    _shot(page, "exchange-run")
    page.click("a[href='/settings/exchange-1c/']")
    assert "import.xml" in page.inner_text("#exchange-log")
    _shot(page, "exchange-settings")


def test_the_profile_shows_the_calendar_address_and_resets_it(page, sign_in, manager):
    sign_in(manager)

    page.goto("/accounts/profile/")
    old = page.input_value("#calendar-url")
    _shot(page, "profile-calendar")
    page.click("#calendar-reset")
    page.wait_for_selector("#calendar-url")

    new = page.input_value("#calendar-url")
    assert new != old
    assert "/calendar/" in new
    assert page.request.get(old).status == 404
    assert "BEGIN:VCALENDAR" in page.request.get(new).text()


def test_a_contact_downloads_as_a_vcard(page, sign_in, manager):
    contact = ContactFactory(
        last_name="Смирнова", first_name="Ольга", phone="+79161234567", curator=manager
    )
    sign_in(manager)
    page.goto(f"/contacts/{contact.pk}/")
    _shot(page, "contact-card")

    with page.expect_download() as download:
        page.click("#contact-vcard")

    card = vobject.readOne(Path(download.value.path()).read_text(encoding="utf-8"))
    assert card.fn.value == "Смирнова Ольга"
