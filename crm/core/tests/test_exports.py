"""Export of list pages to CSV and XLSX: filters, columns, visibility, formats, the
background path for large lists and files only for their owner."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from crm.core.exports.services import export_job_create, export_job_run
from crm.core.exports.writing import cell_text
from crm.core.models import ExportJob, ExportStatus, Notification
from crm.customers.tests.factories import (
    CompanyFactory,
    ContactFactory,
    EmploymentFactory,
)

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    delimiter = ";" if body.count(";") > body.count(",") else ","
    return list(csv.reader(io.StringIO(body[1:]), delimiter=delimiter))


def _xlsx(content: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    sheet = book.worksheets[0]
    return [[c if c is not None else "" for c in row] for row in sheet.values]


def _url(key, fmt, query=""):
    url = reverse("core:export-list", args=[key, fmt])
    return f"{url}?{query}" if query else url


def test_export_list_does_csv_with_filters_columns_and_only_visible_rows(
    client, manager, other_manager
):
    # given: the manager's contacts, one without an e-mail, and a colleague's
    company = CompanyFactory(name="ООО «Ромашка»", curator=manager)
    anna = ContactFactory(
        last_name="Антонова",
        first_name="Анна",
        email="anna@example.com",
        curator=manager,
    )
    EmploymentFactory(contact=anna, company=company, job_title="Директор")
    ContactFactory(last_name="Борисов", first_name="Борис", email="", curator=manager)
    ContactFactory(
        last_name="Чужой",
        first_name="Олег",
        email="o@example.com",
        curator=other_manager,
    )
    client.force_login(manager)
    # when: the filtered list goes out with chosen columns
    response = client.get(
        _url(
            "customers.contacts",
            "csv",
            "has_email=yes&cols=name&cols=company&cols=email&page=3",
        )
    )
    # then: the rows the manager sees on the page with that filter, as text
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == ["Full name", "Company", "E-mail"]
    assert rows[1:] == [["Антонова Анна", "ООО «Ромашка»", "anna@example.com"]]


def test_export_list_uses_semicolons_and_russian_headers_for_a_russian_reader(
    client, make_user
):
    # given: a Russian-speaking manager with one contact
    user = make_user(role="sales", language="ru")
    ContactFactory(last_name="Иванов", first_name="Иван", curator=user)
    client.force_login(user)
    # when
    response = client.get(_url("customers.contacts", "csv", "cols=name&cols=email"))
    # then: Excel with Russian settings splits on ";"
    body = b"".join(response.streaming_content).decode("utf-8")
    header = body[1:].splitlines()[0]
    assert ";" in header
    assert "," not in header
    assert header.split(";")[0] in ("ФИО", "Полное имя", "Full name")


def test_export_list_does_xlsx_sorted_like_the_page(client, manager):
    # given
    for name in ("Яковлев", "Абрамов", "Кузнецов"):
        ContactFactory(last_name=name, first_name="Пётр", curator=manager)
    client.force_login(manager)
    # when: sorted by name, descending
    response = client.get(
        _url("customers.contacts", "xlsx", "sort=-name&cols=name&cols=created_at")
    )
    # then: a real workbook, rows in the page's order, dates as the page shows them
    assert response.status_code == 200
    rows = _xlsx(b"".join(response.streaming_content))
    assert rows[0] == ["Full name", "Created"]
    assert [r[0] for r in rows[1:]] == [
        "Яковлев Пётр",
        "Кузнецов Пётр",
        "Абрамов Пётр",
    ]
    assert all(r[1] for r in rows[1:])


def test_export_list_refuses_an_unknown_list(client, manager):
    client.force_login(manager)
    assert client.get(_url("customers.nothing", "csv")).status_code == 404
    assert client.get(_url("customers.contacts", "pdf")).status_code == 404


def test_export_list_asks_to_sign_in(client):
    response = client.get(_url("customers.contacts", "csv"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_export_list_of_a_large_list_becomes_a_job_for_its_owner_only(
    client, manager, other_manager, settings, django_capture_on_commit_callbacks
):
    # given: more rows than download at once (the limit lowered for the test)
    settings.CRM_EXPORT_SYNC_LIMIT = 2
    for n in range(3):
        ContactFactory(last_name=f"Фамилия{n}", curator=manager)
    ContactFactory(last_name="Чужой", curator=other_manager)
    client.force_login(manager)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            _url("customers.contacts", "xlsx", "cols=name&sort=name"), follow=True
        )
    # then: back on the list with a message; the job wrote the file (Huey runs
    # at once in tests) and told the owner where to get it
    assert response.redirect_chain[-1][0].startswith(reverse("customers:contact-list"))
    assert "in the background" in response.content.decode()
    job = ExportJob.objects.get(owner=manager)
    assert job.status == ExportStatus.DONE
    assert job.row_count == 3
    assert job.progress == 100
    file_url = reverse("core:export-file", args=[job.pk])
    notice = Notification.objects.get(user=manager, url=file_url)
    assert "3" in notice.title
    download = client.get(file_url)
    assert download.status_code == 200
    rows = _xlsx(b"".join(download.streaming_content))
    assert [r[0].split()[0] for r in rows[1:]] == ["Фамилия0", "Фамилия1", "Фамилия2"]
    # the file is not for anyone else
    client.force_login(other_manager)
    assert client.get(file_url).status_code == 404


def test_export_job_run_uses_the_owners_visibility_at_run_time(manager, other_manager):
    # given: a job queued by the manager
    ContactFactory(last_name="Свой", curator=manager)
    ContactFactory(last_name="Чужой", curator=other_manager)
    job = export_job_create(
        actor=manager,
        list_key="customers.contacts",
        query="cols=name",
        format="csv",
    )
    # when: the worker runs it (again: idempotent)
    export_job_run(job_id=job.pk)
    job.refresh_from_db()
    # then
    text = job.file.open("rb").read().decode("utf-8-sig")
    assert "Свой" in text
    assert "Чужой" not in text
    assert job.row_count == 1


def test_export_job_create_refuses_an_unknown_list_and_format(manager):
    from crm.core.errors import DomainError

    with pytest.raises(DomainError) as error:
        export_job_create(actor=manager, list_key="x.y", query="", format="csv")
    assert error.value.field == "list"
    with pytest.raises(DomainError) as error:
        export_job_create(
            actor=manager, list_key="customers.contacts", query="", format="doc"
        )
    assert error.value.field == "format"
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize(
    ("key", "url_name"),
    [
        ("customers.companies", "customers:company-list"),
        ("customers.contacts", "customers:contact-list"),
        ("activities.tasks", "activities:task-list"),
        ("sales.leads", "sales:lead-list"),
        ("sales.deals", "sales:deal-list"),
        ("sales.products", "sales:product-list"),
        ("sales.invoices", "sales:invoice-list"),
        ("sales.orders", "sales:order-list"),
        ("sales.proposals", "sales:proposal-list"),
    ],
)
def test_every_list_page_offers_its_export(client, admin_user, key, url_name):
    client.force_login(admin_user)
    page = client.get(reverse(url_name)).content.decode()
    assert reverse("core:export-list", args=[key, "csv"]) in page
    for fmt in ("csv", "xlsx"):
        response = client.get(_url(key, fmt))
        assert response.status_code == 200, (key, fmt)


def test_export_list_reads_a_bounded_number_of_queries(
    client, manager, django_assert_max_num_queries
):
    # given: contacts with places of work (prefetched once per chunk, not per row)
    for _n in range(30):
        EmploymentFactory(
            contact=ContactFactory(curator=manager),
            company=CompanyFactory(curator=manager),
        )
    client.force_login(manager)
    # when / then
    with django_assert_max_num_queries(15):
        response = client.get(
            _url("customers.contacts", "csv", "cols=name&cols=company&cols=tags")
        )
        rows = _csv(response)
    assert len(rows) == 31


def test_cell_text_strips_links_and_defuses_formulas():
    from django.utils.html import format_html

    from crm.core.exports.writing import _defuse

    assert cell_text(format_html('<a href="/x">{}</a>', "A & B")) == "A & B"
    assert _defuse("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _defuse("+7 900 000-00-00") == "+7 900 000-00-00"
    assert _defuse("-5") == "-5"
    assert _defuse("@SUM") == "'@SUM"


def test_export_list_writes_dates_in_the_users_time_zone(
    client, make_user, django_capture_on_commit_callbacks, settings
):
    import datetime as dt

    # given: a user in Vladivostok and a contact created at 20:00 UTC on 1 January
    user = make_user(role="sales", time_zone="Asia/Vladivostok")
    ContactFactory(
        last_name="Иванов",
        curator=user,
        created_at=dt.datetime(2026, 1, 1, 20, 0, tzinfo=dt.UTC),
    )
    client.force_login(user)
    query = "cols=name&cols=created_at"
    # when: downloaded at once and through a background job
    rows = _csv(client.get(_url("customers.contacts", "csv", query)))
    settings.CRM_EXPORT_SYNC_LIMIT = 0
    with django_capture_on_commit_callbacks(execute=True):
        client.get(_url("customers.contacts", "csv", query))
    job = ExportJob.objects.get(owner=user)
    text = job.file.open("rb").read().decode("utf-8-sig")
    # then: both say 2 January, as the page does
    assert rows[1][1] == "01/02/2026"
    assert "01/02/2026" in text


def test_export_jobs_clean_removes_old_exports_with_their_files(
    manager, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    from crm.core.exports.services import export_jobs_clean

    ContactFactory(curator=manager)
    with django_capture_on_commit_callbacks(execute=True):
        old = export_job_create(
            actor=manager, list_key="customers.contacts", query="", format="csv"
        )
        new = export_job_create(
            actor=manager, list_key="customers.contacts", query="", format="csv"
        )
    old.refresh_from_db()
    storage, name = old.file.storage, old.file.name
    assert storage.exists(name)
    ExportJob.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=8)
    )
    assert export_jobs_clean() == 1
    assert not storage.exists(name)
    assert list(ExportJob.objects.all()) == [new]


def test_export_of_tasks_and_deals_holds_only_what_the_user_sees(
    client, manager, other_manager
):
    from crm.activities.tests.factories import TaskFactory
    from crm.sales.tests.factories_deals import make_deal

    # given: a task and a deal of each manager
    TaskFactory(title="Позвонить своему", assignee=manager, created_by=manager)
    TaskFactory(title="Чужая задача", assignee=other_manager, created_by=other_manager)
    make_deal(manager, title="Своя сделка")
    make_deal(other_manager, title="Чужая сделка")
    client.force_login(manager)
    # when
    tasks = _csv(client.get(_url("activities.tasks", "csv", "status=&cols=title")))
    deals = _csv(client.get(_url("sales.deals", "csv", "cols=title")))
    # then
    assert [r[0] for r in tasks[1:]] == ["Позвонить своему"]
    assert [r[0] for r in deals[1:]] == ["Своя сделка"]


def test_export_plain_text_of_contact_columns_equals_the_stripped_page_cells(
    admin_user, django_assert_max_num_queries
):
    """The fast path (each column's `export`, relations loaded per chunk) writes
    exactly what rendering the page's cells and stripping them would."""
    from dataclasses import replace

    from django.http import QueryDict

    from crm.core.exports.writing import rows
    from crm.customers.tests.factories import TagFactory
    from crm.customers.views import contact_listing

    first = CompanyFactory(name="ООО «Ромашка»")
    second = CompanyFactory(name="АО «Лютик»")
    for n in range(12):
        contact = ContactFactory(
            last_name=f"Иванов{n}",
            email=f"person{n}@example.ru" if n % 2 else "",
            phone="+79161234567" if n % 3 else "",
        )
        EmploymentFactory(contact=contact, company=first, job_title="Директор")
        if n % 4 == 0:
            EmploymentFactory(contact=contact, company=second, job_title="")
        if n % 2 == 0:
            contact.tags.add(TagFactory(name="VIP"), TagFactory(name="опт"))
    spec, queryset, _form = contact_listing(admin_user, QueryDict(""))
    columns = list(spec.columns)
    assert all(column.export is not None for column in columns)
    queryset = queryset.order_by("pk")

    with django_assert_max_num_queries(8):
        fast = list(rows(queryset, columns))
    slow = list(rows(queryset, [replace(column, export=None) for column in columns]))

    assert len(fast) == 12
    assert any("ООО «Ромашка»" in cell for row in fast for cell in row)
    assert any("VIP" in cell for row in fast for cell in row)
    assert fast == slow


def test_export_plain_text_of_company_columns_equals_the_stripped_page_cells(
    admin_user, manager, django_assert_max_num_queries
):
    from dataclasses import replace

    from django.http import QueryDict

    from crm.core.exports.writing import rows
    from crm.customers.tests.factories import (
        CompanyCategoryFactory,
        IndustryFactory,
        LegalFormFactory,
        SalesChannelFactory,
        SourceFactory,
        TagFactory,
    )
    from crm.customers.views import company_listing

    industry, category = IndustryFactory(), CompanyCategoryFactory()
    form, source, channel = LegalFormFactory(), SourceFactory(), SalesChannelFactory()
    for n in range(9):
        full = n % 2 == 0
        company = CompanyFactory(
            name=f"ООО «Ромашка {n}» & Co",
            phone="+74951234567" if full else "",
            email=f"info{n}@example.ru" if full else "",
            region="Москва" if full else "",
            industry=industry if full else None,
            category=category if full else None,
            legal_form=form if full else None,
            source=source if full else None,
            sales_channel=channel if full else None,
            curator=manager if full else None,
        )
        if full:
            company.tags.add(TagFactory(name="VIP"))
    spec, queryset, _form = company_listing(admin_user, QueryDict(""))
    columns = list(spec.columns)
    assert all(column.export is not None for column in columns)
    queryset = queryset.order_by("pk")

    with django_assert_max_num_queries(6):
        fast = list(rows(queryset, columns))
    slow = list(rows(queryset, [replace(column, export=None) for column in columns]))

    assert len(fast) == 9
    assert any("ООО «Ромашка 0» & Co" in row for row in fast)
    assert fast == slow


def test_export_plain_text_of_task_columns_equals_the_stripped_page_cells(
    admin_user, manager, django_assert_max_num_queries
):
    import datetime as dt

    from django.http import QueryDict
    from django.utils import timezone

    from crm.activities.tests.factories import TaskFactory
    from crm.activities.views.tasks import task_listing
    from crm.core.exports.writing import rows

    company = CompanyFactory(name="ООО «Ромашка»")
    contact = ContactFactory(last_name="Иванов")
    for n in range(8):
        TaskFactory(
            title=f"Позвонить  {n} <b>срочно</b>",
            assignee=manager if n % 2 else admin_user,
            company=company if n % 3 == 0 else None,
            contact=contact if n % 3 == 1 else None,
            due_at=timezone.now() + dt.timedelta(days=n - 4),
            remind_at=timezone.now() if n % 2 else None,
        )
    spec, queryset, _form = task_listing(admin_user, QueryDict("status=all"))
    columns = list(spec.columns)
    assert all(column.export is not None for column in columns)
    queryset = queryset.order_by("pk")

    with django_assert_max_num_queries(6):
        fast = list(rows(queryset, columns))
    slow = list(rows(queryset, [_page_cells(column) for column in columns]))

    assert len(fast) == 8
    assert fast == slow


def _page_cells(column):
    from dataclasses import replace

    return replace(column, export=None)
