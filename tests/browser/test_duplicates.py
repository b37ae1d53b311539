"""The duplicates queue in a real browser: review a pair, merge field by field, and
the warning on the card."""

import os

import pytest

from crm.customers.models import Contact
from crm.customers.tests.factories import ContactFactory
from crm.duplicates.services import duplicates_scan

pytestmark = pytest.mark.browser

# Set DUPLICATES_SHOTS=/some/dir to keep screenshots of each page (desktop and phone).
SHOTS = os.environ.get("DUPLICATES_SHOTS")


def _shot(page, name):
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    for width, suffix in ((1280, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{suffix}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_open_the_queue_and_merge_two_contacts(page, sign_in, manager):
    # given a contact typed twice, once in Latin letters, with different details
    kept = ContactFactory(
        curator=manager,
        last_name="Кузнецов",
        first_name="Дмитрий",
        email="kuznetsov@example.com",
    )
    twin = ContactFactory(
        curator=manager,
        last_name="Kuznetsov",
        first_name="Dmitry",
        email="kuznetsov@example.com",
        phone="+79161234567",
    )
    duplicates_scan(entity="contacts")
    sign_in(manager)

    # the card warns of the twin
    page.goto(kept.get_absolute_url())
    page.wait_for_selector("#duplicates-panel >> text=Kuznetsov Dmitry")
    _shot(page, "card-panel")

    # the queue shows the pair with its reasons
    page.goto("/duplicates/")
    page.wait_for_selector("text=transliteration of the same name")
    _shot(page, "queue")
    page.click("text=Compare and merge")

    # the comparison offers the twin's phone to fill the gap, and the user keeps
    # the Latin spelling of the first name
    page.wait_for_selector("#merge-table")
    assert page.is_checked(f"#phone-{twin.pk}")
    page.check(f"#first_name-{twin.pk}")
    _shot(page, "merge")
    page.click("#merge-submit")

    page.wait_for_url(f"**{kept.get_absolute_url()}")
    page.wait_for_selector("text=2 records became one")
    kept.refresh_from_db()
    assert kept.first_name == "Dmitry"
    assert kept.phone == "+79161234567"
    assert not Contact.objects.filter(pk=twin.pk).exists()


def test_administrator_undoes_a_merge(page, sign_in, admin_user, manager):
    from crm.duplicates.services import duplicates_merge

    kept = ContactFactory(curator=manager, last_name="Орлов", first_name="Иван")
    twin = ContactFactory(curator=manager, last_name="Орлов", first_name="Иван")
    duplicates_merge(actor=manager, entity="contact", survivor=kept, others=[twin])
    sign_in(admin_user)

    page.goto("/duplicates/merges/")
    _shot(page, "merges")
    page.click("#merges button:has-text('Undo')")
    page.wait_for_selector("text=The merge is undone")
    assert Contact.objects.filter(pk=twin.pk).exists()
