import pytest

from crm.core.models import AuditEntry, CustomField
from crm.customers.models import Company, Contact
from crm.customers.tests.factories import (
    CompanyFactory,
    ContactFactory,
    EmploymentFactory,
    IndustryFactory,
    TagFactory,
    valid_inn,
)


def test_without_a_token_the_api_answers_401(db, client):
    assert client.get("/api/v1/companies").status_code == 401


def test_company_create_read_update_delete(api_client, manager):
    # given
    api = api_client(manager)
    industry = IndustryFactory()
    tag = TagFactory(name="vip")
    # when
    created = api.post(
        "companies",
        {
            "name": "ООО «Ромашка»",
            "inn": valid_inn(3),
            "phone": "+7 916 123 45 67",
            "industry_id": industry.pk,
            "tag_ids": [tag.pk],
            "phones": [{"label": "склад", "value": "8 495 123 45 67"}],
            "emails": [{"label": "бухгалтерия", "value": "buh@romashka.ru"}],
        },
    )
    # then
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "ООО «Ромашка»"
    assert body["phone"] == "+79161234567"
    assert body["curator_id"] == manager.pk
    assert body["tags"] == [{"id": tag.pk, "name": "vip", "color": "#6c757d"}]
    assert body["phones"] == [{"label": "склад", "value": "+74951234567"}]
    assert body["emails"] == [{"label": "бухгалтерия", "value": "buh@romashka.ru"}]
    assert body["version"] == 1
    company_id = body["id"]

    read = api.get(f"companies/{company_id}")
    assert read.status_code == 200
    assert read.json()["industry_id"] == industry.pk

    patched = api.patch(f"companies/{company_id}", {"region": "Москва", "version": 1})
    assert patched.status_code == 200, patched.content
    assert patched.json()["region"] == "Москва"
    assert patched.json()["version"] == 2
    assert patched.json()["tags"][0]["name"] == "vip"  # left out: unchanged

    put = api.put(f"companies/{company_id}", {"name": "Ромашка", "version": 2})
    assert put.status_code == 200, put.content
    assert put.json()["region"] == ""
    assert put.json()["tags"] == []

    deleted = api.delete(f"companies/{company_id}")
    assert deleted.status_code == 204
    assert api.get(f"companies/{company_id}").status_code == 404
    assert Company.all_objects.get(pk=company_id).deleted_at is not None


def test_bad_input_is_422_naming_each_field_and_nothing_is_saved(api_client, manager):
    api = api_client(manager)
    response = api.post(
        "companies",
        {
            "name": "Альфа",
            "inn": "1234567890",
            "email": "no-at-sign",
            "phone": "12345",
            "emails": [{"value": "x@"}],
        },
    )
    assert response.status_code == 422
    fields = {".".join(e["loc"][1:]) for e in response.json()["detail"]}
    assert fields == {"inn", "email", "phone", "emails.0.value"}
    assert not Company.all_objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_missing_required_field_is_422_naming_it(api_client, manager):
    response = api_client(manager).post("contacts", {"last_name": "Петров"})
    assert response.status_code == 422
    assert any("first_name" in e["loc"] for e in response.json()["detail"])


def test_messages_come_in_the_requested_language(api_client, manager):
    api = api_client(manager)
    api.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    response = api.post("companies", {"name": "Альфа", "inn": "12"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "inn"],
            "msg": "ИНН состоит из 10 цифр (организация) или 12 цифр (физическое лицо).",
        }
    ]


def test_a_stale_version_is_409_and_the_first_save_stays(api_client, manager):
    # given: two clients loaded version 1
    api = api_client(manager)
    company_id = api.post("companies", {"name": "Альфа"}).json()["id"]
    assert (
        api.patch(
            f"companies/{company_id}", {"name": "Первый", "version": 1}
        ).status_code
        == 200
    )
    # when
    response = api.patch(f"companies/{company_id}", {"name": "Второй", "version": 1})
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Company.objects.get(pk=company_id).name == "Первый"


def test_sales_manager_cannot_list_read_change_or_delete_another_managers_client(
    api_client, manager, other_manager
):
    # given
    theirs = CompanyFactory(curator=other_manager, name="Чужая Ромашка")
    their_contact = ContactFactory(curator=other_manager, first_name="Чужой")
    mine = CompanyFactory(curator=manager, name="Моя Ромашка")
    api = api_client(manager)
    # when / then
    listed = api.get("companies").json()
    assert [c["id"] for c in listed["items"]] == [mine.pk]
    assert listed["count"] == 1
    assert api.get("companies", {"q": "Ромашка"}).json()["count"] == 1
    assert api.get(f"companies/{theirs.pk}").status_code == 404
    assert api.patch(f"companies/{theirs.pk}", {"name": "x"}).status_code == 404
    assert api.delete(f"companies/{theirs.pk}").status_code == 404
    assert api.get(f"contacts/{their_contact.pk}").status_code == 404
    assert api.get("contacts").json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.name == "Чужая Ромашка"
    assert theirs.deleted_at is None


def test_a_visible_record_the_actor_may_not_change_is_403(
    api_client, make_user, manager
):
    reader = make_user(role="readonly")
    company = CompanyFactory(curator=manager)
    api = api_client(reader)
    assert api.get(f"companies/{company.pk}").status_code == 200
    assert api.patch(f"companies/{company.pk}", {"name": "x"}).status_code == 403
    assert api.post("companies", {"name": "x"}).status_code == 403


def test_head_of_department_sees_the_teams_clients(
    api_client, make_user, team, manager
):
    head = make_user(role="head", team=team)
    outsider = make_user(role="sales")
    ours = CompanyFactory(curator=manager)
    CompanyFactory(curator=outsider)
    listed = api_client(head).get("companies").json()
    assert [c["id"] for c in listed["items"]] == [ours.pk]


def test_company_list_filters_search_and_orders(api_client, manager):
    # given
    industry = IndustryFactory()
    vip = TagFactory(name="vip")
    a = CompanyFactory(curator=manager, name="Альфа", industry=industry, tags=[vip])
    b = CompanyFactory(curator=manager, name="Бета", email="info@beta.ru")
    CompanyFactory(curator=manager, name="Гамма")
    api = api_client(manager)

    def ids(**params):
        response = api.get("companies", params)
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["items"]]

    # then
    assert ids(industry_id=industry.pk) == [a.pk]
    assert ids(tags=[vip.pk]) == [a.pk]
    assert ids(has_email="true") == [b.pk]
    assert ids(q="бет") == [b.pk]
    assert ids(q=a.inn) == [a.pk]
    assert ids(ordering="-name")[0] != a.pk
    assert ids(page_size=1, page=2) == [b.pk]
    bad = api.get("companies", {"ordering": "password"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "ordering"]


def test_company_list_filters_by_a_custom_field(api_client, manager, admin_user):
    CustomField.objects.create(
        entity="company",
        key="tier",
        label_en="Tier",
        label_ru="Уровень",
        kind="choice",
        choices=["gold", "silver"],
    )
    gold = CompanyFactory(curator=manager, custom_fields={"tier": "gold"})
    CompanyFactory(curator=manager, custom_fields={"tier": "silver"})
    api = api_client(manager)
    body = api.get("companies", {"cf_tier": "gold"}).json()
    assert [c["id"] for c in body["items"]] == [gold.pk]
    assert body["items"][0]["custom_fields"] == {"tier": "gold"}
    assert api.get("companies", {"cf_nope": "x"}).status_code == 422


def test_company_list_query_count_does_not_grow_with_rows(
    api_client, manager, django_assert_max_num_queries
):
    # given
    api = api_client(manager)
    tag = TagFactory()
    for n in range(30):
        company = CompanyFactory(
            curator=manager, tags=[tag], industry=IndustryFactory()
        )
        if n % 2:
            from crm.customers.tests.factories import ContactPointFactory

            ContactPointFactory(company=company)
    # when / then
    with django_assert_max_num_queries(8):
        response = api.get("companies", {"page_size": 50})
    assert response.json()["count"] == 30


def test_contact_carries_its_companies_and_further_points(api_client, manager):
    # given
    api = api_client(manager)
    company = CompanyFactory(curator=manager)
    # when
    response = api.post(
        "contacts",
        {
            "first_name": "Иван",
            "last_name": "Петров",
            "birth_date": "1980-05-17",
            "companies": [{"company_id": company.pk, "job_title": "Директор"}],
            "phones": [{"label": "мобильный", "value": "+7 916 000 11 22"}],
        },
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["companies"] == [
        {
            "company_id": company.pk,
            "company_name": company.name,
            "position_id": None,
            "position": None,
            "job_title": "Директор",
            "role": "",
            "is_primary": True,
        }
    ]
    assert body["phones"] == [{"label": "мобильный", "value": "+79160001122"}]
    assert body["full_name"] == "Петров Иван"
    listed = api.get("contacts", {"company_id": company.pk}).json()
    assert [c["id"] for c in listed["items"]] == [body["id"]]


def test_contact_hides_places_of_work_in_companies_the_caller_cannot_see(
    api_client, manager, other_manager
):
    contact = ContactFactory(curator=manager)
    EmploymentFactory(contact=contact, company=CompanyFactory(curator=other_manager))
    body = api_client(manager).get(f"contacts/{contact.pk}").json()
    assert body["companies"] == []


def test_contact_update_409_on_stale_version(api_client, manager):
    api = api_client(manager)
    contact_id = api.post("contacts", {"first_name": "Иван"}).json()["id"]
    assert (
        api.patch(
            f"contacts/{contact_id}", {"last_name": "А", "version": 1}
        ).status_code
        == 200
    )
    assert (
        api.patch(
            f"contacts/{contact_id}", {"last_name": "Б", "version": 1}
        ).status_code
        == 409
    )
    assert Contact.objects.get(pk=contact_id).last_name == "А"


def test_contact_list_query_count_does_not_grow_with_rows(
    api_client, manager, django_assert_max_num_queries
):
    api = api_client(manager)
    for _n in range(20):
        EmploymentFactory(
            contact=ContactFactory(curator=manager, tags=[TagFactory()]),
            company=CompanyFactory(curator=manager),
        )
    with django_assert_max_num_queries(8):
        response = api.get("contacts", {"page_size": 50})
    assert response.json()["count"] == 20


def test_tags_api(api_client, manager, admin_user):
    api = api_client(manager)
    created = api.post("tags", {"name": "Ключевой", "color": "#112233"})
    assert created.status_code == 201
    tag_id = created.json()["id"]
    assert api.post("tags", {"name": "ключевой"}).status_code == 422
    assert api.get("tags", {"q": "клю"}).json()["count"] == 1
    assert api.patch(f"tags/{tag_id}", {"name": "VIP"}).status_code == 403
    admin = api_client(admin_user)
    assert admin.patch(f"tags/{tag_id}", {"name": "VIP"}).json()["name"] == "VIP"
    assert admin.delete(f"tags/{tag_id}").status_code == 204
    assert admin.get(f"tags/{tag_id}").status_code == 404


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/companies", {"get", "post"}),
        ("/api/v1/companies/{company_id}", {"get", "patch", "put", "delete"}),
        ("/api/v1/contacts", {"get", "post"}),
        ("/api/v1/contacts/{contact_id}", {"get", "patch", "put", "delete"}),
        ("/api/v1/tags", {"get", "post"}),
        ("/api/v1/tags/{tag_id}", {"get", "patch", "put", "delete"}),
    ],
)
def test_openapi_lists_the_paths(client, db, path, methods):
    schema = client.get("/api/v1/openapi.json").json()
    assert methods <= set(schema["paths"][path])


def test_openapi_operation_ids_are_the_service_and_selector_names(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    ids = {
        op["operationId"]
        for path, ops in schema["paths"].items()
        if path.startswith(("/api/v1/companies", "/api/v1/contacts"))
        for op in ops.values()
    }
    assert {
        "company_list",
        "company_create",
        "company_get",
        "company_update",
        "company_delete",
        "contact_list",
        "contact_create",
        "contact_get",
        "contact_update",
        "contact_delete",
    } <= ids
