"""Typing a known client's e-mail into the new-contact form warns of the duplicate
before saving, and saving anyway leads to a card that warns too."""

import pytest
from django.urls import reverse

from crm.customers.models import Contact
from crm.customers.tests.factories import ContactFactory

pytestmark = pytest.mark.browser


def test_new_contact_form_warns_of_a_known_e_mail(page, sign_in, manager):
    # given a client the manager already has
    known = ContactFactory(
        curator=manager,
        last_name="Лебедева",
        first_name="Ольга",
        email="lebedeva@example.com",
    )
    sign_in(manager)

    # when he starts a new contact and types the same e-mail
    page.goto(reverse("customers:contact-create"))
    page.fill("#id_last_name", "Lebedeva")
    page.fill("#id_first_name", "Olga")
    page.locator("#id_email").press_sequentially("LEBEDEVA@example.com", delay=20)

    # then the panel names her, with the reasons, and says saving is allowed
    panel = page.locator("#duplicates-check")
    panel.locator("text=Possible duplicates").wait_for()
    link = panel.locator(f'a[href="{known.get_absolute_url()}"]')
    assert link.inner_text() == "Лебедева Ольга"
    assert "same e-mail" in panel.inner_text()
    assert "transliteration of the same name" in panel.inner_text()
    assert "You can still save." in panel.inner_text()

    # and saving anyway creates the record, whose card warns of the twin
    page.click("button[type=submit]:has-text('Save')")
    page.wait_for_selector("#duplicates-panel >> text=Лебедева Ольга")
    assert Contact.objects.filter(email__iexact="lebedeva@example.com").count() == 2


def test_a_known_number_typed_as_a_further_phone_warns_too(page, sign_in, manager):
    known = ContactFactory(
        curator=manager, last_name="Гусев", first_name="Антон", phone="+79163334455"
    )
    sign_in(manager)

    page.goto(reverse("customers:contact-create"))
    page.fill("#id_last_name", "Гусев")
    page.fill("#id_first_name", "Антон")
    # (the names alone are a namesake, not a duplicate: the panel stays empty)
    page.wait_for_timeout(1200)
    assert "Possible duplicates" not in page.locator("#duplicates-check").inner_text()
    page.locator("#id_phones-0-value").press_sequentially("8 916 333-44-55", delay=20)

    panel = page.locator("#duplicates-check")
    panel.locator("text=Possible duplicates").wait_for()
    assert panel.locator(f'a[href="{known.get_absolute_url()}"]').count() == 1
    assert "same phone" in panel.inner_text()
