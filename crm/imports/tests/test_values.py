import datetime as dt
from decimal import Decimal

import pytest

from crm.core.errors import DomainError
from crm.core.search import search_text as core_search_text
from crm.core.validation import clean_email, clean_phone
from crm.imports import values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31.12.2024", dt.date(2024, 12, 31)),
        ("1.2.2024", dt.date(2024, 2, 1)),
        ("31.12.24", dt.date(2024, 12, 31)),
        ("2024-12-31", dt.date(2024, 12, 31)),
        ("2024-12-31 00:00:00", dt.date(2024, 12, 31)),
        ("31/12/1980", dt.date(1980, 12, 31)),
    ],
)
def test_parse_date_reads_russian_and_iso_dates(text, expected):
    assert values.parse_date(text, field="d") == expected


@pytest.mark.parametrize("text", ["31.13.2024", "вчера", "2024-02-30"])
def test_parse_date_refuses_what_is_not_a_date(text):
    with pytest.raises(DomainError) as error:
        values.parse_date(text, field="birth_date")
    assert error.value.field == "birth_date"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,50", Decimal("1234.50")),
        ("1\u00a0234,5", Decimal("1234.5")),
        ("1234.5", Decimal("1234.5")),
        ("20%", Decimal("20")),
        ("100 руб.", Decimal("100")),
    ],
)
def test_parse_decimal_reads_decimal_commas_and_spaces(text, expected):
    assert values.parse_decimal(text, field="price") == expected


def test_parse_decimal_refuses_words_and_negative_prices():
    with pytest.raises(DomainError):
        values.parse_decimal("много", field="price")
    with pytest.raises(DomainError):
        values.parse_decimal("-5", field="price", minimum=Decimal(0))


@pytest.mark.parametrize(
    "text",
    [
        "+7 916 123-45-67",
        "8 (916) 123-45-67",
        "89161234567",
        "9161234567",
        "+7 (495) 123-45-67",
        "+1 650 253 0000",
        "+7 930 000 12 34",
        "+49 30 1234567",
        "7 916 123 45 67",
    ],
)
def test_phone_fast_path_gives_what_clean_phone_gives(text):
    assert _outcome(values.phone, text) == _outcome(clean_phone, text)


def _outcome(clean, text):
    try:
        return clean(text, field="phone")
    except DomainError:
        return "refused"


def test_phone_fast_path_agrees_with_clean_phone_on_many_numbers():
    import random

    rng = random.Random(7)
    for _ in range(3000):
        digits = "".join(rng.choice("0123456789") for _ in range(10))
        prefix = rng.choice(["+7 ", "8", "7", "", "+7(", "8 9"])
        text = prefix + digits[: 10 - (1 if prefix == "8 9" else 0)]
        assert _outcome(values.phone, text) == _outcome(clean_phone, text), text


def test_phone_fast_path_agrees_with_clean_phone_on_every_mobile_prefix():
    tails = ["0000000", "0012345", "0300000", "0512345", "1234567", "9999999"]
    for code in range(900, 1000):
        for tail in tails:
            text = f"+7 {code} {tail}"
            assert _outcome(values.phone, text) == _outcome(clean_phone, text), text


def test_phone_refuses_what_clean_phone_refuses():
    with pytest.raises(DomainError):
        values.phone("12345", field="phone")


@pytest.mark.parametrize(
    "text",
    [
        "Ivan.Petrov@Mail.RU",
        "a+b@example.com",
        "ivan@sub.domain.org",
        "o'neil@example.co.uk",
        "иван@почта.рф",
        "user@xn--80ak6aa92e.com",
    ],
)
def test_email_fast_path_gives_what_clean_email_gives(text):
    assert values.email(text, field="email") == clean_email(text)


@pytest.mark.parametrize(
    "text",
    ["ivan@", "ivan@localhost", "a..b@example.com", "ivan@host.test", "x y@z.ru"],
)
def test_email_refuses_what_clean_email_refuses(text):
    with pytest.raises(DomainError):
        clean_email(text)
    with pytest.raises(DomainError):
        values.email(text, field="email")


def test_search_text_is_the_one_core_builds():
    texts = ["Иванов", "Пётр", "ivan@example.com"]
    phones = ["+79161234567", "+16502530000"]
    assert values.search_text(texts=texts, phones=phones) == core_search_text(
        texts=texts, phones=phones
    )
