"""The duplicates API: list, dismiss, merge, undo, scan; visibility and errors."""

import json

import pytest

from crm.customers.models import Contact
from crm.customers.tests.factories import ContactFactory
from crm.duplicates.models import DuplicatePair, Merge, PairStatus
from crm.duplicates.tests.factories import DuplicatePairFactory

pytestmark = pytest.mark.django_db


def _pair(a, b, **fields):
    a, b = sorted((a.pk, b.pk))
    return DuplicatePairFactory(a_id=a, b_id=b, **fields)


def test_pair_list_returns_pairs_with_both_records(api_client, manager):
    a = ContactFactory(curator=manager, last_name="Иванов", first_name="Сергей")
    b = ContactFactory(curator=manager, last_name="Ivanov", first_name="Sergey")
    pair = _pair(a, b, reasons=["name_transliterated", "same_email"])
    response = api_client(manager).get("/duplicates", {"entity": "contacts"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == pair.pk
    assert item["reasons"] == ["name_transliterated", "same_email"]
    assert item["reason_labels"][0] == "transliteration of the same name"
    assert {item["a"]["name"], item["b"]["name"]} == {"Иванов Сергей", "Ivanov Sergey"}


def test_pair_list_hides_pairs_with_another_managers_client(
    api_client, manager, other_manager
):
    mine = ContactFactory(curator=manager)
    theirs = ContactFactory(curator=other_manager)
    _pair(mine, theirs)
    body = api_client(manager).get("/duplicates").json()
    assert body["count"] == 0


def test_pair_list_filters_by_decision(api_client, admin_user):
    a, b, c = ContactFactory(), ContactFactory(), ContactFactory()
    _pair(a, b, decision="duplicate")
    _pair(a, c, decision="possible", score=0.7)
    body = api_client(admin_user).get("/duplicates", {"decision": "possible"}).json()
    assert body["count"] == 1
    assert body["items"][0]["decision"] == "possible"


def test_pair_list_refuses_an_unknown_entity(api_client, admin_user):
    response = api_client(admin_user).get("/duplicates", {"entity": "deals"})
    assert response.status_code == 422


def test_pair_list_stays_within_a_query_ceiling(
    api_client, admin_user, django_assert_max_num_queries
):
    for _ in range(20):
        _pair(ContactFactory(), ContactFactory())
    client = api_client(admin_user)
    with django_assert_max_num_queries(8):
        body = client.get("/duplicates", {"page_size": 20}).json()
    assert len(body["items"]) == 20


def test_pair_dismiss_removes_it_from_the_queue(api_client, manager):
    pair = _pair(ContactFactory(curator=manager), ContactFactory(curator=manager))
    response = api_client(manager).post(f"/duplicates/{pair.pk}/dismiss")
    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"
    assert api_client(manager).get("/duplicates").json()["count"] == 0


def test_pair_get_answers_404_for_a_hidden_pair(api_client, manager, other_manager):
    pair = _pair(ContactFactory(curator=other_manager), ContactFactory(curator=manager))
    assert api_client(manager).get(f"/duplicates/{pair.pk}").status_code == 404
    assert api_client(manager).post(f"/duplicates/{pair.pk}/dismiss").status_code == 404


def test_duplicates_merge_via_api_and_undo_by_an_administrator(
    api_client, manager, admin_user
):
    a = ContactFactory(curator=manager, email="a@x.ru")
    b = ContactFactory(curator=manager, phone="+79161234567")
    pair = _pair(a, b)
    response = api_client(manager).post(
        "/duplicates/merge",
        {"entity": "contacts", "ids": [a.pk, b.pk], "survivor_id": a.pk},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["merged_ids"] == [b.pk]
    assert Contact.objects.get(pk=a.pk).phone == "+79161234567"
    pair.refresh_from_db()
    assert pair.status == PairStatus.MERGED
    # a manager may not undo; an administrator may
    undo = f"/duplicates/merges/{body['id']}/undo"
    assert api_client(manager).post(undo).status_code == 403
    response = api_client(admin_user).post(undo)
    assert response.status_code == 200
    assert response.json()["undone_at"] is not None
    assert Contact.objects.filter(pk=b.pk).exists()


def test_duplicates_merge_via_api_names_the_bad_field(api_client, manager):
    a, b = ContactFactory(curator=manager), ContactFactory(curator=manager)
    response = api_client(manager).post(
        "/duplicates/merge",
        {"entity": "contacts", "ids": [a.pk, b.pk], "field_choices": {"nope": a.pk}},
    )
    assert response.status_code == 422
    assert "nope" in json.dumps(response.json())
    assert Merge.objects.count() == 0


def test_duplicates_merge_via_api_hides_another_managers_record(
    api_client, manager, other_manager
):
    a = ContactFactory(curator=manager)
    b = ContactFactory(curator=other_manager)
    response = api_client(manager).post(
        "/duplicates/merge", {"entity": "contacts", "ids": [a.pk, b.pk]}
    )
    assert response.status_code == 404
    assert Contact.objects.filter(pk=b.pk).exists()


def test_duplicates_scan_via_api_is_for_administrators(api_client, manager, admin_user):
    ContactFactory(last_name="Иванов", first_name="Сергей", email="s@x.ru")
    ContactFactory(last_name="Иванов", first_name="Сергей", email="s@x.ru")
    assert api_client(manager).post("/duplicates/scan", {}).status_code == 403
    response = api_client(admin_user).post("/duplicates/scan", {"entity": "contacts"})
    assert response.status_code == 202
    assert DuplicatePair.objects.count() == 1


def test_openapi_lists_the_duplicates_operations(api_client, admin_user):
    schema = api_client(admin_user).get("/openapi.json").json()
    operations = {
        op["operationId"] for path in schema["paths"].values() for op in path.values()
    }
    assert {
        "pair_list",
        "duplicates_merge",
        "pair_dismiss",
        "duplicates_merge_undo",
    } <= operations
