"""Tags and custom fields of imported companies and contacts."""

import pytest

from crm.core.models import AuditAction, AuditEntry, CustomField
from crm.customers.models import Company, Contact, Tag
from crm.customers.tests.factories import CompanyFactory, valid_inn
from crm.imports import engine
from crm.imports.models import ImportRowError
from crm.imports.services import import_upload


def _field(entity, key, kind, **extra):
    return CustomField.objects.create(
        entity=entity,
        key=key,
        label_en=extra.pop("label_en", key.capitalize()),
        label_ru=extra.pop("label_ru", key),
        kind=kind,
        **extra,
    )


def _import(actor, text, csv_file, run_job, entity="contacts", dry_run=False):
    job = import_upload(actor=actor, entity=entity, upload=csv_file(text))
    return run_job(actor=actor, job=job, dry_run=dry_run)


def test_import_creates_tags_and_links_them_to_contacts(admin_user, csv_file, run_job):
    # given a tag the CRM knows already
    Tag.objects.create(name="VIP")
    text = (
        "Имя;E-mail;Теги\n"
        'Иван;ivan@example.com;"vip; Опт , Москва"\n'
        'Пётр;petr@example.com;"Опт,опт"\n'
        "Анна;anna@example.com;\n"
    )
    # when the file is imported
    job = _import(admin_user, text, csv_file, run_job)
    # then the tags column was guessed and the missing tags were created once
    assert "tags" in job.mapping.values()
    assert sorted(Tag.objects.values_list("name", flat=True)) == [
        "VIP",
        "Москва",
        "Опт",
    ]
    ivan = Contact.objects.get(email="ivan@example.com")
    assert sorted(t.name for t in ivan.tags.all()) == ["VIP", "Москва", "Опт"]
    assert [t.name for t in Contact.objects.get(first_name="Пётр").tags.all()] == [
        "Опт"
    ]
    assert not Contact.objects.get(first_name="Анна").tags.exists()
    # and the history of the new record lists them as the audit would
    entry = AuditEntry.objects.get(
        content_type__model="contact", object_id=ivan.pk, action=AuditAction.CREATE
    )
    assert entry.changes["tags"] == {"old": None, "new": "VIP, Москва, Опт"}
    # and each tag the import created has its own history, by the job's owner
    created = AuditEntry.objects.filter(
        content_type__model="tag", action=AuditAction.CREATE
    )
    assert sorted(e.object_repr for e in created) == ["Москва", "Опт"]
    assert {e.actor_id for e in created} == {admin_user.pk}


def test_reimport_adds_tags_without_duplicate_links_or_removing_any(
    admin_user, csv_file, run_job
):
    # given a company with a tag put on by hand
    company = CompanyFactory(name="Ромашка", inn=valid_inn(1), curator=admin_user)
    own = Tag.objects.create(name="Свой")
    company.tags.add(own)
    text = f"Наименование;ИНН;Метки\nРомашка;{valid_inn(1)};Опт, Москва\n"
    _import(admin_user, text, csv_file, run_job, entity="companies")
    through = Company.tags.through
    assert through.objects.filter(company=company).count() == 3
    # when the same file and then one with empty tags cells are imported again
    job = _import(admin_user, text, csv_file, run_job, entity="companies")
    empty = f"Наименование;ИНН;Метки\nРомашка;{valid_inn(1)};\n"
    _import(admin_user, empty, csv_file, run_job, entity="companies")
    # then no link is doubled and nothing is removed
    assert job.updated_count == 0
    assert sorted(t.name for t in company.tags.all()) == ["Москва", "Опт", "Свой"]
    assert through.objects.filter(company=company).count() == 3
    # and the first re-import's history shows the tags added to those there
    entry = AuditEntry.objects.filter(
        object_id=company.pk, action=AuditAction.UPDATE
    ).get()
    assert entry.changes["tags"] == {"old": "Свой", "new": "Москва, Опт, Свой"}
    # a further tag later is added to the others
    more = f"Наименование;ИНН;Tags\nРомашка;{valid_inn(1)};Новый\n"
    job = _import(admin_user, more, csv_file, run_job, entity="companies")
    assert job.updated_count == 1
    assert company.tags.count() == 4


def test_a_too_long_tag_is_a_row_error_naming_the_column(admin_user, csv_file, run_job):
    text = f"Имя;Tags\nИван;{'я' * 51}\nПётр;ok\n"
    job = _import(admin_user, text, csv_file, run_job)
    error = ImportRowError.objects.get(job=job)
    assert (error.row, error.column) == (2, "Tags")
    assert Contact.objects.count() == 1


def test_a_dry_run_leaves_no_tag_behind(admin_user, csv_file, run_job):
    job = _import(admin_user, "Имя;Теги\nИван;Новый\n", csv_file, run_job, dry_run=True)
    assert job.created_count == 1
    assert not Tag.objects.exists()
    assert not Contact.objects.exists()


def test_import_reads_custom_fields_of_every_type(admin_user, csv_file, run_job):
    # given custom fields of contacts of each type
    _field("contact", "nickname", "text", label_ru="Прозвище")
    _field("contact", "budget", "number", label_ru="Бюджет")
    _field("contact", "met_on", "date", label_ru="Дата знакомства")
    _field("contact", "is_partner", "boolean", label_ru="Партнёр")
    _field("contact", "grade", "choice", label_ru="Класс", choices=["A", "B"])
    _field("contact", "old", "text", label_ru="Старое", is_active=False)
    text = (
        "Имя;E-mail;Прозвище;Бюджет;Дата знакомства;Партнёр;Класс;Старое\n"
        "Иван;ivan@example.com;Ваня;1 234,50;31.12.2024;да;a;x\n"
    )
    job = import_upload(actor=admin_user, entity="contacts", upload=csv_file(text))
    # then each custom field is guessed by its label; an inactive one is not offered
    assert job.mapping == {
        "0": "first_name",
        "1": "email",
        "2": "custom_fields.nickname",
        "3": "custom_fields.budget",
        "4": "custom_fields.met_on",
        "5": "custom_fields.is_partner",
        "6": "custom_fields.grade",
    }
    # when it is imported
    job = run_job(actor=admin_user, job=job)
    assert job.rejected_count == 0
    # then the values are stored as a form stores them
    contact = Contact.objects.get()
    assert contact.custom_fields == {
        "nickname": "Ваня",
        "budget": "1234.50",
        "met_on": "2024-12-31",
        "is_partner": True,
        "grade": "A",
    }
    entry = AuditEntry.objects.get(object_id=contact.pk, action=AuditAction.CREATE)
    assert entry.changes["custom_fields.budget"] == {"old": None, "new": "1234.50"}
    assert entry.changes["custom_fields.is_partner"] == {"old": None, "new": True}


def test_import_merges_custom_fields_into_those_of_a_record(
    admin_user, csv_file, run_job
):
    _field("company", "tier", "choice", label_en="Tier", choices=["Gold", "Silver"])
    _field("company", "since", "date", label_en="Client since")
    company = CompanyFactory(
        name="Ромашка",
        inn=valid_inn(2),
        curator=admin_user,
        custom_fields={"since": "2020-01-01", "gone": "kept"},
    )
    text = f"Name;INN;Tier;Client since\nРомашка;{valid_inn(2)};gold;\n"
    job = _import(admin_user, text, csv_file, run_job, entity="companies")
    assert job.updated_count == 1
    company.refresh_from_db()
    # the empty cell changed nothing, a key of a removed field stays
    assert company.custom_fields == {
        "since": "2020-01-01",
        "gone": "kept",
        "tier": "Gold",
    }
    entry = AuditEntry.objects.get(object_id=company.pk, action=AuditAction.UPDATE)
    assert entry.changes == {"custom_fields.tier": {"old": None, "new": "Gold"}}
    assert company.version == 2


def test_a_bad_custom_value_is_rejected_with_its_row_and_column(
    admin_user, csv_file, run_job
):
    _field("contact", "grade", "choice", label_ru="Класс", choices=["A", "B"])
    _field("contact", "budget", "number", label_ru="Бюджет")
    text = "Имя;Класс;Бюджет\nИван;A;10\nПётр;Z;5\nАнна;B;много\n"
    job = _import(admin_user, text, csv_file, run_job)
    errors = {
        (e.row, e.column): e.message
        for e in ImportRowError.objects.filter(job=job).order_by("row")
    }
    assert list(errors) == [(3, "Класс"), (4, "Бюджет")]
    assert "A, B" in errors[(3, "Класс")]
    assert list(Contact.objects.values_list("first_name", flat=True)) == ["Иван"]


def test_a_required_custom_field_must_be_mapped_and_filled_for_new_records(
    admin_user, csv_file, run_job
):
    from crm.core.errors import DomainError

    _field("contact", "grade", "text", label_ru="Класс", is_required=True)
    importer = engine.make_importer("contacts", actor=admin_user)
    with pytest.raises(DomainError):
        engine.check_mapping(importer, {"0": "first_name"})
    job = _import(admin_user, "Имя;Класс\nИван;A\nПётр;\n", csv_file, run_job)
    assert [(e.row, e.column) for e in ImportRowError.objects.filter(job=job)] == [
        (3, "Класс")
    ]


def test_an_update_must_leave_a_required_custom_field_filled(
    admin_user, csv_file, run_job
):
    # given two contacts from before the field became required, one with a value
    with_grade = Contact.objects.create(
        first_name="Иван", external_id="1", custom_fields={"grade": "A"}
    )
    without = Contact.objects.create(first_name="Пётр", external_id="2")
    _field("contact", "grade", "text", label_ru="Класс", is_required=True)
    # when a file updates both, leaving the field's cells empty, and fills a third
    job = _import(
        admin_user,
        "Внешний код;Имя;Телефон;Класс\n"
        "1;Иван;+7 916 000-00-01;\n"
        "2;Пётр;+7 916 000-00-02;\n"
        "2;Пётр;+7 916 000-00-03;B\n",
        csv_file,
        run_job,
    )
    # then the record that keeps its value is updated
    with_grade.refresh_from_db()
    assert with_grade.phone == "+79160000001"
    assert with_grade.custom_fields == {"grade": "A"}
    # and the row that would leave the field empty is refused, naming it, while
    # the next row filling it goes in
    assert [
        (e.row, e.column, e.message) for e in ImportRowError.objects.filter(job=job)
    ] == [(3, "Класс", "This field is required.")]
    without.refresh_from_db()
    assert without.phone == "+79160000003"
    assert without.custom_fields == {"grade": "B"}


def test_api_mapping_accepts_a_custom_field(api_client, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _field("contact", "grade", "text", label_en="Grade", label_ru="Класс")
    client = api_client(admin_user)
    response = client.client.post(
        "/api/v1/imports",
        {
            "entity": "contacts",
            "file": SimpleUploadedFile("p.csv", "Имя;Уровень\nИван;A\n".encode()),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {"name": "custom_fields.grade", "label": "Grade", "required": False} in body[
        "fields"
    ]
    response = client.put(
        f"imports/{body['id']}/mapping",
        {"mapping": {"0": "first_name", "1": "custom_fields.grade"}},
    )
    assert response.status_code == 200, response.content
    assert response.json()["mapping"]["1"] == "custom_fields.grade"
    response = client.put(
        f"imports/{body['id']}/mapping",
        {"mapping": {"0": "first_name", "1": "custom_fields.nope"}},
    )
    assert response.status_code == 422


@pytest.mark.parametrize("count", [10, 200])
def test_tags_and_custom_fields_of_a_batch_cost_a_fixed_number_of_queries(
    admin_user, django_assert_max_num_queries, count
):
    from crm.imports.entities.base import Row
    from crm.imports.entities.contacts import ContactImporter

    _field("contact", "grade", "choice", choices=["A", "B"])
    # (tags known already: a new tag's own history is one insert per new name)
    for name in ["Опт", *(f"Группа {n}" for n in range(7))]:
        Tag.objects.create(name=name)
    importer = ContactImporter(actor=admin_user)
    rows = [
        Row(
            n + 2,
            {
                "first_name": f"Иван{n}",
                "email": f"p{n}@example.com",
                "tags": f"Опт, Группа {n % 7}",
                "custom_fields.grade": "B",
            },
        )
        for n in range(count)
    ]
    # the same number of statements whatever the size of the batch
    with django_assert_max_num_queries(12):
        outcome = importer.write(rows)
    assert outcome.created == count
    assert Contact.tags.through.objects.count() == 2 * count


def test_mapping_page_offers_tags_and_custom_fields(client, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from crm.imports.models import ImportJob

    _field("contact", "grade", "text", label_en="Grade", label_ru="Класс")
    client.force_login(admin_user)
    client.post(
        reverse("imports:import-list"),
        {
            "entity": "contacts",
            "file": SimpleUploadedFile("p.csv", "Имя;Grade;Tags\nИван;A;x\n".encode()),
        },
    )
    job = ImportJob.objects.get()
    assert job.mapping == {"0": "first_name", "1": "custom_fields.grade", "2": "tags"}
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'value="custom_fields.grade" selected' in page
    assert 'value="tags" selected' in page
