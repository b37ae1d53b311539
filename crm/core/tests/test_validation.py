import pytest

from crm.core.errors import DomainError
from crm.core.validation import (
    clean_email,
    clean_inn,
    clean_kpp,
    clean_ogrn,
    clean_phone,
    format_phone,
)


def test_clean_inn_accepts_organisation_and_person_numbers():
    assert clean_inn(" 7707083893 ") == "7707083893"
    assert clean_inn("500100732259") == "500100732259"
    assert clean_inn("") == ""


@pytest.mark.parametrize(
    "value", ["7707083894", "12345", "77070838ab", "5001007322590"]
)
def test_clean_inn_refuses_a_bad_number_naming_the_field(value):
    with pytest.raises(DomainError) as error:
        clean_inn(value)
    assert error.value.field == "inn"


def test_clean_kpp_and_ogrn():
    assert clean_kpp("773601001") == "773601001"
    assert clean_ogrn("1027700132195") == "1027700132195"
    with pytest.raises(DomainError):
        clean_kpp("77360100")
    with pytest.raises(DomainError):
        clean_ogrn("1027700132196")


def test_clean_phone_stores_e164_and_formats_for_reading():
    assert clean_phone("8 (916) 123-45-67") == "+79161234567"
    assert clean_phone("+44 20 7946 0958") == "+442079460958"
    assert format_phone("+79161234567") == "+7 916 123-45-67"
    with pytest.raises(DomainError) as error:
        clean_phone("12345", field="phone")
    assert error.value.field == "phone"


def test_clean_email_normalises_and_refuses_garbage():
    assert clean_email("Ivan@Example.COM") == "Ivan@example.com"
    with pytest.raises(DomainError):
        clean_email("ivan@")


def test_messages_follow_the_active_language():
    from django.utils import translation

    with translation.override("ru"), pytest.raises(DomainError) as error:
        clean_inn("7707083894")
    assert "ИНН" in str(error.value.message)
