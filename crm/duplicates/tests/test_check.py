"""The check of one record as it is typed or saved: `likely_duplicates`."""

import datetime as dt

import pytest

from crm.customers.models import ContactPointKind
from crm.customers.tests.factories import (
    CompanyFactory,
    ContactFactory,
    ContactPointFactory,
)
from crm.duplicates.selectors import likely_duplicates, record_likely_duplicates

pytestmark = pytest.mark.django_db


def _check(actor, entity="contacts", exclude_id=None, **values):
    return likely_duplicates(
        actor=actor, entity=entity, values=values, exclude_id=exclude_id
    )


def test_an_e_mail_in_other_letter_case_finds_the_contact(manager):
    # given
    known = ContactFactory(
        curator=manager,
        last_name="Иванов",
        first_name="Сергей",
        email="ivanov@example.com",
    )
    # when
    found = _check(
        manager, last_name="Иванов", first_name="Сергей", email=" Ivanov@Example.COM "
    )
    # then
    assert [f.record for f in found] == [known]
    assert found[0].decision == "duplicate"
    assert "same_email" in found[0].reasons
    assert found[0].name == "Иванов Сергей"


def test_a_phone_typed_loosely_finds_the_contact(manager):
    known = ContactFactory(curator=manager, phone="+79161234567")
    found = _check(
        manager,
        last_name=known.last_name,
        first_name=known.first_name,
        phone="8 (916) 123-45-67",
    )
    assert [f.id for f in found] == [known.pk]
    assert "same_phone" in found[0].reasons


def test_a_transliterated_name_with_the_birth_date_is_found_through_search(manager):
    known = ContactFactory(
        curator=manager,
        last_name="Кузнецов",
        first_name="Дмитрий",
        birth_date=dt.date(1980, 5, 1),
    )
    ContactFactory(curator=manager, last_name="Кузнецов", first_name="Олег")
    found = _check(
        manager, last_name="Kuznetsov", first_name="Dmitry", birth_date="1980-05-01"
    )
    assert [f.record for f in found] == [known]
    assert {"name_transliterated", "same_birth_date"} <= set(found[0].reasons)


def test_a_name_alone_is_not_a_duplicate(manager):
    ContactFactory(curator=manager, last_name="Кузнецов", first_name="Дмитрий")
    assert _check(manager, last_name="Кузнецов", first_name="Дмитрий") == []


def test_a_further_e_mail_of_a_contact_counts_as_its_e_mail(manager):
    known = ContactFactory(curator=manager, email="work@example.com")
    ContactPointFactory(
        contact=known, kind=ContactPointKind.EMAIL, value="home@example.com"
    )
    found = _check(
        manager,
        last_name=known.last_name,
        first_name=known.first_name,
        email="home@example.com",
    )
    assert [f.record for f in found] == [known]
    assert "same_email" in found[0].reasons


def test_a_half_typed_e_mail_is_neither_looked_up_nor_different(manager):
    ContactFactory(
        curator=manager,
        last_name="Соколова",
        first_name="Анна",
        email="sokolova@example.com",
        birth_date=dt.date(1990, 1, 2),
    )
    assert _check(manager, email="sokolova@exam") == []
    found = _check(
        manager,
        last_name="Соколова",
        first_name="Анна",
        birth_date="1990-01-02",
        email="sokolova@exam",
    )
    assert "different_emails" not in found[0].reasons


def test_a_company_with_the_same_inn_is_a_duplicate(manager):
    known = CompanyFactory(curator=manager, name="ООО «Ромашка»", inn="7707083893")
    found = _check(manager, "companies", name="Ромашка", inn="7707083893")
    assert [f.record for f in found] == [known]
    assert found[0].decision == "duplicate"
    assert "same_inn" in found[0].reasons


def test_a_company_name_in_latin_letters_is_a_possible_duplicate(manager):
    known = CompanyFactory(curator=manager, name='ООО "Ромашка"', inn="")
    found = _check(manager, "companies", name="Romashka LLC")
    assert [f.record for f in found] == [known]
    assert found[0].decision == "possible"
    assert "name_transliterated" in found[0].reasons


def test_another_managers_client_is_not_named(manager, other_manager, admin_user):
    # given a client of another manager with the e-mail being typed
    theirs = ContactFactory(curator=other_manager, email="client@example.com")
    values = {"first_name": theirs.first_name, "email": "client@example.com"}
    # then the manager, who sees only his own clients, is told nothing
    assert _check(manager, **values) == []
    # and an administrator, who sees everyone, is told
    assert [f.record for f in _check(admin_user, **values)] == [theirs]


def test_a_saved_record_is_not_its_own_duplicate(manager):
    record = ContactFactory(curator=manager, email="same@example.com")
    twin = ContactFactory(curator=manager, email="same@example.com")
    found = _check(
        manager,
        exclude_id=record.pk,
        last_name=record.last_name,
        first_name=record.first_name,
        email="same@example.com",
    )
    assert [f.record for f in found] == [twin]
    assert [f.record for f in record_likely_duplicates(actor=manager, obj=record)] == [
        twin
    ]


def test_trashed_records_are_left_out(manager):
    from django.utils import timezone

    ContactFactory(curator=manager, email="gone@example.com", deleted_at=timezone.now())
    assert _check(manager, first_name="Иван", email="gone@example.com") == []


def test_at_most_five_best_first(manager):
    for n in range(7):
        ContactFactory(
            curator=manager,
            last_name="Смирнов",
            first_name="Павел",
            phone="+79160000000",
            email="smirnov@example.com" if n == 3 else "",
        )
    found = _check(
        manager,
        last_name="Смирнов",
        first_name="Павел",
        phone="+79160000000",
        email="smirnov@example.com",
    )
    assert len(found) == 5
    assert found[0].record.email == "smirnov@example.com"
    assert [f.score for f in found] == sorted((f.score for f in found), reverse=True)


def test_empty_values_cost_no_query(manager, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert _check(manager, first_name="", email="") == []


def test_the_check_costs_a_bounded_number_of_queries(
    manager, django_assert_max_num_queries
):
    # given many records found by every lookup at once
    for n in range(30):
        ContactFactory(
            curator=manager,
            last_name="Петров",
            first_name="Иван",
            email="petrov@example.com" if n % 2 else "",
            phone="+79161112233",
        )
    values = {
        "last_name": "Петров",
        "first_name": "Иван",
        "email": "petrov@example.com",
        "phone": "+7 916 111-22-33",
    }
    # then the lookups, the candidates and the five records shown are few queries,
    # whatever their number
    with django_assert_max_num_queries(8):
        found = _check(manager, **values)
    assert len(found) == 5


def test_an_unknown_entity_is_refused(manager):
    from crm.core.errors import DomainError

    with pytest.raises(DomainError):
        _check(manager, "deals", name="x")


@pytest.mark.parametrize(
    ("entity", "values"),
    [
        (
            "contacts",
            {
                "last_name": "Петров",
                "first_name": "Иван",
                "email": "petrov@example.com",
                "phone": "+79161112233",
            },
        ),
        (
            "companies",
            {
                "name": "ООО «Ромашка»",
                "inn": "7707083893",
                "email": "office@romashka.ru",
                "phone": "+74951234567",
            },
        ),
    ],
)
def test_every_query_of_the_check_reads_an_index(manager, entity, values):
    """Whatever statistics the planner has (none here, as on a table just filled),
    no query of the check walks a whole table of a million rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ContactFactory(curator=manager, last_name="Петров", first_name="Иван")
    CompanyFactory(curator=manager, name="ООО «Ромашка»", inn="7707083893")
    _check(manager, entity)  # visibility rules read and cached
    with CaptureQueriesContext(connection) as captured:
        _check(manager, entity, **values)
    queries = [q["sql"] for q in captured.captured_queries if "customers_" in q["sql"]]
    assert len(queries) >= 4
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Tiny test tables are read whole anyway: ask whether an index can serve.
            cursor.execute("SET LOCAL enable_seqscan = off")
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        for sql in queries:
            cursor.execute(prefix + sql)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "Seq Scan" not in plan, (sql, plan)
            walks = [
                line
                for line in plan.splitlines()
                if line.startswith("SCAN ") and "VIRTUAL TABLE" not in line
            ]
            assert not walks, (sql, plan)
            if connection.vendor == "sqlite":
                # The trap of a table without statistics: the list index read
                # for `deleted_at IS NULL` alone, i.e. every live row.
                assert "(deleted_at=?)" not in plan, (sql, plan)


def test_a_further_e_mail_of_the_typed_record_finds_the_contact(manager):
    # given a contact whose main e-mail the new record has only as a further one
    known = ContactFactory(
        curator=manager, last_name="Орлов", first_name="Пётр", email="p@orlov.ru"
    )
    # when the main e-mail is another and the further rows of the form hold it
    found = _check(
        manager,
        last_name="Орлов",
        first_name="Пётр",
        email="petr@work.ru",
        **{"emails-0-value": "", "emails-1-value": "P@Orlov.ru"},
    )
    # then it is found, as a duplicate by that e-mail
    assert [f.record for f in found] == [known]
    assert "same_email" in found[0].reasons


def test_further_phones_of_an_api_body_are_checked(manager):
    known = ContactFactory(curator=manager, phone="+79161112233")
    found = _check(
        manager,
        last_name=known.last_name,
        first_name=known.first_name,
        phones=["+7 916 000-00-00", "8 916 111-22-33"],
    )
    assert [f.record for f in found] == [known]
    assert "same_phone" in found[0].reasons


def test_a_saved_record_is_checked_with_its_further_phones(manager):
    known = ContactFactory(curator=manager, phone="+79162223344")
    new = ContactFactory(
        curator=manager, last_name=known.last_name, first_name=known.first_name
    )
    ContactPointFactory(contact=new, kind=ContactPointKind.PHONE, value="+79162223344")
    found = record_likely_duplicates(actor=manager, obj=new)
    assert [f.record for f in found] == [known]
