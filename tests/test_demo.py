"""The demo dataset: valid, searchable, deterministic, repeatable, and first_run."""

from __future__ import annotations

import datetime as dt
import stat
from decimal import Decimal

import phonenumbers
import pytest
from django.db.models import Count
from django.utils import timezone
from email_validator import validate_email
from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

from crm.accounts.models import Team, User
from crm.activities.models import Activity, ActivityKind, Task, TaskStatus
from crm.core.search import matching
from crm.core.visibility import Role
from crm.customers.models import Company, Contact, ContactPoint, Employment
from crm.demo import dataset, first_run, generate, identifiers, onboarding, vocabulary

CONTACTS = 200


@pytest.fixture
def demo(db):
    return generate(contacts=CONTACTS, seed=7)


def _valid_phone(value: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(value))


def test_generate_reports_what_it_wrote(demo):
    assert demo["contacts"] == CONTACTS == Contact.objects.count()
    assert demo["companies"] == CONTACTS // 4 == Company.objects.count()
    assert demo["activities"] == Activity.objects.count()
    assert demo["tasks"] == Task.objects.count()
    assert demo["rows"] > demo["contacts"] + demo["companies"] + demo["activities"]
    assert demo["seconds"] > 0
    assert demo["rows_per_second"] > 0


def test_every_role_has_a_demo_user_in_the_demo_teams(demo):
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    assert set(Team.objects.values_list("name", flat=True)) >= set(vocabulary.TEAMS)
    moscow = Team.objects.get(name="Отдел продаж Москва")
    assert moscow.head.username == "head"
    assert User.objects.get(username="admin").is_superuser


def test_companies_carry_valid_registration_numbers_and_contacts(demo):
    companies = list(Company.objects.select_related("legal_form"))
    for company in companies:
        assert stdnum_inn.is_valid(company.inn), company.inn
        assert stdnum_ogrn.is_valid(company.ogrn), company.ogrn
        assert _valid_phone(company.phone), company.phone
        assert company.phone.startswith("+7")
        validate_email(company.email, check_deliverability=False)
        assert company.email.endswith(".example")
        assert company.search_text
        assert company.external_id == f"demo-company-{company.pk}"
        assert company.legal_form is not None
        if company.legal_form.short_name == "ИП":
            assert len(company.inn) == 12
            assert len(company.ogrn) == 15
            assert company.kpp == ""
        else:
            assert len(company.inn) == 10
            assert len(company.ogrn) == 13
            assert len(company.kpp) == 9
            if company.kpp[4:6] == "43":  # a branch: registered where it works
                assert company.parent.inn == company.inn
                assert company.parent.ogrn == company.ogrn
                assert company.parent.kpp != company.kpp
            else:
                assert company.kpp[:4] == company.inn[:4]
    # A branch shares its parent's INN; everyone else has an INN of their own.
    own = [c.inn for c in companies if c.kpp[4:6] != "43"]
    assert len(own) == len(set(own))


def test_contacts_have_gendered_russian_names_phones_and_a_job(demo):
    contacts = list(Contact.objects.all())
    for contact in contacts:
        assert contact.first_name
        assert contact.last_name
        assert contact.middle_name
        female = contact.middle_name.endswith("на")
        if female:
            assert contact.first_name in vocabulary.FEMALE_NAMES
        else:
            assert contact.middle_name.endswith("ич")
        if contact.phone:
            assert _valid_phone(contact.phone), contact.phone
        if contact.email:
            validate_email(contact.email, check_deliverability=False)
            assert contact.email.isascii()
        assert contact.curator.role == Role.SALES
        assert contact.search_text
    with_phone = sum(1 for c in contacts if c.phone)
    assert with_phone > len(contacts) * 0.8
    employed = Employment.objects.filter(is_primary=True).count()
    assert employed > len(contacts) * 0.7
    for point in ContactPoint.objects.filter(kind="phone"):
        assert _valid_phone(point.value)


def test_every_contact_has_a_year_of_timeline_by_its_curator(demo):
    counts = dict(
        Contact.objects.annotate(n=Count("activities")).values_list("pk", "n")
    )
    assert min(counts.values()) >= 5
    assert 8 <= sum(counts.values()) / len(counts) <= 12
    year_ago = timezone.now() - dt.timedelta(days=367)
    today = timezone.localdate()
    events = Activity.objects.filter(contact__isnull=False).select_related("contact")
    for event in events:
        assert event.occurred_at > year_ago
        if timezone.localdate(event.occurred_at) < today:
            assert event.created_by_id == event.contact.curator_id
        else:  # today's meetings on the demo users' agendas
            assert event.kind == ActivityKind.MEETING
    kinds = set(events.values_list("kind", flat=True))
    assert kinds == {
        ActivityKind.CALL,
        ActivityKind.MEETING,
        ActivityKind.NOTE,
        ActivityKind.EMAIL,
    }
    company_linked = events.filter(company__isnull=False).count()
    assert company_linked > events.count() * 0.7


def test_every_demo_user_has_a_day_to_look_at(demo):
    today = timezone.localdate()
    for user in User.objects.all():
        meetings = Activity.objects.filter(
            created_by=user, kind=ActivityKind.MEETING, occurred_at__date=today
        )
        assert meetings.exists(), user.username
    sales = User.objects.get(username="sales")
    open_tasks = Task.objects.filter(assignee=sales, status=TaskStatus.OPEN)
    assert open_tasks.filter(due_at__lt=timezone.now() - dt.timedelta(days=1)).exists()
    assert open_tasks.filter(due_at__date=today).count() >= 3
    client_meetings = Activity.objects.filter(
        created_by=sales,
        kind=ActivityKind.MEETING,
        occurred_at__date=today,
        contact__curator=sales,
    )
    assert client_meetings.count() >= 2


def test_tasks_are_done_open_and_overdue_and_set_before_today(demo):
    now = timezone.now()
    tasks = Task.objects.all()
    statuses = set(tasks.values_list("status", flat=True))
    assert statuses == {TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.CANCELLED}
    assert not tasks.filter(created_at__gt=now).exists()
    done = tasks.filter(status=TaskStatus.DONE)
    assert not done.filter(completed_at__isnull=True).exists()
    assert tasks.filter(status=TaskStatus.OPEN, due_at__gt=now).exists()


def test_old_reminders_count_as_sent(demo):
    """Loading a year of history must not fire a reminder for every old task."""
    due = Task.objects.filter(
        remind_at__lte=timezone.now(), reminder_sent_at__isnull=True
    )
    assert not due.exists()


def test_search_finds_generated_companies_and_contacts(demo):
    company = Company.objects.exclude(kpp="").order_by("pk")[3]
    assert company in matching(Company.objects.all(), company.inn)
    contact = Contact.objects.order_by("pk")[5]
    assert contact in matching(Contact.objects.all(), contact.last_name)
    national = contact.phone[2:8] if contact.phone else contact.last_name
    assert contact in matching(Contact.objects.all(), national)


def test_same_seed_same_people_and_a_rerun_adds_beside_them(db):
    first = generate(contacts=60, seed=3)
    second = generate(contacts=60, seed=3)
    assert first["contacts"] == second["contacts"] == 60
    contacts = list(
        Contact.objects.order_by("pk").values_list(
            "last_name", "first_name", "middle_name", "external_id"
        )
    )
    assert [c[:3] for c in contacts[:60]] == [c[:3] for c in contacts[60:]]
    assert len({c[3] for c in contacts}) == 120
    names = list(Company.objects.order_by("pk").values_list("name", flat=True))
    assert names[:15] == names[15:]
    assert User.objects.filter(username="sales").count() == 1
    other = generate(contacts=60, seed=4)
    assert other["contacts"] == 60
    assert Contact.objects.count() == 180
    third = list(
        Contact.objects.order_by("pk").values_list("last_name", flat=True)[120:]
    )
    assert third != [c[0] for c in contacts[:60]]


def test_workers_and_deferred_indexes_give_the_same_data(db, monkeypatch):
    """The path a million contacts take: batches built in another process and
    indexes built at the end."""
    monkeypatch.setattr(dataset, "BATCH_CONTACTS", 40)
    monkeypatch.setattr(dataset, "DEFER_INDEXES_FROM", 1)
    generate(contacts=100, seed=5, workers=0)
    generate(contacts=100, seed=5, workers=2)
    names = list(Contact.objects.order_by("pk").values_list("last_name", "first_name"))
    assert names[:100] == names[100:]
    assert Activity.objects.filter(contact__isnull=False).count() >= 1000
    company = Company.objects.order_by("-pk").first()
    assert company in matching(Company.objects.all(), company.inn)
    from django.db import connection

    with connection.cursor() as cursor:
        present = connection.introspection.get_constraints(
            cursor, Activity._meta.db_table
        )
    assert {i.name for i in Activity._meta.indexes} <= set(present)


def test_generate_refuses_no_contacts(db):
    with pytest.raises(ValueError, match="at least 1"):
        generate(contacts=0)


@pytest.mark.parametrize("serial", [0, 1, 99_999, 123_456, 7_654_321])
def test_registration_numbers_are_valid_for_any_serial(serial):
    assert stdnum_inn.is_valid(identifiers.company_inn("7701", serial))
    assert stdnum_inn.is_valid(identifiers.person_inn("5047", serial))
    assert stdnum_ogrn.is_valid(identifiers.company_ogrn(2011, "7801", serial))
    assert stdnum_ogrn.is_valid(identifiers.person_ogrnip(2019, "6658", serial))


def test_every_phone_code_gives_valid_numbers():
    codes = set(vocabulary.MOBILE_CODES)
    for region in vocabulary.REGIONS:
        codes.update(region[3])
    for code in codes:
        for serial in (0, 1, 4_999_999, 9_999_999):
            assert _valid_phone(identifiers.phone(code, serial)), code


def test_feminine_surnames():
    assert vocabulary.feminine("Иванов") == "Иванова"
    assert vocabulary.feminine("Вишневский") == "Вишневская"
    assert vocabulary.feminine("Толстой") == "Толстая"
    assert vocabulary.feminine("Шевченко") == "Шевченко"
    assert vocabulary.translit("Щукин Ёж") == "shchukin-ezh"


def test_first_run_creates_the_administrator_once(db, settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(onboarding, "FIRST_RUN_CONTACTS", 100)
    said: list[str] = []
    first_run(echo=said.append)
    text = "\n".join(said)
    assert "http://127.0.0.1:8000/" in text
    path = tmp_path / "admin-password.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    password = path.read_text().split("admin / ")[1].split()[0]
    assert f"admin  /  {password}" in text
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.role == Role.ADMIN
    assert admin.check_password(password)
    assert User.objects.get(username="sales").check_password(password)
    assert Contact.objects.count() == 100

    said.clear()
    first_run(echo=said.append)
    assert User.objects.filter(username="admin").count() == 1
    assert Contact.objects.count() == 100
    assert password not in "\n".join(said)
    assert str(path) in "\n".join(said)


def test_first_run_leaves_an_installation_with_users_alone(
    db, settings, tmp_path, make_user
):
    settings.DATA_DIR = tmp_path
    make_user(role="admin", username="boss")
    said: list[str] = []
    first_run(echo=said.append)
    assert not (tmp_path / "admin-password.txt").exists()
    assert Contact.objects.count() == 0
    assert "changepassword" in "\n".join(said)


def test_reserved_ids_are_skipped_by_the_application(db):
    from django.db import transaction

    from crm.demo import bulk

    with transaction.atomic():
        first = bulk.reserve_ids(Contact, 10)
    created = Contact.objects.create(first_name="Анна", last_name="Иванова")
    assert created.pk == first + 10


def test_a_table_refuses_a_column_its_model_lacks():
    from crm.demo import bulk

    with pytest.raises(ValueError, match="Contact has no column nickname"):
        bulk.Table(Contact, ["first_name", "nickname"])


@pytest.mark.parametrize(
    ("total", "size", "expected"),
    [(0, 5, []), (5, 5, [5]), (11, 5, [4, 4, 3]), (10_000, 5_000, [5_000, 5_000])],
)
def test_split_into_even_batches(total, size, expected):
    from crm.demo import bulk

    assert bulk.split(total, size) == expected


def test_every_client_with_events_has_its_last_activity(db):
    from django.utils import timezone

    generate(contacts=40, seed=9)
    contact = Contact.objects.filter(activities__isnull=False).first()
    newest = (
        contact.activities.filter(occurred_at__lte=timezone.now())
        .order_by("-occurred_at")
        .first()
    )
    assert contact.last_activity_at == newest.occurred_at
    assert not Company.objects.filter(
        activities__isnull=False, last_activity_at__isnull=True
    ).exists()


# --- sales ------------------------------------------------------------------------


def test_generate_reports_the_sales_it_wrote(demo):
    from crm.sales.models import Deal, Invoice, Lead, Order, Proposal

    documents = Proposal.objects.count() + Order.objects.count()
    documents += Invoice.objects.count()
    assert demo["deals"] == Deal.objects.count() >= CONTACTS // 8
    assert demo["leads"] == Lead.objects.count() >= CONTACTS // 20
    assert demo["documents"] == documents > 0


def test_our_requisites_are_valid_for_documents(demo):
    from crm.sales.models import OwnCompany
    from crm.sales.services.documents.requisites import _account_matches

    own = OwnCompany.objects.get()
    assert own.is_default
    assert stdnum_inn.is_valid(own.inn)
    assert stdnum_ogrn.is_valid(own.ogrn)
    assert own.kpp[:4] == own.inn[:4]
    assert len(own.bank_account) == len(own.correspondent_account) == 20
    assert _account_matches(own.bik[-3:], own.bank_account)
    assert _account_matches("0" + own.bik[4:6], own.correspondent_account)


def test_the_catalogue_has_groups_units_vat_costs_and_three_price_lists(demo):
    from crm.sales.models import Price, PriceList, Product

    products = list(Product.objects.select_related("group__parent", "unit"))
    assert len(products) >= 60
    assert all(p.group.parent is not None for p in products)
    assert all(p.unit is not None and p.cost_price > 0 for p in products)
    assert {p.vat_rate.rate for p in products} == {Decimal(22), None}
    lists = {p.name: p for p in PriceList.objects.all()}
    assert lists["Розничный"].is_default
    assert lists["Экспортный"].currency == "USD"
    for product in products[:10]:
        prices = dict(
            Price.objects.filter(product=product).values_list(
                "price_list__name", "price"
            )
        )
        assert prices["Дилерский"] < prices["Розничный"]
        assert prices["Экспортный"] > 0


def test_a_deals_amount_is_the_sum_of_its_lines_as_the_services_compute_them(demo):
    from crm.sales.models import Deal
    from crm.sales.services.deals import deal_prices_include_vat, line_amounts

    deals = Deal.objects.select_related("price_list").prefetch_related("lines")
    for deal in deals:
        lines = list(deal.lines.all())
        assert 1 <= len(lines) <= 5
        assert deal.amount == sum(line.total_amount for line in lines)
        for line in lines:
            amounts = line_amounts(
                quantity=line.quantity,
                price=line.price,
                discount_percent=line.discount_percent,
                vat_rate=line.vat_rate,
                prices_include_vat=deal_prices_include_vat(deal),
            )
            assert line.net_amount == amounts.net
            assert line.vat_amount == amounts.vat
            assert line.total_amount == amounts.total
            assert line.cost_price == line.product.cost_price
        assert deal.owner.role == Role.SALES
        assert deal.search_text


def test_the_stage_history_ends_where_the_deal_stands(demo):
    from crm.sales.models import Deal, DealStatus

    deals = Deal.objects.select_related("stage").prefetch_related("stage_changes")
    statuses = set()
    for deal in deals:
        changes = list(deal.stage_changes.all())
        assert changes[0].from_stage_id is None
        assert changes[-1].to_stage_id == deal.stage_id
        for before, after in zip(changes, changes[1:], strict=False):
            assert after.from_stage_id == before.to_stage_id
            assert after.changed_at >= before.changed_at
        assert all(c.to_stage.pipeline_id == deal.pipeline_id for c in changes)
        assert deal.status == deal.stage.kind
        assert deal.probability == deal.stage.probability
        assert deal.stage_changed_at == changes[-1].changed_at
        assert deal.created_at == changes[0].changed_at
        assert deal.created_at <= timezone.now()
        if deal.status == DealStatus.OPEN:
            assert deal.closed_at is None
        else:
            assert deal.closed_at == changes[-1].changed_at
        if deal.status == DealStatus.LOST:
            assert deal.lost_reason_id is not None
        statuses.add(deal.status)
    assert statuses == set(DealStatus.values)
    assert Deal.objects.values("pipeline").distinct().count() == 2


def test_won_deals_have_an_order_an_invoice_and_a_sale_with_its_margin(demo):
    from crm.sales.models import Deal, DealStatus, Sale

    won = Deal.objects.filter(status=DealStatus.WON)
    assert won.exists()
    for deal in won:
        assert deal.closed_at is not None
        order = deal.orders.get()
        invoice = deal.invoices.get()
        assert invoice.order_id == order.pk
        assert order.date == invoice.date == timezone.localdate(deal.closed_at)
        sale = Sale.objects.get(deal=deal)
        assert sale.order_id == order.pk
        assert sale.manager_id == deal.owner_id
        assert sale.revenue == order.net_amount
        cost = sum(line.quantity * line.cost_price for line in order.lines.all())
        assert sale.cost == cost.quantize(Decimal("0.01"))
        assert sale.margin == sale.revenue - sale.cost
    assert not Sale.objects.exclude(deal__status=DealStatus.WON).exists()


def test_document_numbers_run_per_year_without_gaps(demo):
    from crm.sales.models import Invoice, NumberSequence, Order, Proposal

    for model in (Proposal, Order, Invoice):
        for year in set(model.objects.values_list("year", flat=True)):
            numbers = list(
                model.objects.filter(year=year)
                .order_by("number")
                .values_list("number", flat=True)
            )
            assert numbers == list(range(1, len(numbers) + 1))
            sequence = NumberSequence.objects.get(kind=model.number_kind, year=year)
            assert sequence.last_number == len(numbers)
            dates = list(
                model.objects.filter(year=year)
                .order_by("number")
                .values_list("date", flat=True)
            )
            assert dates == sorted(dates)
            assert {d.year for d in dates} == {year}


def test_documents_copy_their_deal_and_keep_the_parties(demo):
    from crm.sales.models import Invoice, Order, OwnCompany, Proposal
    from crm.sales.services.documents.common import (
        buyer_requisites,
        supplier_requisites,
    )

    supplier = supplier_requisites(OwnCompany.objects.get())
    for model in (Proposal, Order, Invoice):
        documents = model.objects.select_related("deal__company", "deal__contact")
        assert documents.exists()
        for document in documents.prefetch_related("lines", "deal__lines"):
            lines = list(document.lines.all())
            deal_lines = list(document.deal.lines.all())
            assert [(x.product_id, x.quantity, x.total_amount) for x in lines] == [
                (x.product_id, x.quantity, x.total_amount) for x in deal_lines
            ]
            assert document.net_amount == sum(line.net_amount for line in lines)
            assert document.vat_amount == sum(line.vat_amount for line in lines)
            assert document.total_amount == sum(line.total_amount for line in lines)
            assert document.total_amount == document.deal.amount
            assert document.parties == {
                "supplier": supplier,
                "buyer": buyer_requisites(document.deal),
            }
            assert document.company_id == document.deal.company_id


def test_invoices_are_paid_in_full_in_part_or_not_yet(demo):
    from crm.sales.models import Invoice, InvoiceStatus
    from crm.sales.services.documents.payments import invoice_status_for

    statuses = set()
    today = timezone.localdate()
    for invoice in Invoice.objects.prefetch_related("payments"):
        payments = list(invoice.payments.all())
        paid = sum((p.amount for p in payments), Decimal(0))
        assert invoice.paid_amount == paid <= invoice.total_amount
        assert invoice.status == invoice_status_for(
            total=invoice.total_amount, paid=paid
        )
        assert all(invoice.date <= p.date <= today for p in payments)
        assert invoice.due_date > invoice.date
        statuses.add(invoice.status)
    assert InvoiceStatus.PAID in statuses
    assert len(statuses) >= 2


def test_action_plans_follow_the_sales_model_with_a_task_per_step(demo):
    from crm.sales.models import DealPlanStep, PlanStepStatus, SalesModel

    model = SalesModel.objects.get(name="Комплексная поставка ИТ-решения")
    assert 5 <= model.steps.count() <= 7
    steps = DealPlanStep.objects.select_related("task", "deal", "model_step")
    assert steps.exists()
    task_status = {
        PlanStepStatus.PLANNED: TaskStatus.OPEN,
        PlanStepStatus.DONE: TaskStatus.DONE,
        PlanStepStatus.SKIPPED: TaskStatus.CANCELLED,
    }
    for step in steps:
        assert step.title == step.model_step.title
        assert step.task.status == task_status[step.status]
        assert step.task.assignee_id == step.responsible_id
        assert timezone.localdate(step.task.due_at) == step.due_date
        assert step.task.title.startswith(step.title)
        assert (step.completed_at is not None) == (step.status == PlanStepStatus.DONE)
        assert step.deal.status != "lost"


def test_every_sales_user_has_deals_closing_this_month_and_a_step_due_today(demo):
    from crm.sales.models import Deal, DealPlanStep, DealStatus, PlanStepStatus

    today = timezone.localdate()
    for user in User.objects.filter(role=Role.SALES):
        closing = Deal.objects.filter(
            owner=user,
            status=DealStatus.OPEN,
            expected_close_date__gte=today,
            expected_close_date__year=today.year,
            expected_close_date__month=today.month,
        )
        assert closing.count() >= 2, user.username
        due = DealPlanStep.objects.filter(
            responsible=user, due_date=today, status=PlanStepStatus.PLANNED
        )
        assert due.exists(), user.username
        assert Task.objects.filter(
            plan_step__in=due, assignee=user, status=TaskStatus.OPEN
        ).exists()


def test_leads_are_new_in_work_rejected_and_converted_into_deals(demo):
    from crm.sales.models import Lead, LeadStatus

    leads = Lead.objects.all()
    assert set(leads.values_list("status", flat=True)) == set(LeadStatus.values)
    for lead in leads.filter(status=LeadStatus.CONVERTED):
        deal = lead.deals.get()
        assert lead.company_id == deal.company_id
        assert lead.converted_at == deal.created_at
        assert lead.created_at < lead.converted_at
    assert not leads.filter(status=LeadStatus.REJECTED, rejection_reason="").exists()
    assert all(lead.search_text for lead in leads)
    lead = leads.exclude(last_name="").first()
    assert lead in matching(Lead.objects.all(), lead.last_name)


def test_cross_sell_suggestions_are_learnt_from_the_orders(demo):
    from crm.sales.models import ProductAffinity

    assert ProductAffinity.objects.filter(clients_both__gt=0).exists()


def test_same_seed_same_deals_and_a_rerun_numbers_on(db):
    from crm.sales.models import Deal, Invoice

    generate(contacts=80, seed=3)
    first = list(
        Deal.objects.order_by("pk").values_list("title", "amount", "status", "stage")
    )
    invoices = Invoice.objects.count()
    generate(contacts=80, seed=3)
    deals = list(
        Deal.objects.order_by("pk").values_list("title", "amount", "status", "stage")
    )
    assert deals[: len(first)] == first
    assert deals[len(first) :] == first
    assert Invoice.objects.count() == 2 * invoices
    for year in set(Invoice.objects.values_list("year", flat=True)):
        numbers = sorted(
            Invoice.objects.filter(year=year).values_list("number", flat=True)
        )
        assert numbers == list(range(1, len(numbers) + 1))
