"""Pages of duplicates: the queue, the comparison and merge, the merges list and
the warning on a card."""

import pytest
from django.urls import reverse

from crm.activities.tests.factories import ActivityFactory
from crm.customers.models import Contact
from crm.customers.tests.factories import ContactFactory
from crm.duplicates.models import Merge, PairStatus
from crm.duplicates.tests.factories import DuplicatePairFactory

pytestmark = pytest.mark.django_db


def _pair(a, b, **fields):
    a, b = sorted((a.pk, b.pk))
    return DuplicatePairFactory(a_id=a, b_id=b, **fields)


def test_pair_list_shows_the_pair_with_its_reasons(
    client, manager, django_assert_max_num_queries
):
    a = ContactFactory(curator=manager, last_name="Иванов", first_name="Сергей")
    b = ContactFactory(curator=manager, last_name="Ivanov", first_name="Sergey")
    for _ in range(10):
        _pair(ContactFactory(curator=manager), ContactFactory(curator=manager))
    pair = _pair(a, b, reasons=["name_transliterated"], score=0.99)
    client.force_login(manager)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("duplicates:pair-list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="pair-{pair.pk}"' in html
    assert "transliteration of the same name" in html
    assert "Ivanov Sergey" in html


def test_pair_list_hides_another_managers_client(client, manager, other_manager):
    theirs = ContactFactory(curator=other_manager, last_name="Чужой")
    _pair(ContactFactory(curator=manager), theirs)
    client.force_login(manager)
    html = client.get(reverse("duplicates:pair-list")).content.decode()
    assert "Чужой" not in html
    assert "No possible duplicates here." in html


def test_pair_dismiss_page_marks_it(client, manager):
    pair = _pair(ContactFactory(curator=manager), ContactFactory(curator=manager))
    client.force_login(manager)
    response = client.post(reverse("duplicates:pair-dismiss", args=[pair.pk]))
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == PairStatus.DISMISSED


def test_merge_page_compares_the_records_and_what_they_own(client, manager):
    a = ContactFactory(curator=manager, email="a@x.ru")
    b = ContactFactory(curator=manager, phone="+79161234567")
    ActivityFactory(contact=b)
    pair = _pair(a, b)
    client.force_login(manager)
    response = client.get(
        reverse("duplicates:pair-compare", args=[pair.pk]), follow=True
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="merge-table"' in html
    assert "a@x.ru" in html
    assert "+7 916 123-45-67" in html
    assert "Activities" in html


def test_merge_page_merges_with_the_chosen_values(client, manager):
    a = ContactFactory(curator=manager, email="a@x.ru", first_name="Анна")
    b = ContactFactory(curator=manager, email="b@x.ru", first_name="Анна")
    client.force_login(manager)
    response = client.post(
        reverse("duplicates:merge"),
        {"entity": "contact", "ids": [a.pk, b.pk], "survivor": a.pk, "f:email": b.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == a.get_absolute_url()
    assert Contact.objects.get(pk=a.pk).email == "b@x.ru"
    assert not Contact.objects.filter(pk=b.pk).exists()


def test_merge_page_answers_404_for_another_managers_record(
    client, manager, other_manager
):
    a = ContactFactory(curator=manager)
    b = ContactFactory(curator=other_manager)
    client.force_login(manager)
    url = reverse("duplicates:merge") + f"?entity=contact&ids={a.pk}&ids={b.pk}"
    assert client.get(url).status_code == 404
    response = client.post(
        reverse("duplicates:merge"), {"entity": "contact", "ids": [a.pk, b.pk]}
    )
    assert response.status_code == 404
    assert Contact.objects.filter(pk=b.pk).exists()


def test_merge_list_is_for_administrators_and_undoes(client, manager, admin_user):
    a, b = ContactFactory(curator=manager), ContactFactory(curator=manager)
    client.force_login(manager)
    client.post(
        reverse("duplicates:merge"),
        {"entity": "contact", "ids": [a.pk, b.pk], "survivor": a.pk},
    )
    assert client.get(reverse("duplicates:merge-list")).status_code == 403
    merge = Merge.objects.get()
    client.force_login(admin_user)
    assert client.get(reverse("duplicates:merge-list")).status_code == 200
    response = client.post(reverse("duplicates:merge-undo", args=[merge.pk]))
    assert response.status_code == 302
    assert Contact.objects.filter(pk=b.pk).exists()


def test_contact_card_warns_of_a_possible_duplicate(client, manager):
    a = ContactFactory(curator=manager)
    b = ContactFactory(curator=manager, last_name="Двойников")
    pair = _pair(a, b)
    client.force_login(manager)
    html = client.get(a.get_absolute_url()).content.decode()
    assert 'id="duplicates-panel"' in html
    assert "Двойников" in html
    assert reverse("duplicates:pair-compare", args=[pair.pk]) in html


def test_contact_card_has_no_warning_without_pairs(client, manager):
    a = ContactFactory(curator=manager)
    client.force_login(manager)
    html = client.get(a.get_absolute_url()).content.decode()
    assert 'id="duplicates-panel"' not in html
