from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.customers.models import Company, Contact
from crm.customers.tests.factories import CompanyFactory, SourceFactory, valid_inn
from crm.sales.models import AssignmentRule, Deal, Lead, LeadStatus
from crm.sales.tests.factories import LeadFactory
from crm.sales.tests.factories_leads import csv_text


def test_lead_list_shows_only_own_leads_and_filters(
    client, manager, other_manager, django_assert_max_num_queries
):
    # given
    for n in range(20):
        LeadFactory(owner=manager, company_name=f"Моя {n}")
    LeadFactory(owner=other_manager, company_name="Чужая")
    LeadFactory(owner=manager, company_name="Отказная", status="rejected")
    client.force_login(manager)
    # when
    with django_assert_max_num_queries(16):
        page = client.get(reverse("sales:lead-list"))
    rejected = client.get(reverse("sales:lead-list"), {"status": "rejected"})
    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert "Моя 1" in html
    assert "Чужая" not in html
    assert "Отказная" in rejected.content.decode()
    assert "Моя 1" not in rejected.content.decode()


def test_lead_created_through_the_form(client, manager):
    client.force_login(manager)
    source = SourceFactory()
    response = client.post(
        reverse("sales:lead-create"),
        {
            "title": "Насосы",
            "company_name": "Ромашка",
            "phone": "8 916 123-45-67",
            "source": source.pk,
        },
    )
    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response.url == lead.get_absolute_url()
    assert lead.owner == manager
    assert lead.source == source


def test_bad_input_on_the_form_is_shown_on_its_field(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("sales:lead-create"), {"title": "x", "email": "no", "inn": "123"}
    )
    html = response.content.decode()
    assert "Enter a valid e-mail address" in html
    assert "An INN has 10 digits" in html
    assert not Lead.objects.exists()


def test_card_reject_and_take_back(client, manager):
    lead = LeadFactory(owner=manager)
    client.force_login(manager)
    card = client.get(lead.get_absolute_url())
    assert card.status_code == 200
    assert reverse("sales:lead-convert", args=[lead.pk]) in card.content.decode()
    refused = client.post(
        reverse("sales:lead-status", args=[lead.pk]), {"status": "rejected"}
    )
    assert refused.status_code == 422
    assert "Say why the lead is rejected." in refused.content.decode()
    client.post(
        reverse("sales:lead-status", args=[lead.pk]),
        {"status": "rejected", "reason": "Спам"},
    )
    lead.refresh_from_db()
    assert lead.status == LeadStatus.REJECTED


def test_another_managers_lead_is_404(client, manager, other_manager):
    lead = LeadFactory(owner=other_manager)
    client.force_login(manager)
    assert client.get(lead.get_absolute_url()).status_code == 404
    assert client.get(reverse("sales:lead-convert", args=[lead.pk])).status_code == 404


def test_conversion_page_warns_of_a_similar_company_and_links_to_it(client, manager):
    # given
    existing = CompanyFactory(curator=manager, name="Ромашка", inn=valid_inn(3))
    lead = LeadFactory(
        owner=manager, company_name="ООО Ромашка", inn=valid_inn(3), first_name="Пётр"
    )
    client.force_login(manager)
    # when
    page = client.get(reverse("sales:lead-convert", args=[lead.pk]))
    converted = client.post(
        reverse("sales:lead-convert", args=[lead.pk]),
        {
            "company_choice": str(existing.pk),
            "contact_choice": "new",
            "create_deal": "on",
            "deal_title": "Насосы",
            "deal_amount": "1 000,50",
            "deal_currency": "RUB",
            "version": lead.version,
        },
    )
    # then
    html = page.content.decode()
    assert "link to this one instead" in html
    assert "the same INN" in html
    assert converted.status_code == 302, converted.content.decode()[:3000]
    deal = Deal.objects.get()
    assert converted.url == deal.get_absolute_url()
    assert deal.company == existing
    assert Company.objects.count() == 1
    contact = Contact.objects.get()
    assert list(contact.companies.all()) == [existing]
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED


def test_conversion_page_shows_a_nested_error_with_its_part(client, manager):
    lead = LeadFactory(owner=manager, company_name="Ромашка", inn="1234567890")
    client.force_login(manager)
    response = client.post(
        reverse("sales:lead-convert", args=[lead.pk]),
        {"company_choice": "new", "contact_choice": "none", "deal_currency": "RUB"},
    )
    assert "Company, INN:" in response.content.decode()
    assert not Company.objects.exists()


def test_import_page_previews_then_imports(client, manager):
    client.force_login(manager)
    upload = SimpleUploadedFile(
        "leads.csv", csv_text(["Насосы", "Ромашка"] + [""] * 7), "text/csv"
    )
    preview = client.post(reverse("sales:lead-import"), {"file": upload})
    html = preview.content.decode()
    assert "The file is correct: 1 lead to import" in html
    assert not Lead.objects.exists()
    content = csv_text(["Насосы", "Ромашка"] + [""] * 7).decode()
    done = client.post(
        reverse("sales:lead-import"), {"content": content, "confirm": "1"}
    )
    assert done.status_code == 302
    assert Lead.objects.get().company_name == "Ромашка"


def test_import_page_lists_bad_rows_by_number(client, manager):
    client.force_login(manager)
    upload = SimpleUploadedFile(
        "leads.csv",
        csv_text(
            ["Насосы"] + [""] * 8, ["Трубы", "", "", "", "", "bad-mail"] + [""] * 3
        ),
        "text/csv",
    )
    html = client.post(reverse("sales:lead-import"), {"file": upload}).content.decode()
    assert "Nothing was imported" in html
    assert '<tr class="import-error"><td>3</td><td>e-mail</td>' in html
    assert not Lead.objects.exists()


def test_assignment_rules_page_is_for_administrators(client, admin_user, manager, team):
    client.force_login(manager)
    assert client.get(reverse("sales:assignment-rule-list")).status_code == 403
    client.force_login(admin_user)
    created = client.post(
        reverse("sales:assignment-rule-create"),
        {
            "name": "Отдел по очереди",
            "kind": "round_robin",
            "team": team.pk,
            "is_active": "on",
        },
    )
    assert created.status_code == 302
    rule = AssignmentRule.objects.get()
    assert rule.team == team
    page = client.get(reverse("sales:assignment-rule-list")).content.decode()
    assert "Отдел по очереди" in page
    refused = client.post(
        reverse("sales:assignment-rule-update", args=[rule.pk]),
        {"name": "По региону", "kind": "region", "is_active": "on"},
    )
    assert "Enter the region whose leads this person gets." in refused.content.decode()


def test_global_search_finds_own_leads(client, manager, other_manager):
    LeadFactory(owner=manager, company_name="Ромашка-Плюс")
    LeadFactory(owner=other_manager, company_name="Ромашка-Минус")
    client.force_login(manager)
    html = client.get(reverse("core:search"), {"q": "ромашка"}).content.decode()
    assert "Ромашка-Плюс" in html
    assert "Ромашка-Минус" not in html


def test_lead_card_costs_a_fixed_number_of_queries(
    client, manager, django_assert_max_num_queries
):
    lead = LeadFactory(owner=manager, source=SourceFactory())
    client.force_login(manager)
    with django_assert_max_num_queries(14):
        response = client.get(lead.get_absolute_url())
    assert response.status_code == 200
    assert lead.title in response.content.decode()
