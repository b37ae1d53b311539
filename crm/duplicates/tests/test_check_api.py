"""The check in the API: `POST /duplicates/check`, and the likely duplicates in the
answer to creating a contact or a company."""

import pytest

from crm.core import duplicate_check
from crm.customers.models import Contact
from crm.customers.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_check_lists_the_likely_duplicates_with_reasons(api_client, manager):
    # given
    known = ContactFactory(
        curator=manager, last_name="Орлов", first_name="Иван", email="orlov@x.ru"
    )
    # when
    response = api_client(manager).post(
        "/duplicates/check",
        {
            "entity": "contacts",
            "values": {
                "last_name": "Orlov",
                "first_name": "Ivan",
                "email": "Orlov@x.ru",
            },
        },
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body] == [known.pk]
    item = body[0]
    assert item["name"] == "Орлов Иван"
    assert item["decision"] == "duplicate"
    assert item["url"] == known.get_absolute_url()
    assert "same_email" in item["reasons"]
    assert "same e-mail" in item["reason_labels"]
    assert 0.85 <= item["score"] <= 1
    # and nothing is saved or queued
    assert Contact.objects.count() == 1


def test_check_names_no_record_the_caller_may_not_see(
    api_client, manager, other_manager
):
    CompanyFactory(curator=other_manager, inn="7707083893")
    response = api_client(manager).post(
        "/duplicates/check",
        {"entity": "companies", "values": {"name": "Ромашка", "inn": "7707083893"}},
    )
    assert response.status_code == 200
    assert response.json() == []


def test_check_leaves_out_the_record_being_edited(api_client, manager):
    record = CompanyFactory(curator=manager, inn="7707083893")
    response = api_client(manager).post(
        "/duplicates/check",
        {
            "entity": "companies",
            "values": {"name": record.name, "inn": record.inn},
            "exclude_id": record.pk,
        },
    )
    assert response.json() == []


def test_check_refuses_an_unknown_entity(api_client, manager):
    response = api_client(manager).post(
        "/duplicates/check", {"entity": "deals", "values": {"name": "x"}}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "entity"]


def test_check_needs_a_signed_in_caller(client):
    response = client.post(
        "/api/v1/duplicates/check",
        {"entity": "contacts", "values": {}},
        content_type="application/json",
    )
    assert response.status_code == 401


def test_contact_create_answers_with_its_likely_duplicates(
    api_client, manager, other_manager
):
    # given a client of the manager's and one of a colleague's, both with the phone
    mine = ContactFactory(
        curator=manager, last_name="Волков", first_name="Пётр", phone="+79165550011"
    )
    ContactFactory(
        curator=other_manager,
        last_name="Волков",
        first_name="Пётр",
        phone="+79165550011",
    )
    # when the manager creates the same person again
    response = api_client(manager).post(
        "/contacts",
        {"last_name": "Волков", "first_name": "Петр", "phone": "8 916 555-00-11"},
    )
    # then it is created, and only his own client is named
    assert response.status_code == 201
    body = response.json()
    assert Contact.objects.filter(pk=body["id"]).exists()
    assert [item["id"] for item in body["likely_duplicates"]] == [mine.pk]
    assert body["likely_duplicates"][0]["decision"] == "duplicate"
    assert "same_phone" in body["likely_duplicates"][0]["reasons"]


def test_company_create_answers_with_its_likely_duplicates(api_client, manager):
    known = CompanyFactory(curator=manager, name="ООО «Вектор»", inn="7707083893")
    response = api_client(manager).post(
        "/companies", {"name": "Вектор", "inn": "7707083893"}
    )
    assert response.status_code == 201
    body = response.json()
    assert [item["id"] for item in body["likely_duplicates"]] == [known.pk]
    assert "same_inn" in body["likely_duplicates"][0]["reasons"]


def test_create_answers_an_empty_list_without_a_finder(
    api_client, manager, monkeypatch
):
    ContactFactory(curator=manager, email="same@x.ru")
    monkeypatch.setattr(duplicate_check, "_finders", [])
    response = api_client(manager).post(
        "/contacts", {"first_name": "Анна", "email": "same@x.ru"}
    )
    assert response.status_code == 201
    assert response.json()["likely_duplicates"] == []


def test_a_failing_finder_does_not_fail_the_create(api_client, manager, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("down")

    monkeypatch.setattr(duplicate_check, "_finders", [broken])
    response = api_client(manager).post("/contacts", {"first_name": "Анна"})
    assert response.status_code == 201
    assert response.json()["likely_duplicates"] == []


def test_openapi_documents_the_check_and_the_create_answers(client):
    schema = client.get("/api/v1/openapi.json").json()
    check = schema["paths"]["/api/v1/duplicates/check"]["post"]
    assert check["operationId"] == "likely_duplicates"
    components = schema["components"]["schemas"]
    item = components["LikelyDuplicateOut"]["properties"]
    assert {"id", "name", "score", "decision", "reasons"} <= set(item)
    for path, name in (
        ("/api/v1/contacts", "ContactCreatedOut"),
        ("/api/v1/companies", "CompanyCreatedOut"),
    ):
        answer = schema["paths"][path]["post"]["responses"]["201"]
        ref = answer["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith(f"/{name}")
        assert "likely_duplicates" in components[name]["properties"]
