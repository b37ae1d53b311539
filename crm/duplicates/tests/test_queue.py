"""Filling the queue: the full scan, its idempotence, and the check of new records."""

import datetime as dt

import pytest

from crm.customers.services import company_create, contact_create, contact_update
from crm.customers.tests.factories import CompanyFactory, ContactFactory
from crm.duplicates.models import DuplicatePair, PairStatus
from crm.duplicates.services import duplicates_scan, pair_dismiss

pytestmark = pytest.mark.django_db


def _pairs(entity="contact"):
    return {(p.a_id, p.b_id): p for p in DuplicatePair.objects.filter(entity=entity)}


def test_duplicates_scan_fills_the_queue_with_score_and_reasons(manager):
    # given
    a = ContactFactory(last_name="Иванов", first_name="Сергей", email="s@x.ru")
    b = ContactFactory(last_name="Ivanov", first_name="Sergey", email="S@x.ru")
    ContactFactory(last_name="Петров", first_name="Олег")
    # when
    result = duplicates_scan(entity="contacts")
    # then
    pair = _pairs()[(a.pk, b.pk)]
    assert pair.decision == "duplicate"
    assert "name_transliterated" in pair.reasons
    assert result.created == 1


def test_duplicates_scan_twice_does_not_double_the_queue(manager):
    ContactFactory(last_name="Иванов", first_name="Сергей", email="s@x.ru")
    ContactFactory(last_name="Иванов", first_name="Сергей", email="s@x.ru")
    duplicates_scan(entity="contacts")
    again = duplicates_scan(entity="contacts")
    assert DuplicatePair.objects.count() == 1
    assert again.created == 0


def test_duplicates_scan_keeps_a_pair_marked_not_a_duplicate(admin_user):
    a = ContactFactory(last_name="Иванов", first_name="Сергей", email="s@x.ru")
    b = ContactFactory(last_name="Иванов", first_name="Сергей", email="s@x.ru")
    duplicates_scan(entity="contacts")
    pair_dismiss(actor=admin_user, pair=_pairs()[(a.pk, b.pk)])
    result = duplicates_scan(entity="contacts")
    assert _pairs()[(a.pk, b.pk)].status == PairStatus.DISMISSED
    assert result.kept_dismissed == 1


def test_duplicates_scan_drops_open_pairs_it_no_longer_finds(manager):
    a = ContactFactory(last_name="Иванов", first_name="Сергей", email="s@x.ru")
    b = ContactFactory(last_name="Иванов", first_name="Сергей", email="s@x.ru")
    duplicates_scan(entity="contacts")
    type(b).objects.filter(pk=b.pk).update(
        last_name="Петров", first_name="Олег", email="o@y.ru"
    )
    result = duplicates_scan(entity="contacts")
    assert (a.pk, b.pk) not in _pairs()
    assert result.removed == 1


def test_duplicates_scan_finds_companies_by_inn(manager):
    first = CompanyFactory(name="ООО «Ромашка»")
    second = CompanyFactory(name="Romashka LLC", inn=first.inn)
    duplicates_scan(entity="companies")
    assert _pairs("company")[(first.pk, second.pk)].decision == "duplicate"


def test_contact_create_flags_a_likely_duplicate(
    manager, django_capture_on_commit_callbacks
):
    # given an existing contact
    old = contact_create(
        actor=manager,
        last_name="Кузнецов",
        first_name="Дмитрий",
        email="kuznetsov@example.com",
    )
    # when a manager types the same person in Latin letters
    with django_capture_on_commit_callbacks(execute=True):
        new = contact_create(
            actor=manager,
            last_name="Kuznetsov",
            first_name="Dmitry",
            email="kuznetsov@example.com",
        )
    # then the pair is queued by the background check
    pair = _pairs()[(old.pk, new.pk)]
    assert pair.source == "new"
    assert pair.decision == "duplicate"


def test_contact_create_flags_a_namesake_written_in_cyrillic(
    manager, django_capture_on_commit_callbacks
):
    old = contact_create(
        actor=manager,
        last_name="Smirnova",
        first_name="Olga",
        birth_date=dt.date(1985, 1, 2),
    )
    with django_capture_on_commit_callbacks(execute=True):
        new = contact_create(
            actor=manager,
            last_name="Смирнова",
            first_name="Ольга",
            birth_date=dt.date(1985, 1, 2),
        )
    assert _pairs()[(old.pk, new.pk)].decision == "duplicate"


def test_contact_update_of_a_name_rechecks_it(
    manager, django_capture_on_commit_callbacks
):
    old = contact_create(
        actor=manager, last_name="Попов", first_name="Андрей", phone="+79031112233"
    )
    other = contact_create(actor=manager, last_name="Орлов", first_name="Иван")
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(
            actor=manager,
            contact=other,
            last_name="Попов",
            first_name="Андрей",
            phone="+79031112233",
        )
    assert (old.pk, other.pk) in _pairs()


def test_company_create_flags_the_same_inn(manager, django_capture_on_commit_callbacks):
    old = company_create(actor=manager, name="ООО «Ромашка»", inn="7707083893")
    with django_capture_on_commit_callbacks(execute=True):
        new = company_create(actor=manager, name="Ромашка", inn="7707083893")
    assert _pairs("company")[(old.pk, new.pk)].decision == "duplicate"


def test_imported_batch_event_flags_its_rows(
    manager, django_capture_on_commit_callbacks
):
    from crm.core import events
    from crm.customers.models import Contact

    old = ContactFactory(last_name="Иванов", first_name="Сергей", email="s@x.ru")
    with django_capture_on_commit_callbacks(execute=True):
        new = ContactFactory(last_name="Иванов", first_name="Сергей", email="s@x.ru")
        events.emit_batch("contact.imported", Contact, [new.pk], actor=manager)
    assert (old.pk, new.pk) in _pairs()


def test_company_create_flags_a_transliterated_name(
    manager, django_capture_on_commit_callbacks
):
    old = company_create(actor=manager, name='ООО "Ромашка"')
    with django_capture_on_commit_callbacks(execute=True):
        new = company_create(actor=manager, name="Romashka LLC")
    pair = _pairs("company")[(old.pk, new.pk)]
    assert pair.decision == "possible"
    assert "name_transliterated" in pair.reasons


def test_contact_create_flags_a_swapped_name_found_by_search(
    manager, django_capture_on_commit_callbacks
):
    old = contact_create(
        actor=manager, last_name="Орлов", first_name="Иван", middle_name="Петрович"
    )
    with django_capture_on_commit_callbacks(execute=True):
        new = contact_create(
            actor=manager, last_name="Иван", first_name="Орлов", middle_name="Петрович"
        )
    assert "names_swapped" in _pairs()[(old.pk, new.pk)].reasons


def test_contact_delete_drops_its_open_pairs_and_restore_brings_them_back(
    manager, admin_user, django_capture_on_commit_callbacks
):
    from crm.core.services import record_restore
    from crm.customers.services import contact_delete

    old = ContactFactory(last_name="Иванов", first_name="Сергей", email="s@x.ru")
    new = ContactFactory(
        last_name="Иванов", first_name="Сергей", email="s@x.ru", curator=manager
    )
    duplicates_scan(entity="contacts")
    with django_capture_on_commit_callbacks(execute=True):
        contact_delete(actor=manager, contact=new)
    assert (old.pk, new.pk) not in _pairs()
    with django_capture_on_commit_callbacks(execute=True):
        record_restore(actor=admin_user, obj=type(new).all_objects.get(pk=new.pk))
    assert (old.pk, new.pk) in _pairs()
