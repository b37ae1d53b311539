import re

import pytest
from django.urls import reverse

from crm.core.models import AuditEntry, CustomField
from crm.customers.models import Company, Contact, Employment
from crm.customers.tests.factories import (
    CompanyFactory,
    ContactFactory,
    ContactPointFactory,
    EmploymentFactory,
    IndustryFactory,
    TagFactory,
    valid_inn,
)


def _field_errors(html: str, field_id: str) -> str:
    """The text of the invalid-feedback blocks that follow a field's input."""
    start = html.index(f'id="{field_id}"')
    block = html[start : start + 2000]
    block = block[: block.find("</div>\n</div>") if "</div>\n</div>" in block else None]
    return " ".join(re.findall(r'invalid-feedback d-block">([^<]*)<', block))


def _company_post(**changes):
    data = {
        "name": "ООО «Ромашка»",
        "relation": "client",
        "inn": "",
        "version": "",
        "phones-TOTAL_FORMS": "2",
        "phones-INITIAL_FORMS": "0",
        "emails-TOTAL_FORMS": "2",
        "emails-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


# --- the visibility proof, through pages ------------------------------------------------


def test_sales_manager_sees_only_own_clients_in_the_lists(
    client, manager, other_manager
):
    # given
    CompanyFactory(curator=manager, name="Моя Ромашка")
    CompanyFactory(curator=other_manager, name="Чужая Ромашка")
    ContactFactory(curator=manager, last_name="Мой")
    ContactFactory(curator=other_manager, last_name="Чужой")
    client.force_login(manager)
    # when
    companies = client.get(reverse("customers:company-list")).content.decode()
    contacts = client.get(reverse("customers:contact-list")).content.decode()
    # then
    assert "Моя Ромашка" in companies
    assert "Чужая Ромашка" not in companies
    assert "Мой" in contacts
    assert "Чужой" not in contacts


def test_sales_manager_cannot_open_change_or_delete_another_managers_client(
    client, manager, other_manager
):
    # given
    company = CompanyFactory(curator=other_manager, name="Чужая")
    contact = ContactFactory(curator=other_manager)
    client.force_login(manager)
    # when / then
    for name, pk in (("company", company.pk), ("contact", contact.pk)):
        for action in ("detail", "update", "delete"):
            url = reverse(f"customers:{name}-{action}", args=[pk])
            assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("customers:company-update", args=[company.pk]),
            _company_post(name="Моя", curator=manager.pk),
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("customers:company-delete", args=[company.pk])).status_code
        == 404
    )
    company.refresh_from_db()
    assert company.name == "Чужая"
    assert company.deleted_at is None


def test_global_search_finds_own_clients_by_name_email_phone_and_inn_only(
    client, manager, other_manager
):
    # given
    mine = CompanyFactory(
        curator=manager,
        name="Ромашка",
        email="info@romashka.ru",
        phone="+79161234567",
        inn=valid_inn(11),
    )
    CompanyFactory(curator=other_manager, name="Ромашка-Чужая", inn=valid_inn(12))
    person = ContactFactory(
        curator=manager, last_name="Петров", email="ivan.petrov@mail.ru"
    )
    ContactPointFactory(contact=person, value="+74951112233")
    person.search_text = person.build_search_text(phones=["+74951112233"])
    person.save()
    client.force_login(manager)

    def found(query):
        return client.get(reverse("core:search"), {"q": query}).content.decode()

    # then
    assert "Ромашка" in found("ромаш")
    assert "Ромашка-Чужая" not in found("ромаш")
    assert mine.get_absolute_url() in found("info@romashka")
    assert mine.get_absolute_url() in found("+7 916 123")
    assert mine.get_absolute_url() in found(mine.inn)
    assert "Ромашка-Чужая" not in found(valid_inn(12))
    assert person.get_absolute_url() in found("ivan.petrov")
    assert person.get_absolute_url() in found("495 111 22")


def test_head_of_department_sees_the_teams_clients(client, make_user, team, manager):
    head = make_user(role="head", team=team)
    CompanyFactory(curator=manager, name="Командная")
    CompanyFactory(curator=make_user(role="sales"), name="Другой отдел")
    client.force_login(head)
    page = client.get(reverse("customers:company-list")).content.decode()
    assert "Командная" in page
    assert "Другой отдел" not in page


def test_pages_need_signing_in(client, db):
    response = client.get(reverse("customers:company-list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# --- lists --------------------------------------------------------------------------


def test_company_list_filters_by_tags_custom_fields_and_search(client, manager):
    # given
    CustomField.objects.create(
        entity="company",
        key="tier",
        label_en="Tier",
        label_ru="Уровень",
        kind="choice",
        choices=["gold", "silver"],
    )
    vip = TagFactory(name="vip")
    CompanyFactory(curator=manager, name="Альфа", tags=[vip])
    CompanyFactory(curator=manager, name="Бета", custom_fields={"tier": "gold"})
    CompanyFactory(curator=manager, name="Гамма")
    client.force_login(manager)
    url = reverse("customers:company-list")

    def names(**params):
        html = client.get(url, params).content.decode()
        return {n for n in ("Альфа", "Бета", "Гамма") if f">{n}</a>" in html}

    # then
    assert names() == {"Альфа", "Бета", "Гамма"}
    assert names(tags=vip.pk) == {"Альфа"}
    assert names(cf_tier="gold") == {"Бета"}
    assert names(q="гам") == {"Гамма"}
    html = client.get(url, {"cols": ["name", "cf_tier", "tags"]}).content.decode()
    assert ">Tier<" in html
    assert ">gold<" in html


def test_an_htmx_request_gets_only_the_results(client, manager):
    CompanyFactory(curator=manager, name="Альфа")
    client.force_login(manager)
    response = client.get(reverse("customers:company-list"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Альфа" in html
    assert "<html" not in html


def test_company_list_query_count_does_not_grow_with_rows(
    client, manager, django_assert_max_num_queries
):
    # given
    client.force_login(manager)
    url = reverse("customers:company-list")
    cols = {"cols": ["name", "industry", "category", "curator", "tags", "phone"]}
    CompanyFactory(curator=manager, tags=[TagFactory()], industry=IndustryFactory())
    client.get(url, cols)  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one_row:
        client.get(url, cols)
    for _n in range(24):
        CompanyFactory(curator=manager, tags=[TagFactory()], industry=IndustryFactory())
    # when / then
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = client.get(url, cols)
    assert response.status_code == 200
    with django_assert_max_num_queries(25):
        client.get(url, cols)


def test_contact_list_query_count_does_not_grow_with_rows(
    client, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    url = reverse("customers:contact-list")
    EmploymentFactory(
        contact=ContactFactory(curator=manager, tags=[TagFactory()]),
        company=CompanyFactory(curator=manager),
    )
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one_row:
        client.get(url)
    for _n in range(24):
        EmploymentFactory(
            contact=ContactFactory(curator=manager, tags=[TagFactory()]),
            company=CompanyFactory(curator=manager),
        )
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('href="/contacts/') >= 25
    with django_assert_max_num_queries(25):
        client.get(url)


# --- cards --------------------------------------------------------------------------


def test_company_card_shows_details_contacts_branches_and_leaves_out_hidden_ones(
    client, manager, other_manager
):
    # given
    parent = CompanyFactory(curator=manager, name="Холдинг")
    company = CompanyFactory(
        curator=manager,
        name="Ромашка",
        parent=parent,
        kpp="770101001",
        tags=[TagFactory(name="vip")],
    )
    CompanyFactory(curator=manager, name="Филиал Ромашки", parent=company)
    CompanyFactory(curator=other_manager, name="Чужой филиал", parent=company)
    ContactPointFactory(company=company, value="+74950001122", label="склад")
    EmploymentFactory(
        company=company,
        contact=ContactFactory(curator=manager, last_name="Петров"),
        job_title="Директор",
    )
    EmploymentFactory(
        company=company,
        contact=ContactFactory(curator=other_manager, last_name="Тайный"),
    )
    client.force_login(manager)
    # when
    html = client.get(company.get_absolute_url()).content.decode()
    # then
    for text in (
        "Ромашка",
        "770101001",
        "Холдинг",
        "Филиал Ромашки",
        "Петров",
        "Директор",
        "склад",
        "+7 495 000-11-22",
        "vip",
    ):
        assert text in html, text
    assert "Тайный" not in html
    assert "Чужой филиал" not in html
    assert reverse("customers:company-update", args=[company.pk]) in html


def test_contact_card_shows_places_of_work_in_visible_companies(
    client, manager, other_manager
):
    contact = ContactFactory(curator=manager, last_name="Петров")
    EmploymentFactory(
        contact=contact,
        company=CompanyFactory(curator=manager, name="Видимая"),
        job_title="Инженер",
    )
    EmploymentFactory(
        contact=contact,
        company=CompanyFactory(curator=other_manager, name="Скрытая"),
        is_primary=False,
    )
    client.force_login(manager)
    html = client.get(contact.get_absolute_url()).content.decode()
    assert "Видимая" in html
    assert "Инженер" in html
    assert "Скрытая" not in html


def test_company_card_query_count_does_not_grow_with_linked_rows(
    client, manager, django_assert_max_num_queries
):
    # given
    client.force_login(manager)
    company = CompanyFactory(curator=manager)
    client.get(company.get_absolute_url())
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as empty_card:
        client.get(company.get_absolute_url())
    for n in range(15):
        EmploymentFactory(company=company, contact=ContactFactory(curator=manager))
        CompanyFactory(curator=manager, parent=company)
        ContactPointFactory(company=company, value=f"+7495000{n:04d}")
        company.tags.add(TagFactory())
    # when / then
    with django_assert_max_num_queries(len(empty_card.captured_queries)):
        response = client.get(company.get_absolute_url())
    assert response.status_code == 200
    with django_assert_max_num_queries(30):
        client.get(company.get_absolute_url())


def test_contact_card_query_count_has_a_ceiling(
    client, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    contact = ContactFactory(curator=manager, tags=[TagFactory(), TagFactory()])
    for _n in range(10):
        EmploymentFactory(contact=contact, company=CompanyFactory(curator=manager))
    client.get(contact.get_absolute_url())
    with django_assert_max_num_queries(30):
        response = client.get(contact.get_absolute_url())
    assert response.status_code == 200


# --- forms --------------------------------------------------------------------------


def test_company_create_page_saves_and_goes_to_the_card(client, manager):
    # given
    client.force_login(manager)
    tag = TagFactory(name="vip")
    # when
    response = client.post(
        reverse("customers:company-create"),
        _company_post(
            curator=manager.pk,
            inn=valid_inn(21),
            phone="8 916 123 45 67",
            tags=[tag.pk],
            **{"phones-0-label": "склад", "phones-0-value": "+7 495 123 45 67"},
        ),
    )
    # then
    company = Company.objects.get()
    assert response.status_code == 302
    assert response["Location"] == company.get_absolute_url()
    assert company.curator == manager
    assert company.phone == "+79161234567"
    assert list(company.tags.all()) == [tag]
    assert company.contact_points.get().value == "+74951234567"


def test_bad_input_shows_each_message_on_its_field_in_the_users_language(
    client, manager
):
    # given: a Russian-speaking user
    manager.language = "ru"
    manager.save()
    client.force_login(manager)
    # when
    response = client.post(
        reverse("customers:company-create"),
        _company_post(
            curator=manager.pk,
            inn="12345",
            email="ivan@",
            phone="12",
            **{"phones-1-value": "abc"},
        ),
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "ИНН состоит из 10 цифр" in _field_errors(html, "id_inn")
    assert _field_errors(html, "id_email")
    assert _field_errors(html, "id_phone")
    assert _field_errors(html, "id_phones-1-value")
    assert re.search(r'<input[^>]*name="inn"[^>]*is-invalid', html)
    assert 'value="ООО «Ромашка»"' in html  # what they typed is kept
    assert not Company.all_objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_second_concurrent_save_is_refused_with_a_message(client, manager):
    # given: two tabs opened version 1
    company = CompanyFactory(curator=manager, name="Альфа")
    client.force_login(manager)
    url = reverse("customers:company-update", args=[company.pk])
    first = client.post(
        url, _company_post(curator=manager.pk, name="Первый", version="1")
    )
    assert first.status_code == 302
    # when
    second = client.post(
        url, _company_post(curator=manager.pk, name="Второй", version="1")
    )
    # then
    html = second.content.decode()
    assert second.status_code == 200
    assert "Someone else saved this record" in html
    assert 'value="Второй"' in html
    company.refresh_from_db()
    assert company.name == "Первый"
    entry = AuditEntry.objects.get(action="update", object_id=company.pk)
    assert entry.changes["name"] == {"old": "Альфа", "new": "Первый"}


def test_company_edit_page_shows_custom_fields_and_saves_them(client, manager):
    CustomField.objects.create(
        entity="company",
        key="employees",
        label_en="Employees",
        label_ru="Сотрудников",
        kind="number",
    )
    company = CompanyFactory(curator=manager, custom_fields={"employees": "12"})
    client.force_login(manager)
    url = reverse("customers:company-update", args=[company.pk])
    html = client.get(url).content.decode()
    assert 'name="cf_employees"' in html
    response = client.post(
        url,
        _company_post(
            curator=manager.pk, version=str(company.version), cf_employees="abc"
        ),
    )
    assert _field_errors(response.content.decode(), "id_cf_employees")
    response = client.post(
        url,
        _company_post(
            curator=manager.pk, version=str(company.version), cf_employees="40"
        ),
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.custom_fields == {"employees": "40"}


def _contact_post(**changes):
    data = {
        "first_name": "Иван",
        "last_name": "Петров",
        "version": "",
        "phones-TOTAL_FORMS": "2",
        "phones-INITIAL_FORMS": "0",
        "emails-TOTAL_FORMS": "2",
        "emails-INITIAL_FORMS": "0",
        "companies-TOTAL_FORMS": "2",
        "companies-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_contact_create_page_links_the_person_to_companies(client, manager):
    first, second = CompanyFactory(curator=manager), CompanyFactory(curator=manager)
    client.force_login(manager)
    response = client.post(
        reverse("customers:contact-create"),
        _contact_post(
            curator=manager.pk,
            **{
                "companies-0-company": str(first.pk),
                "companies-0-job_title": "Бухгалтер",
                "companies-1-company": str(second.pk),
                "companies-1-is_primary": "on",
                "emails-0-value": "ivan@example.com",
            },
        ),
    )
    contact = Contact.objects.get()
    assert response.status_code == 302
    jobs = {e.company_id: e for e in Employment.objects.filter(contact=contact)}
    assert jobs[first.pk].job_title == "Бухгалтер"
    assert jobs[second.pk].is_primary
    assert contact.contact_points.get().value == "ivan@example.com"


def test_contact_form_shows_a_row_error_on_its_row(client, manager, other_manager):
    hidden = CompanyFactory(curator=other_manager)
    client.force_login(manager)
    response = client.post(
        reverse("customers:contact-create"),
        _contact_post(curator=manager.pk, **{"companies-1-company": str(hidden.pk)}),
    )
    assert response.status_code == 200
    assert _field_errors(response.content.decode(), "id_companies-1-company")
    assert not Contact.all_objects.exists()


def test_new_contact_from_a_company_card_is_linked_to_it(client, manager):
    company = CompanyFactory(curator=manager, name="Ромашка")
    client.force_login(manager)
    html = client.get(
        reverse("customers:contact-create"), {"company": company.pk}
    ).content.decode()
    assert f'<option value="{company.pk}" selected>Ромашка</option>' in html


def test_company_lookup_offers_visible_companies_only(client, manager, other_manager):
    CompanyFactory(curator=manager, name="Ромашка")
    CompanyFactory(curator=other_manager, name="Ромашка чужая")
    client.force_login(manager)
    html = client.get(
        reverse("customers:company-lookup"), {"lookup": "ромаш", "field": "parent"}
    ).content.decode()
    assert "Ромашка" in html
    assert "чужая" not in html


def test_delete_asks_first_then_moves_to_the_trash(client, manager):
    company = CompanyFactory(curator=manager, name="Альфа")
    client.force_login(manager)
    url = reverse("customers:company-delete", args=[company.pk])
    assert "Move “Альфа” to the trash?" in client.get(url).content.decode()
    assert Company.objects.filter(pk=company.pk).exists()
    response = client.post(url)
    assert response.status_code == 302
    assert not Company.objects.filter(pk=company.pk).exists()
    assert Company.all_objects.get(pk=company.pk).deleted_at is not None


def test_read_only_user_may_open_but_not_edit(client, make_user, manager):
    reader = make_user(role="readonly")
    company = CompanyFactory(curator=manager)
    client.force_login(reader)
    html = client.get(company.get_absolute_url()).content.decode()
    assert reverse("customers:company-update", args=[company.pk]) not in html
    assert (
        client.get(reverse("customers:company-update", args=[company.pk])).status_code
        == 403
    )
    assert client.get(reverse("customers:company-create")).status_code == 403


# --- settings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        "legal-forms",
        "industries",
        "categories",
        "sources",
        "sales-channels",
        "positions",
    ],
)
def test_administrator_adds_and_retires_reference_items(client, admin_user, kind):
    client.force_login(admin_user)
    url = reverse("customers:reference-list", args=[kind])
    response = client.post(
        url, {"name_ru": "Розница", "name_en": "Retail", "position": "1"}
    )
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "Розница" in html
    assert "Retail" in html
    from crm.customers.models import REFERENCE_MODELS

    item = REFERENCE_MODELS[kind].objects.get()
    client.post(
        reverse("customers:reference-update", args=[kind, item.pk]), {"deactivate": "1"}
    )
    item.refresh_from_db()
    assert not item.is_active


def test_reference_item_without_a_name_is_refused_on_the_field(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("customers:reference-list", args=["industries"]), {"position": "1"}
    )
    assert response.status_code == 200
    assert _field_errors(response.content.decode(), "id_name_en")


def test_settings_pages_are_for_administrators(client, manager):
    client.force_login(manager)
    assert client.get(reverse("customers:tag-list")).status_code == 403
    assert (
        client.get(reverse("customers:reference-list", args=["industries"])).status_code
        == 403
    )
    assert client.get("/settings/lists/nonsense/").status_code == 404


def test_administrator_manages_tags(client, admin_user):
    client.force_login(admin_user)
    url = reverse("customers:tag-list")
    assert client.post(url, {"name": "VIP", "color": "#ff0000"}).status_code == 302
    response = client.post(url, {"name": "vip", "color": "#ff0000"})
    assert _field_errors(response.content.decode(), "id_name")
    from crm.customers.models import Tag

    tag = Tag.objects.get()
    client.post(
        reverse("customers:tag-update", args=[tag.pk]),
        {"name": "Ключевые", "color": "#00ff00"},
    )
    tag.refresh_from_db()
    assert tag.name == "Ключевые"
    client.post(reverse("customers:tag-delete", args=[tag.pk]))
    assert not Tag.objects.exists()


def test_navigation_links_to_the_lists(client, manager):
    client.force_login(manager)
    html = client.get(reverse("customers:contact-list")).content.decode()
    assert f'href="{reverse("customers:company-list")}"' in html
    assert f'href="{reverse("customers:contact-list")}"' in html


def test_saving_a_company_keeps_a_parent_hidden_from_the_editor(
    client, manager, other_manager
):
    # given: the parent belongs to someone the manager cannot see
    hidden_parent = CompanyFactory(curator=other_manager, name="Секретный холдинг")
    company = CompanyFactory(curator=manager, parent=hidden_parent)
    client.force_login(manager)
    url = reverse("customers:company-update", args=[company.pk])
    # when
    html = client.get(url).content.decode()
    response = client.post(
        url,
        _company_post(
            curator=manager.pk,
            version=str(company.version),
            parent=str(hidden_parent.pk),
        ),
    )
    # then
    assert "Секретный холдинг" not in html
    assert f'<option value="{hidden_parent.pk}" selected>' in html
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.parent_id == hidden_parent.pk


def test_ids_above_a_thousand_are_printed_without_grouping(client, manager):
    # Grouping digits in templates once turned /companies/1121/ into /companies/1,121/.
    CompanyFactory(curator=manager, name="Тысячная", id=12345)
    client.force_login(manager)

    page = client.get(reverse("customers:company-list")).content.decode()

    assert 'href="/companies/12345/"' in page
    assert "12,345" not in page
    assert "12 345" not in page
