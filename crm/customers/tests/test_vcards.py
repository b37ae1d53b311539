"""vCard export of contacts: one from the card, many from the list's filters."""

import datetime as dt

import pytest
import vobject
from django.urls import reverse

from crm.customers.tests.factories import (
    CompanyFactory,
    ContactFactory,
    ContactPointFactory,
    EmploymentFactory,
)


@pytest.fixture
def olga(manager):
    contact = ContactFactory(
        last_name="Смирнова",
        first_name="Ольга",
        middle_name="Петровна",
        email="olga@romashka.example",
        phone="+79161234567",
        address="101000, Москва, ул. Мясницкая, д. 1, офис 5",
        birth_date=dt.date(1985, 3, 8),
        description="Любит звонки утром; решает всё сама",
        curator=manager,
    )
    EmploymentFactory(
        contact=contact,
        company=CompanyFactory(name="ООО «Ромашка»", curator=manager),
        job_title="Главный бухгалтер",
    )
    ContactPointFactory(contact=contact, value="+74951234567", label="рабочий")
    ContactPointFactory(
        contact=contact, kind="email", value="o.smirnova@mail.example", label=""
    )
    return contact


def _cards(response) -> list:
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    return list(vobject.readComponents(content.decode("utf-8")))


def test_a_contact_card_downloads_as_a_vcard_with_every_field(client, manager, olga):
    client.force_login(manager)

    response = client.get(reverse("customers:contact-vcard", args=[olga.pk]))

    card = _cards(response)[0]
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert card.version.value == "3.0"
    assert card.fn.value == "Смирнова Ольга Петровна"
    assert card.n.value.family == "Смирнова"
    assert card.n.value.given == "Ольга"
    assert card.n.value.additional == "Петровна"
    assert card.org.value == ["ООО «Ромашка»"]
    assert card.title.value == "Главный бухгалтер"
    assert [t.value for t in card.tel_list] == ["+79161234567", "+74951234567"]
    assert card.tel_list[0].params["TYPE"] == ["WORK", "VOICE", "PREF"]
    assert [e.value for e in card.email_list] == [
        "olga@romashka.example",
        "o.smirnova@mail.example",
    ]
    assert card.adr.value.street == "101000, Москва, ул. Мясницкая, д. 1, офис 5"
    assert card.bday.value == "1985-03-08"
    assert card.note.value == "Любит звонки утром; решает всё сама"
    assert card.uid.value == f"crm-contact-{olga.pk}"
    assert card.url.value.endswith(olga.get_absolute_url())


def test_a_vcard_4_is_given_on_request(client, manager, olga):
    client.force_login(manager)

    response = client.get(
        reverse("customers:contact-vcard", args=[olga.pk]), {"version": "4.0"}
    )

    card = _cards(response)[0]
    assert card.version.value == "4.0"
    assert card.tel_list[0].value == "tel:+79161234567"


def test_a_mobile_label_makes_a_cell_phone(client, manager, olga):
    ContactPointFactory(contact=olga, value="+79031112233", label="Мобильный")
    client.force_login(manager)

    response = client.get(reverse("customers:contact-vcard", args=[olga.pk]))

    cell = [t for t in _cards(response)[0].tel_list if t.value == "+79031112233"]
    assert cell[0].params["TYPE"] == ["CELL", "VOICE"]


def test_someone_elses_contact_is_not_found(client, other_manager, olga):
    client.force_login(other_manager)

    response = client.get(reverse("customers:contact-vcard", args=[olga.pk]))

    assert response.status_code == 404


def test_the_list_export_holds_only_the_contacts_the_user_sees(
    client, manager, other_manager, olga
):
    ContactFactory(last_name="Чужой", curator=other_manager)
    client.force_login(manager)

    response = client.get(reverse("customers:contact-vcard-list"))

    assert [c.fn.value for c in _cards(response)] == ["Смирнова Ольга Петровна"]


def test_the_list_export_follows_the_list_filters(client, admin_user, olga):
    ContactFactory(last_name="Иванов", first_name="Пётр")
    client.force_login(admin_user)

    response = client.get(reverse("customers:contact-vcard-list"), {"q": "Иванов"})

    assert [c.fn.value for c in _cards(response)] == ["Иванов Пётр"]


def test_the_list_export_costs_the_same_queries_for_many_contacts(
    client, admin_user, django_assert_max_num_queries
):
    for _n in range(30):
        contact = ContactFactory()
        EmploymentFactory(contact=contact)
        ContactPointFactory(contact=contact)
    client.force_login(admin_user)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("customers:contact-vcard-list"))
        cards = _cards(response)

    assert len(cards) == 30


def test_the_contacts_list_offers_the_vcard_export(client, manager):
    client.force_login(manager)

    response = client.get(reverse("customers:contact-list"))

    assert reverse("customers:contact-vcard-list").encode() in response.content
