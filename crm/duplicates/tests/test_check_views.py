"""The "Possible duplicates" panel of the create and edit forms, and the warning on
the card right after a save."""

import pytest
from django.urls import reverse

from crm.customers.models import Contact
from crm.customers.tests.factories import CompanyFactory, ContactFactory
from crm.duplicates.models import DuplicatePair

pytestmark = pytest.mark.django_db


def _panel(client, entity, **values):
    return client.post(
        reverse("duplicates:record-check", args=[entity]),
        values,
        HTTP_HX_REQUEST="true",
    )


def test_panel_names_the_duplicate_with_reasons_in_words(client, manager):
    # given
    known = ContactFactory(
        curator=manager, last_name="Зайцев", first_name="Олег", email="z@example.com"
    )
    client.force_login(manager)
    # when
    response = _panel(
        client, "contact", last_name="Зайцев", first_name="Олег", email="z@example.com"
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Possible duplicates" in html
    assert f'href="{known.get_absolute_url()}"' in html
    assert "same e-mail" in html
    assert "same name" in html
    assert "You can still save." in html


def test_panel_is_empty_when_nothing_looks_alike(client, manager):
    ContactFactory(curator=manager, email="z@example.com")
    client.force_login(manager)
    response = _panel(client, "contact", first_name="Олег", email="other@example.com")
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_panel_does_not_name_a_record_the_user_may_not_see(
    client, manager, other_manager
):
    CompanyFactory(curator=other_manager, name="Чужая", inn="7707083893")
    client.force_login(manager)
    response = _panel(client, "company", name="Чужая", inn="7707083893")
    assert response.status_code == 200
    assert "Чужая" not in response.content.decode()


def test_panel_leaves_out_the_record_being_edited(client, manager):
    record = CompanyFactory(curator=manager, inn="7707083893")
    client.force_login(manager)
    response = _panel(
        client, "company", name=record.name, inn=record.inn, exclude=str(record.pk)
    )
    assert response.content.decode().strip() == ""


def test_panel_needs_a_signed_in_user_and_a_post(client, manager):
    url = reverse("duplicates:record-check", args=["contact"])
    assert client.post(url, {"email": "z@example.com"}).status_code == 302
    client.force_login(manager)
    assert client.get(url).status_code == 405
    bad = reverse("duplicates:record-check", args=["deal"])
    assert client.post(bad, {}).status_code == 404


@pytest.mark.parametrize(
    ("url_name", "entity"),
    [("customers:contact-create", "contact"), ("customers:company-create", "company")],
)
def test_forms_load_the_panel_as_the_user_types(client, manager, url_name, entity):
    client.force_login(manager)
    html = client.get(reverse(url_name)).content.decode()
    assert 'id="duplicates-check"' in html
    assert f'hx-post="{reverse("duplicates:record-check", args=[entity])}"' in html
    assert "from:#id_email" in html


def test_edit_form_leaves_the_record_out_of_its_own_check(client, manager):
    record = ContactFactory(curator=manager)
    client.force_login(manager)
    html = client.get(
        reverse("customers:contact-update", args=[record.pk])
    ).content.decode()
    assert f'"exclude": "{record.pk}"' in html


def test_card_after_saving_a_duplicate_shows_the_warning_at_once(
    client, manager, monkeypatch, django_capture_on_commit_callbacks
):
    # given a client, and the background job out of reach (it must not be needed)
    known = ContactFactory(
        curator=manager, last_name="Белов", first_name="Игорь", email="b@example.com"
    )
    queued = []
    monkeypatch.setattr(
        "crm.duplicates.tasks.duplicates_check_records",
        lambda *args: queued.append(args),
    )
    client.force_login(manager)
    # when the same person is saved again through the form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("customers:contact-create"),
            {
                "last_name": "Белов",
                "first_name": "Игорь",
                "email": "b@example.com",
                "curator": manager.pk,
                "phones-TOTAL_FORMS": "0",
                "phones-INITIAL_FORMS": "0",
                "emails-TOTAL_FORMS": "0",
                "emails-INITIAL_FORMS": "0",
                "companies-TOTAL_FORMS": "0",
                "companies-INITIAL_FORMS": "0",
            },
        )
    # then it is saved, and the card it leads to already warns
    assert response.status_code == 302, response.content.decode()[:2000]
    new = Contact.objects.exclude(pk=known.pk).get()
    assert DuplicatePair.objects.filter(a_id=known.pk, b_id=new.pk).exists()
    assert queued == []
    card = client.get(response["Location"]).content.decode()
    assert 'id="duplicates-panel"' in card
    assert f'href="{known.get_absolute_url()}"' in card
