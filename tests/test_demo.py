"""The demo dataset: valid, searchable, deterministic, repeatable, and first_run."""

from __future__ import annotations

import datetime as dt
import stat

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
