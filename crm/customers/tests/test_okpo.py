"""OKPO of a company: checked, saved through the form and the API, shown on the card,
and never changed through a company the user may not edit."""

import pytest
from django.urls import reverse

from crm.core.errors import DomainError
from crm.core.validation import clean_okpo
from crm.customers.models import Company
from crm.customers.tests.factories import CompanyFactory
from crm.customers.tests.test_views import _company_post


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("", ""),
        ("00032537", "00032537"),  # Сбербанк
        (" 0004 0778 ", "00040778"),  # Газпром, typed with spaces
        ("0123456789", "0123456789"),
    ],
)
def test_valid_okpo_codes_are_kept_as_digits(value, stored):
    assert clean_okpo(value) == stored


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("00032538", "check digit"),
        ("0123456780", "check digit"),
        ("1234567", "8 digits"),
        ("123456789", "8 digits"),
        ("0003253A", "8 digits"),
    ],
)
def test_wrong_okpo_codes_are_refused_with_the_reason(value, message):
    with pytest.raises(DomainError, match=message):
        clean_okpo(value)


def test_the_company_form_saves_the_okpo_and_the_card_shows_it(client, manager):
    client.force_login(manager)

    response = client.post(
        reverse("customers:company-create"),
        _company_post(okpo="00032537", curator=manager.pk),
    )

    company = Company.objects.get()
    assert response.status_code == 302
    assert company.okpo == "00032537"
    card = client.get(company.get_absolute_url()).content.decode()
    assert "00032537" in card
    form = client.get(reverse("customers:company-update", args=[company.pk]))
    assert 'value="00032537"' in form.content.decode()


def test_the_company_form_shows_a_wrong_okpo_on_its_field(client, manager):
    client.force_login(manager)

    response = client.post(
        reverse("customers:company-create"),
        _company_post(okpo="00032538", curator=manager.pk),
    )

    assert response.status_code == 200
    assert "check digit" in response.content.decode()
    assert not Company.objects.exists()


def test_the_api_takes_and_gives_the_okpo(api_client, manager):
    api = api_client(manager)

    created = api.post("companies", {"name": "Альфа", "okpo": "00040778"})
    wrong = api.patch(f"companies/{created.json()['id']}", {"okpo": "1"})

    assert created.status_code == 201
    assert created.json()["okpo"] == "00040778"
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "okpo"]
    assert Company.objects.get().okpo == "00040778"


def test_the_okpo_of_another_managers_client_cannot_be_changed(
    api_client, manager, other_manager
):
    company = CompanyFactory(curator=other_manager, okpo="00032537")

    response = api_client(manager).patch(
        f"companies/{company.pk}", {"okpo": "00040778"}
    )

    assert response.status_code == 404
    company.refresh_from_db()
    assert company.okpo == "00032537"
