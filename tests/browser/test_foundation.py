"""The first steps of a user, in a real browser: sign in, create a company with a valid
INN, add a contact, log a call, find the company through the global search, and switch
the language."""

import re

from playwright.sync_api import expect

from crm.activities.models import Activity, ActivityKind
from crm.customers.models import Company, Contact


def test_a_manager_builds_a_client_card_and_finds_it(page, sign_in, manager):
    sign_in(manager)

    # A new company: a wrong INN is refused on its field, nothing is saved.
    page.get_by_role("link", name="Companies").first.click()
    page.get_by_role("link", name="New company").click()
    page.fill("#id_name", "ООО «Ромашка»")
    page.fill("#id_inn", "7707083894")
    page.locator("#company-form button[type=submit]").click()
    expect(page.locator("#id_inn")).to_have_class(re.compile("is-invalid"))
    expect(page.locator("#company-form")).to_contain_text("check digit")
    assert not Company.objects.exists()

    page.fill("#id_inn", "7707083893")
    page.locator("#company-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/companies/\d+/$"))
    expect(page.locator("h1")).to_contain_text("ООО «Ромашка»")
    company = Company.objects.get()
    assert company.inn == "7707083893"
    assert company.curator == manager

    # A contact of the company, from its card.
    page.locator("a[href*='/contacts/new/?company=']").first.click()
    page.fill("#id_last_name", "Петров")
    page.fill("#id_first_name", "Иван")
    page.fill("#id_email", "ivan.petrov@romashka.ru")
    page.fill("#id_phone", "8 916 123-45-67")
    page.locator("#contact-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/contacts/\d+/$"))
    contact = Contact.objects.get()
    assert contact.phone == "+79161234567"
    assert list(contact.companies.all()) == [company]

    # A call logged on the contact's card shows on its timeline without a reload.
    page.locator("label[for^='kind-call']").first.click()
    page.locator(".log-form textarea[name=body]").first.fill("Обсудили поставку")
    page.locator(".log-form button[type=submit]").first.click()
    expect(page.locator(".timeline").first).to_contain_text("Обсудили поставку")
    call = Activity.objects.get(kind=ActivityKind.CALL)
    assert call.contact == contact
    assert call.company == company

    # The global search answers as one types.
    page.fill("#global-search-input", "ромаш")
    hit = page.locator("#global-search-results a", has_text="ООО «Ромашка»")
    expect(hit).to_be_visible()
    hit.click()
    expect(page).to_have_url(re.compile(rf"/companies/{company.pk}/$"))
    expect(page.locator(".timeline").first).to_contain_text("Обсудили поставку")

    # Switching to Russian changes the interface and is remembered.
    page.click("#user-menu")
    page.click("button[data-language=ru]")
    expect(page.locator("#main-nav")).to_contain_text("Компании")
    manager.refresh_from_db()
    assert manager.language == "ru"
    page.goto("/contacts/")
    expect(page.locator("h1")).to_contain_text("Контакты")
