"""How Russian documents write money, dates and the total in words.

Documents (PDF) are Russian documents whatever the user's language: «1 234,56»,
«5 марта 2025 г.», «Сто двадцать две тысячи рублей 00 копеек». The pages format
figures for the user's language with Django's l10n instead.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from num2words import num2words

CENT = Decimal("0.01")
MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
# What a currency is called on a Russian document after a figure («руб.»).
CURRENCY_SHORT = {
    "RUB": "руб.",
    "USD": "долл. США",
    "EUR": "евро",
    "CNY": "юаней",
    "KZT": "тенге",
    "BYN": "бел. руб.",
}


def _group(digits: str) -> str:
    """Split an integer's digits into groups of three with spaces: 1 234 567."""
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return " ".join(groups)


def ru_money(amount: Decimal | int | None) -> str:
    """A sum as Russian accountants write it: «1 234 567,89», «-5,00»."""
    value = Decimal(amount or 0).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, _dot, cents = f"{abs(value):f}".partition(".")
    return f"{sign}{_group(whole)},{cents or '00'}"


def ru_quantity(quantity: Decimal | int | None) -> str:
    """A quantity without trailing zeros: «3», «1,5», «1 000»."""
    value = Decimal(quantity or 0)
    sign = "-" if value < 0 else ""
    whole, _dot, fraction = f"{abs(value):f}".partition(".")
    fraction = fraction.rstrip("0")
    text = f"{sign}{_group(whole)}"
    return f"{text},{fraction}" if fraction else text


def ru_percent(rate: Decimal | None) -> str:
    """A VAT rate: «22 %», «10 %», «0 %»."""
    return f"{ru_quantity(rate)} %"


def ru_date(day: dt.date | None) -> str:
    """A date as documents write it: «5 марта 2025 г.»."""
    if day is None:
        return ""
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year} г."


def ru_short_date(day: dt.date | None) -> str:
    """«05.03.2025»."""
    return day.strftime("%d.%m.%Y") if day else ""


def amount_in_words(amount: Decimal, currency: str = "RUB") -> str:
    """The total in words (сумма прописью), capitalised, kopecks as digits.

    «Сто двадцать две тысячи рублей 00 копеек», «Один рубль 01 копейка»: the whole
    part in words with the currency in the right case, the kopecks in digits as
    accountants write them, followed by the right form of «копейка».
    """
    value = Decimal(amount or 0).quantize(CENT, rounding=ROUND_HALF_UP)
    negative = value < 0
    value = abs(value)
    whole = int(value)
    cents = int((value - whole) * 100)
    try:
        words = num2words(value, lang="ru", to="currency", currency=currency)
        major, _comma, minor = words.partition(", ")
        minor_unit = minor.split()[-1] if minor else ""
        text = f"{major} {cents:02d} {minor_unit}".strip()
    except NotImplementedError:
        # num2words knows no Russian names for this currency: words and the code.
        text = f"{num2words(whole, lang='ru')} {currency} {cents:02d}"
    if negative:
        text = f"минус {text}"
    return text[:1].upper() + text[1:]
