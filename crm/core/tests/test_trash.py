"""The trash: soft-deleted records of every Record model, restored by an administrator.

Companies and contacts stand in for "any record" (looked up through the app registry:
core must not import a higher app)."""

import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone

from crm.core.errors import Forbidden
from crm.core.models import AuditEntry, Record
from crm.core.selectors import trash_list, trash_models
from crm.core.services import record_trash


@pytest.fixture
def Company():  # noqa: N802 - a model class
    return apps.get_model("customers", "Company")


@pytest.fixture
def Contact():  # noqa: N802 - a model class
    return apps.get_model("customers", "Contact")


def test_every_concrete_record_model_has_a_place_in_the_trash(Company, Contact):
    models = trash_models()
    assert Company in models
    assert Contact in models
    assert all(issubclass(m, Record) and not m._meta.abstract for m in models)


def test_the_trash_lists_deleted_records_of_every_kind_newest_first(
    client, admin_user, manager, Company, Contact
):
    # given a company and a contact deleted at different times, and a live company
    old = Company.objects.create(name="ООО «Старое»", curator=manager)
    person = Contact.objects.create(first_name="Пётр", last_name="Удалённый")
    Company.objects.create(name="ООО «Живое»", curator=manager)
    record_trash(actor=manager, obj=old)
    Company.all_objects.filter(pk=old.pk).update(
        deleted_at=timezone.now() - dt.timedelta(days=1)
    )
    record_trash(actor=admin_user, obj=person)

    # when the administrator opens the trash
    client.force_login(admin_user)
    response = client.get("/trash/")

    # then both deleted records are there, newest first, with who deleted them
    assert response.status_code == 200
    items = response.context["items"]
    assert [str(i.obj) for i in items] == ["Удалённый Пётр", "ООО «Старое»"]
    assert [i.deleted_by for i in items] == [admin_user, manager]
    content = response.content.decode()
    assert "ООО «Живое»" not in content
    assert "Иван Петров" in content


def test_the_trash_filters_by_kind_and_by_who_deleted(
    client, admin_user, manager, Company, Contact
):
    company = Company.objects.create(name="ООО «Ромашка»")
    person = Contact.objects.create(first_name="Анна")
    other = Company.objects.create(name="ООО «Лютик»")
    record_trash(actor=manager, obj=company)
    record_trash(actor=manager, obj=person)
    record_trash(actor=admin_user, obj=other)
    client.force_login(admin_user)

    by_kind = client.get("/trash/", {"type": "customers.contact"}).context["items"]
    assert [i.obj for i in by_kind] == [person]

    by_person = client.get("/trash/", {"deleted_by": manager.pk}).context["items"]
    assert {i.obj for i in by_person} == {company, person}

    both = client.get(
        "/trash/", {"type": "customers.company", "deleted_by": manager.pk}
    ).context["items"]
    assert [i.obj for i in both] == [company]

    unknown = client.get("/trash/", {"type": "no.such"}).context["items"]
    assert len(unknown) == 3  # an unknown kind is ignored, not an error


def test_the_trash_is_paginated_with_a_fixed_number_of_queries(
    client, admin_user, Company, Contact, django_assert_max_num_queries
):
    for n in range(30):
        record_trash(actor=admin_user, obj=Company.objects.create(name=f"Фирма {n}"))
    for n in range(10):
        record_trash(actor=admin_user, obj=Contact.objects.create(first_name=f"К{n}"))
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        first = client.get("/trash/")
    assert len(first.context["items"]) == 25
    assert first.context["page_obj"].paginator.count == 40
    second = client.get("/trash/", {"page": 2})
    assert len(second.context["items"]) == 15
    seen = {(i.type_key, i.obj.pk) for i in first.context["items"]}
    seen |= {(i.type_key, i.obj.pk) for i in second.context["items"]}
    assert len(seen) == 40


def test_one_click_restores_a_record(client, admin_user, manager, Company):
    # given a deleted company
    company = Company.objects.create(name="ООО «Ромашка»", curator=manager)
    record_trash(actor=manager, obj=company)
    assert not Company.objects.filter(pk=company.pk).exists()

    # when the administrator restores it
    client.force_login(admin_user)
    response = client.post(
        "/trash/restore/", {"type": "customers.company", "id": company.pk}
    )

    # then it is back where it was, the trash is empty, and the history says so
    assert response.status_code == 302
    assert response["Location"] == "/trash/"
    restored = Company.objects.get(pk=company.pk)
    assert restored.deleted_at is None
    assert restored.deleted_by is None
    assert restored.curator == manager
    assert client.get("/trash/").context["items"] == []
    assert AuditEntry.objects.filter(object_id=company.pk, action="restore").exists()


def test_restoring_a_live_or_missing_record_is_404(client, admin_user, Company):
    live = Company.objects.create(name="Живая")
    client.force_login(admin_user)
    for data in (
        {"type": "customers.company", "id": live.pk},
        {"type": "customers.company", "id": 999999},
        {"type": "auth.group", "id": 1},
        {"type": "customers.company", "id": "x"},
    ):
        assert client.post("/trash/restore/", data).status_code == 404


def test_the_trash_is_for_administrators_only(client, manager, Company):
    company = Company.objects.create(name="ООО «Ромашка»", curator=manager)
    record_trash(actor=manager, obj=company)
    client.force_login(manager)
    assert client.get("/trash/").status_code == 403
    response = client.post(
        "/trash/restore/", {"type": "customers.company", "id": company.pk}
    )
    assert response.status_code == 403
    assert not Company.objects.filter(pk=company.pk).exists()
    with pytest.raises(Forbidden):
        trash_list(actor=manager)
