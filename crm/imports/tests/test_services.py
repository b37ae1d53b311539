from decimal import Decimal

import pytest

from crm.core import events
from crm.core.errors import DomainError, Forbidden
from crm.core.models import AuditEntry
from crm.customers.models import Company, Contact, Employment
from crm.customers.tests.factories import CompanyFactory, ContactFactory, valid_inn
from crm.imports import engine
from crm.imports.entities.contacts import ContactImporter
from crm.imports.models import ImportRowError, ImportStatus, MappingTemplate
from crm.imports.services import (
    import_apply_template,
    import_set_mapping,
    import_start,
    import_upload,
    mapping_template_save,
)

CONTACTS_HEADER = "Фамилия;Имя;E-mail;Телефон;Компания;ИНН компании;Дата рождения\n"


def _contacts(count: int, *, bad_every: int = 0) -> str:
    lines = [CONTACTS_HEADER]
    for n in range(count):
        email = f"person{n}@example.com"
        birth = "15.03.1985"
        if bad_every and n % bad_every == 0:
            email, birth = "not-an-email", "31.02.1985"
        lines.append(
            f"Иванов{n};Иван;{email};+7 916 {n:03d}-00-00;Ромашка {n % 3};"
            f"{valid_inn(n % 3)};{birth}\n"
        )
    return "".join(lines)


def test_import_upload_guesses_the_mapping_and_keeps_a_preview(admin_user, csv_file):
    # when a Windows-1251 file is uploaded
    job = import_upload(
        actor=admin_user,
        entity="contacts",
        upload=csv_file(_contacts(20), encoding="cp1251"),
    )
    # then its columns are mapped by their Russian names and 10 rows are shown
    assert job.encoding == "cp1251"
    assert job.delimiter == ";"
    assert job.mapping == {
        "0": "last_name",
        "1": "first_name",
        "2": "email",
        "3": "phone",
        "4": "company",
        "5": "company_inn",
        "6": "birth_date",
    }
    assert len(job.preview) == 10
    assert job.preview[0][0] == "Иванов0"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("name;inn\n".encode("utf-16"), "UTF-16"),
        (bytes(range(256)) * 10, "not a text file"),
        (b"", "empty"),
    ],
)
def test_import_upload_refuses_unreadable_files(admin_user, data, message):
    import io

    upload = io.BytesIO(data)
    upload.name = "bad.csv"
    with pytest.raises(DomainError, match=message) as error:
        import_upload(actor=admin_user, entity="companies", upload=upload)
    assert error.value.field == "file"


def test_import_upload_refuses_a_broken_xlsx(admin_user):
    import io

    upload = io.BytesIO(b"PK\x03\x04broken")
    upload.name = "broken.xlsx"
    with pytest.raises(DomainError, match="XLSX"):
        import_upload(actor=admin_user, entity="companies", upload=upload)


def test_import_set_mapping_refuses_a_missing_required_column(admin_user, csv_file):
    job = import_upload(
        actor=admin_user, entity="companies", upload=csv_file("ИНН;Город\n1;2\n")
    )
    with pytest.raises(DomainError, match="required field") as error:
        import_set_mapping(actor=admin_user, job=job, mapping=job.mapping)
    assert error.value.field == "mapping"


def test_import_start_refuses_a_file_without_required_columns(admin_user, csv_file):
    job = import_upload(
        actor=admin_user, entity="contacts", upload=csv_file("E-mail;Город\na@b.ru;2\n")
    )
    with pytest.raises(DomainError, match="first name"):
        import_start(actor=admin_user, job=job, dry_run=True)


def test_import_dry_run_reports_bad_rows_and_saves_nothing(
    admin_user, csv_file, run_job
):
    # given a file where every tenth row has a bad e-mail and a bad date
    job = import_upload(
        actor=admin_user,
        entity="contacts",
        upload=csv_file(_contacts(50, bad_every=10)),
    )
    # when it is checked
    job = run_job(actor=admin_user, job=job, dry_run=True)
    # then nothing is saved and every bad row is named with its column
    assert job.status == ImportStatus.CHECKED
    assert Contact.objects.count() == 0
    assert Company.objects.count() == 0
    assert job.created_count == 45
    assert job.rejected_count == 5
    errors = list(job.errors.values_list("row", "column", "dry_run"))
    assert (2, "E-mail", True) in errors
    assert (2, "Дата рождения", True) in errors
    assert {row for row, _c, _d in errors} == {2, 12, 22, 32, 42}


def test_import_imports_good_rows_and_rejects_ten_percent_bad_ones(
    admin_user, csv_file, run_job
):
    # given a file with 10 % bad rows
    job = import_upload(
        actor=admin_user,
        entity="contacts",
        upload=csv_file(_contacts(100, bad_every=10)),
    )
    # when it is imported
    job = run_job(actor=admin_user, job=job)
    # then the good rows are in, complete, and the bad ones are reported
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.updated_count, job.rejected_count) == (90, 0, 10)
    assert Contact.objects.count() == 90
    assert not Contact.objects.filter(email="not-an-email").exists()
    person = Contact.objects.get(email="person1@example.com")
    assert person.phone == "+79160010000"
    assert str(person.birth_date) == "1985-03-15"
    assert person.curator == admin_user
    assert person.search_text == person.build_search_text()
    # the companies were created once each and linked as main places of work
    assert Company.objects.count() == 3
    assert Employment.objects.filter(contact=person, is_primary=True).count() == 1
    # and the history has one entry per record
    assert AuditEntry.objects.filter(content_type__model="contact").count() == 90
    assert AuditEntry.objects.filter(content_type__model="company").count() == 3
    assert job.percent == 100


def test_import_twice_creates_nothing_new(admin_user, csv_file, run_job):
    # given a file imported once
    text = _contacts(30)
    run_job(
        actor=admin_user,
        job=import_upload(actor=admin_user, entity="contacts", upload=csv_file(text)),
    )
    entries = AuditEntry.objects.count()
    # when the same file is imported again
    job = run_job(
        actor=admin_user,
        job=import_upload(actor=admin_user, entity="contacts", upload=csv_file(text)),
    )
    # then the rows match the records by e-mail and nothing is created or changed
    assert (job.created_count, job.updated_count, job.rejected_count) == (0, 0, 0)
    assert Contact.objects.count() == 30
    assert Company.objects.count() == 3
    assert Employment.objects.count() == 30
    assert AuditEntry.objects.count() == entries


def test_import_matches_e_mails_in_any_letter_case(admin_user, csv_file, run_job):
    # given a contact in the base and a file that writes the same mailbox in capitals,
    # twice, once with a stray space
    contact = ContactFactory(
        first_name="Сергей", last_name="Иванов", email="ivanov@example.ru"
    )
    text = (
        "Фамилия;Имя;E-mail;Должность\n"
        "Иванов;Сергей;IVANOV@example.ru ;\n"
        "Петров;Пётр;petrov@example.ru;\n"
        "Петров;Пётр;Petrov@Example.RU;Директор\n"
    )
    # when it is imported
    job = run_job(
        actor=admin_user,
        job=import_upload(actor=admin_user, entity="contacts", upload=csv_file(text)),
    )
    # then the first row is the contact in the base and the last two are one person
    assert job.rejected_count == 0
    assert job.created_count == 1
    assert Contact.objects.count() == 2
    assert Contact.objects.filter(pk=contact.pk, deleted_at=None).exists()
    assert Contact.objects.filter(email__iexact="petrov@example.ru").count() == 1


def test_import_updates_a_matched_record_only_with_filled_cells(
    admin_user, csv_file, run_job
):
    contact = ContactFactory(
        first_name="Пётр",
        last_name="Старый",
        email="p@example.com",
        curator=admin_user,
        address="Москва",
    )
    job = import_upload(
        actor=admin_user,
        entity="contacts",
        upload=csv_file("Фамилия;Имя;E-mail;Адрес\nНовый;;p@example.com;\n"),
    )
    job = run_job(actor=admin_user, job=job)
    contact.refresh_from_db()
    assert job.updated_count == 1
    assert (contact.last_name, contact.first_name, contact.address) == (
        "Новый",
        "Пётр",
        "Москва",
    )
    assert contact.version == 2
    assert "новый" in contact.search_text
    entry = AuditEntry.objects.get(action="update", object_id=contact.pk)
    assert entry.changes == {"last_name": {"old": "Старый", "new": "Новый"}}


def test_import_of_companies_matches_by_external_id_then_inn(
    admin_user, csv_file, run_job
):
    by_inn = CompanyFactory(name="Старое имя", inn=valid_inn(1), curator=admin_user)
    text = (
        "Код;Наименование;ИНН;КПП;Отношения\n"
        f"X-1;Новое имя;{valid_inn(1)};770101001;Клиент\n"
        f"X-2;Другая;{valid_inn(2)};;Partner\n"
        "X-3;Плохая;1234567890;;\n"
    )
    job = import_upload(actor=admin_user, entity="companies", upload=csv_file(text))
    assert job.mapping["4"] == "relation"
    job = run_job(actor=admin_user, job=job)
    by_inn.refresh_from_db()
    assert (job.created_count, job.updated_count, job.rejected_count) == (1, 1, 1)
    assert (by_inn.name, by_inn.external_id, by_inn.kpp, by_inn.relation) == (
        "Новое имя",
        "X-1",
        "770101001",
        "client",
    )
    assert Company.objects.get(external_id="X-2").relation == "partner"
    error = ImportRowError.objects.get(job=job)
    assert (error.row, error.column) == (4, "ИНН")
    assert "check digit" in error.message


def test_import_of_companies_takes_the_okpo_and_checks_it(
    admin_user, csv_file, run_job
):
    from crm.core.validation import _okpo_check_digit

    okpo = "1234567" + str(_okpo_check_digit("1234567"))
    text = (
        "Наименование;ИНН;ОКПО\n"
        f"Первая;{valid_inn(1)};{okpo}\n"
        f"Вторая;{valid_inn(2)};12345678{'9' if okpo[-1] != '9' else '0'}\n"
    )
    job = import_upload(actor=admin_user, entity="companies", upload=csv_file(text))
    assert job.mapping["2"] == "okpo"
    job = run_job(actor=admin_user, job=job)
    assert Company.objects.get(inn=valid_inn(1)).okpo == okpo
    error = ImportRowError.objects.get(job=job)
    assert (error.row, error.column) == (3, "ОКПО")


def test_import_report_is_in_the_owners_language(make_user, csv_file, run_job):
    owner = make_user(role="admin", language="ru")
    job = import_upload(
        actor=owner,
        entity="companies",
        upload=csv_file("Наименование;ИНН\nРомашка;123\n"),
    )
    job = run_job(actor=owner, job=job, dry_run=True)
    message = job.errors.get().message
    assert "ИНН" in message or "цифр" in message


def test_import_of_products_reads_decimal_commas_through_the_catalogue(
    admin_user, csv_file, run_job
):
    from crm.sales.models import Price, Product
    from crm.sales.tests.factories import PriceListFactory

    price_list = PriceListFactory(is_default=True)
    text = (
        "Артикул;Наименование;Цена;Себестоимость\nA-1;Ноутбук;1 234,50;1 000\nA-2;;5;\n"
    )
    job = import_upload(
        actor=admin_user, entity="products", upload=csv_file(text, encoding="cp1251")
    )
    job = run_job(actor=admin_user, job=job)
    product = Product.objects.get(sku="A-1")
    assert product.cost_price == Decimal("1000")
    assert Price.objects.get(product=product, price_list=price_list).price == Decimal(
        "1234.50"
    )
    assert job.rejected_count == 1

    def again(text):
        upload = csv_file(text, encoding="cp1251")
        job = import_upload(actor=admin_user, entity="products", upload=upload)
        return run_job(actor=admin_user, job=job)

    # the same file again matches by SKU and changes nothing, not even the version
    job = again(text)
    assert (job.created_count, job.updated_count) == (0, 0)
    product.refresh_from_db()
    assert product.version == 1
    # a new price updates the product found by SKU
    job = again(text.replace("1 234,50", "1 300"))
    assert (job.created_count, job.updated_count) == (0, 1)
    assert Product.objects.count() == 1
    assert Price.objects.get(product=product, price_list=price_list).price == Decimal(
        "1300"
    )


def test_import_of_leads_goes_through_the_lead_service(admin_user, csv_file, run_job):
    from crm.sales.models import Lead

    text = "ФИО;E-mail;Компания;Потребность\nИванов Иван Иванович;i@example.com;Ромашка;CRM\n"
    job = run_job(
        actor=admin_user,
        job=import_upload(actor=admin_user, entity="leads", upload=csv_file(text)),
    )
    lead = Lead.objects.get()
    assert (lead.last_name, lead.first_name, lead.middle_name) == (
        "Иванов",
        "Иван",
        "Иванович",
    )
    assert lead.owner == admin_user
    assert job.created_count == 1
    # the same file again finds the lead by e-mail and leaves it as it is
    job = run_job(
        actor=admin_user,
        job=import_upload(actor=admin_user, entity="leads", upload=csv_file(text)),
    )
    assert (job.created_count, job.updated_count) == (0, 0)
    assert Lead.objects.get().version == lead.version


def test_a_failed_batch_leaves_no_row_and_the_job_resumes(
    admin_user, csv_file, run_job, monkeypatch
):
    # given batches of 10 rows and a failure while writing the third batch
    monkeypatch.setattr(engine, "BATCH_SIZE", 10)
    calls = {"n": 0}
    original = ContactImporter.after_write

    def failing(self, rows, fresh):
        calls["n"] += 1
        original(self, rows, fresh)
        if calls["n"] == 3:
            raise RuntimeError("disk full")

    monkeypatch.setattr(ContactImporter, "after_write", failing)
    job = import_upload(
        actor=admin_user, entity="contacts", upload=csv_file(_contacts(45))
    )
    # when it is imported
    job = run_job(actor=admin_user, job=job)
    # then the job failed after two whole batches; the third left nothing behind
    assert job.status == ImportStatus.FAILED
    assert "disk full" in job.error
    assert job.committed_rows == 20
    assert Contact.objects.count() == 20
    assert Employment.objects.count() == 20
    assert AuditEntry.objects.filter(content_type__model="contact").count() == 20
    # when it is started again it resumes: every row once
    job = run_job(actor=admin_user, job=job)
    assert job.status == ImportStatus.DONE
    assert Contact.objects.count() == 45
    assert job.created_count == 45
    assert len(set(Contact.objects.values_list("email", flat=True))) == 45


def test_import_announces_each_batch_to_listeners(
    admin_user, csv_file, django_capture_on_commit_callbacks
):
    heard = []
    events.subscribe(heard.append)
    try:
        job = import_upload(
            actor=admin_user, entity="contacts", upload=csv_file(_contacts(5))
        )
        with django_capture_on_commit_callbacks(execute=True):
            import_start(actor=admin_user, job=job, dry_run=False)
    finally:
        events._listeners.remove(heard.append)
    names = [e.name for e in heard]
    assert "contact.imported" in names
    assert "company.imported" in names
    contact_event = next(e for e in heard if e.name == "contact.imported")
    assert sorted(contact_event.data["ids"]) == sorted(
        Contact.objects.values_list("pk", flat=True)
    )
    assert contact_event.actor_id == admin_user.pk


def test_a_sales_manager_may_not_update_someone_elses_contact(
    manager, other_manager, csv_file, run_job
):
    # given a contact of another manager
    theirs = ContactFactory(
        first_name="Чужой", email="their@example.com", curator=other_manager
    )
    text = "Имя;E-mail\nМой;mine@example.com\nПеределанный;their@example.com\n"
    job = import_upload(actor=manager, entity="contacts", upload=csv_file(text))
    # when the manager imports a file matching it
    job = run_job(actor=manager, job=job)
    # then their own row goes in, theirs is refused and unchanged
    theirs.refresh_from_db()
    assert theirs.first_name == "Чужой"
    assert Contact.objects.get(email="mine@example.com").curator == manager
    assert job.rejected_count == 1
    assert "may not change" in job.errors.get().message


def test_a_read_only_user_may_not_import(make_user, csv_file):
    reader = make_user(role="readonly")
    with pytest.raises(Forbidden):
        import_upload(actor=reader, entity="contacts", upload=csv_file("Имя\nA\n"))


def test_a_sales_manager_may_not_import_products(manager, csv_file):
    with pytest.raises(Forbidden):
        import_upload(actor=manager, entity="products", upload=csv_file("name\nA\n"))


def test_mapping_templates_are_saved_and_applied_by_header(admin_user, csv_file):
    first = import_upload(
        actor=admin_user, entity="companies", upload=csv_file("Контрагент;Номер\nA;1\n")
    )
    first = import_set_mapping(
        actor=admin_user, job=first, mapping={"0": "name", "1": "external_id"}
    )
    template = mapping_template_save(
        actor=admin_user, entity="companies", name="Из 1С", job=first
    )
    assert template.mapping == {"Контрагент": "name", "Номер": "external_id"}
    second = import_upload(
        actor=admin_user, entity="companies", upload=csv_file("Номер;Контрагент\n2;B\n")
    )
    second = import_apply_template(actor=admin_user, job=second, template=template)
    assert second.mapping == {"0": "external_id", "1": "name"}
    assert MappingTemplate.objects.count() == 1


def test_import_of_deals_finds_clients_and_stages_by_name(
    manager, other_manager, csv_file, run_job
):
    from crm.sales.models import Deal
    from crm.sales.tests.factories import default_pipeline

    pipeline = default_pipeline()
    stages = list(pipeline.stages.order_by("position"))
    mine = CompanyFactory(name="Ромашка", curator=manager)
    CompanyFactory(name="Чужая", curator=other_manager)
    text = (
        "Код;Название;Компания;Этап;Сумма;Дата закрытия\n"
        f"D-1;Поставка;Ромашка;{stages[1].name};1 500 000,00;31.12.2026\n"
        f"D-2;Чужая сделка;Чужая;{stages[0].name};10;\n"
        f"D-3;Без этапа;Ромашка;Нет такого;10;\n"
    )
    job = run_job(
        actor=manager,
        job=import_upload(actor=manager, entity="deals", upload=csv_file(text)),
    )
    deal = Deal.objects.get(external_id="D-1")
    assert (deal.company, deal.stage, deal.owner) == (mine, stages[1], manager)
    assert deal.amount == Decimal("1500000.00")
    assert str(deal.expected_close_date) == "2026-12-31"
    assert job.created_count == 1
    assert sorted(job.errors.values_list("row", "column")) == [
        (3, "Компания"),
        (4, "Этап"),
    ]
    # a re-import with a later stage moves the deal, recorded in its stage history
    text2 = f"Код;Название;Этап\nD-1;Поставка;{stages[2].name}\n"
    job = run_job(
        actor=manager,
        job=import_upload(actor=manager, entity="deals", upload=csv_file(text2)),
    )
    deal.refresh_from_db()
    assert deal.stage == stages[2]
    assert deal.stage_changes.count() >= 1
    assert Deal.objects.count() == 1


def test_import_of_orders_groups_lines_by_number_and_skips_them_on_a_rerun(
    admin_user, csv_file, run_job, monkeypatch
):
    from crm.sales.models import Order
    from crm.sales.tests.factories import PriceListFactory, ProductFactory
    from crm.sales.tests.factories_documents import OwnCompanyFactory

    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    OwnCompanyFactory(is_default=True)
    PriceListFactory(is_default=True)
    CompanyFactory(name="Ромашка", inn=valid_inn(5), curator=admin_user)
    ProductFactory(name="Ноутбук", sku="NB-1")
    ProductFactory(name="Мышь", sku="M-1")
    text = (
        "Номер заказа;Дата;ИНН;Артикул;Количество;Цена\n"
        f"101;01.12.2026;{valid_inn(5)};NB-1;2;50 000,00\n"
        f"101;01.12.2026;{valid_inn(5)};M-1;3;1 000\n"
        f"101;01.12.2026;{valid_inn(5)};M-1;1;500\n"
        f"102;02.12.2026;{valid_inn(5)};NOPE;1;1\n"
        f"102;02.12.2026;{valid_inn(5)};M-1;1;1\n"
    )
    job = run_job(
        actor=admin_user,
        job=import_upload(actor=admin_user, entity="orders", upload=csv_file(text)),
    )
    # the three lines of 101 stayed in one batch and made one order
    order = Order.objects.get()
    assert order.lines.count() == 3
    assert order.total_amount == Decimal("103500.00")
    assert str(order.date) == "2026-12-01"
    # 102 has an unknown product: both its rows are rejected, nothing of it is saved
    assert job.created_count == 1
    assert sorted(job.errors.values_list("row", flat=True)) == [5, 6]
    # a re-run leaves the order alone
    job = run_job(
        actor=admin_user,
        job=import_upload(actor=admin_user, entity="orders", upload=csv_file(text)),
    )
    assert Order.objects.count() == 1
    assert job.created_count == 0


def test_import_of_an_xlsx_workbook(admin_user, run_job, tmp_path):
    import datetime as dt
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Наименование", "ИНН", "Телефон", "Дата"])
    sheet.append(["Ромашка", int(valid_inn(7)), 89161234567, dt.datetime(2024, 1, 2)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "companies.xlsx"
    job = import_upload(actor=admin_user, entity="companies", upload=buffer)
    assert job.file_format == "xlsx"
    job = run_job(actor=admin_user, job=job)
    company = Company.objects.get()
    assert (company.inn, company.phone) == (valid_inn(7), "+79161234567")
    assert job.status == ImportStatus.DONE


def test_a_lead_s_full_name_part_too_long_is_refused_not_cut(
    admin_user, csv_file, run_job
):
    from crm.sales.models import Lead

    text = f"ФИО;E-mail\nИванов {'И' * 101};i@example.com\n"
    job = run_job(
        actor=admin_user,
        job=import_upload(actor=admin_user, entity="leads", upload=csv_file(text)),
    )
    assert not Lead.objects.exists()
    error = ImportRowError.objects.get(job=job)
    assert (error.row, error.column) == (2, "ФИО")
    assert "100" in error.message
