"""Cell values as people type them in Russian and English spreadsheets.

Dates `31.12.2024`, `31.12.24`, `2024-12-31`; numbers `1 234,50` (spaces or
no-break spaces between thousands, a decimal comma); yes/no as «да»/«нет». Phones and
e-mails take a fast path for the common shapes (a Russian mobile number, a plain
ASCII address) that gives exactly what `crm.core.validation` gives, and go through
it for everything else — at a million rows the full checks cost more than the rest
of the import together.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from crm.core.errors import DomainError
from crm.core.search import words
from crm.core.validation import clean_email, clean_phone

_DATE_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})(?:\s.*)?$")
_DATE_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")

TRUE_WORDS = frozenset({"1", "да", "yes", "y", "true", "д", "+", "истина", "x", "✓"})
FALSE_WORDS = frozenset({"0", "нет", "no", "n", "false", "н", "-", "ложь", ""})


def parse_date(value: str, *, field: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        match = _DATE_YMD.match(value)
        if match:
            year, month, day = (int(x) for x in match.groups())
            return dt.date(year, month, day)
        match = _DATE_DMY.match(value)
        if match:
            day, month, year = (int(x) for x in match.groups())
            if year < 100:
                year += 2000 if year < 50 else 1900
            return dt.date(year, month, day)
    except ValueError:
        pass
    raise DomainError(
        _("Enter a date like 31.12.2024 or 2024-12-31: «%(value)s» is not one.")
        % {"value": value[:50]},
        field=field,
    )


def parse_decimal(value: str, *, field: str, minimum: Decimal | None = None):
    text = _SPACES.sub("", value.strip()).replace(",", ".").removesuffix("%")
    if text.endswith(("₽", "р.", "руб.", "руб")):
        text = text.rstrip("₽руб.")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise DomainError(
            _("Enter a number, like 1 234,50: «%(value)s» is not one.")
            % {"value": value[:50]},
            field=field,
        )
    if minimum is not None and number < minimum:
        raise DomainError(
            _("The number may not be below %(minimum)s.") % {"minimum": minimum},
            field=field,
        )
    return number


def parse_bool(value: str, *, field: str) -> bool:
    text = value.strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise DomainError(
        _("Enter yes or no (да / нет, 1 / 0): «%(value)s» is neither.")
        % {"value": value[:50]},
        field=field,
    )


# Russian mobile numbers as phonenumbers' metadata knows them, but for 9300…, where
# it has gaps: those (and every other number) go through phonenumbers itself.
_MOBILE_RU = re.compile(r"9(?:[0-24-9]\d{8}|3[1-9]\d{7}|30[1-9]\d{6})")
_PHONE_CHARS = re.compile(r"^\+?[\d\s()\-.]+$")
_NON_DIGITS = re.compile(r"\D")


def phone(value: str, *, field: str) -> str:
    """A phone in E.164, as `clean_phone` gives it (a Russian mobile number without
    asking phonenumbers; that library takes longer than the rest of a row)."""
    value = value.strip()
    if not value:
        return ""
    if _PHONE_CHARS.match(value):
        digits = _NON_DIGITS.sub("", value)
        national = None
        if value.startswith("+"):
            if len(digits) == 11 and digits[0] == "7":
                national = digits[1:]
        elif len(digits) == 11 and digits[0] in "78":
            national = digits[1:]
        elif len(digits) == 10:
            national = digits
        if national is not None and _MOBILE_RU.fullmatch(national):
            return "+7" + national
    return clean_phone(value, field=field)


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_SIMPLE_EMAIL = re.compile(
    rf"^({_ATOM}(?:\.{_ATOM})*)@((?:{_LABEL}\.)+([A-Za-z]{{2,63}}))$"
)
# Domains email-validator refuses even without a DNS check.
_SPECIAL_TLDS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})


def email(value: str, *, field: str) -> str:
    """An e-mail normalised as `clean_email` does (the domain in lower case)."""
    value = value.strip()
    if not value:
        return ""
    match = _SIMPLE_EMAIL.match(value)
    if (
        match
        and len(match.group(1)) <= 64
        and len(value) <= 254
        and match.group(3).lower() not in _SPECIAL_TLDS
        and not match.group(2).lower().startswith("xn--")
        and ".xn--" not in match.group(2).lower()
    ):
        return f"{match.group(1)}@{match.group(2).lower()}"
    return clean_email(value, field=field)


def search_text(*, texts=(), phones=()) -> str:
    """`crm.core.search.search_text`, quicker for E.164 Russian numbers (whose
    national number is the digits after +7)."""
    result: list[str] = []
    for text in texts:
        if text:
            result.extend(words(text))
    for number in phones:
        if not number:
            continue
        if len(number) == 12 and number.startswith("+7") and number[1:].isdigit():
            result.append(number[1:])
            result.append(number[2:])
        else:
            from crm.core.search import phone_words

            result.extend(phone_words(number))
    return " ".join(dict.fromkeys(result))


class Memo:
    """A checker that remembers its answers for values that repeat down a file (a
    company's INN on each of its people's rows); forgets all past `size`."""

    def __init__(self, check, size: int = 100_000) -> None:
        self.check = check
        self.size = size
        self.known: dict[str, str] = {}

    def __call__(self, value: str, *, field: str) -> str:
        known = self.known.get(value)
        if known is not None:
            return known
        result = self.check(value, field=field)
        if len(self.known) >= self.size:
            self.known.clear()
        self.known[value] = result
        return result
