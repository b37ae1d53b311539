"""Checks of the values people type: e-mail, phone, INN, KPP, OGRN, web address.

Each returns the normalised value or raises `DomainError` naming the field, with a
message in the user's language.
"""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

from crm.core.errors import DomainError

DEFAULT_PHONE_REGION = "RU"


def clean_email(value: str, *, field: str = "email") -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise DomainError(
            _("Enter a valid e-mail address, like name@example.com."), field=field
        ) from None
    return result.normalized


def clean_phone(value: str, *, field: str = "phone") -> str:
    """A phone in E.164 (+79161234567); a number without a country code is Russian."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise DomainError(
            _("Enter a valid phone number, like +7 916 123-45-67."), field=field
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone(value: str) -> str:
    """A stored E.164 phone as people read it: +7 916 123-45-67."""
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def clean_inn(value: str, *, field: str = "inn") -> str:
    """INN of an organisation (10 digits) or of a person (12 digits), checksum checked."""
    value = "".join((value or "").split())
    if not value:
        return ""
    if not value.isdigit() or len(value) not in (10, 12):
        raise DomainError(
            _("An INN has 10 digits (organisation) or 12 digits (person)."), field=field
        )
    try:
        return stdnum_inn.validate(value)
    except StdnumError:
        raise DomainError(
            _("This INN is not valid: its check digit does not match."), field=field
        ) from None


def clean_kpp(value: str, *, field: str = "kpp") -> str:
    """KPP: 9 characters — 4 digits of the tax office, 2 of the reason, 3 digits."""
    value = "".join((value or "").split()).upper()
    if not value:
        return ""
    if (
        len(value) != 9
        or not value[:4].isdigit()
        or not value[4:6].isalnum()
        or not value[6:].isdigit()
    ):
        raise DomainError(_("A KPP has 9 characters, like 770101001."), field=field)
    return value


def clean_ogrn(value: str, *, field: str = "ogrn") -> str:
    """OGRN (13 digits) or OGRNIP (15 digits), checksum checked."""
    value = "".join((value or "").split())
    if not value:
        return ""
    if not value.isdigit() or len(value) not in (13, 15):
        raise DomainError(
            _("An OGRN has 13 digits (15 for a sole proprietor)."), field=field
        )
    try:
        return stdnum_ogrn.validate(value)
    except StdnumError:
        raise DomainError(
            _("This OGRN is not valid: its check digit does not match."), field=field
        ) from None


def _okpo_check_digit(body: str) -> int:
    """Rosstat's check digit: weights 1, 2, … (after 10 back to 1) modulo 11; a
    remainder of 10 is recounted with weights starting at 3, and 10 again gives 0."""
    for start in (1, 3):
        total = sum(
            int(digit) * ((start + index - 1) % 10 + 1)
            for index, digit in enumerate(body)
        )
        remainder = total % 11
        if remainder < 10:
            return remainder
    return 0


def clean_okpo(value: str, *, field: str = "okpo") -> str:
    """OKPO: 8 digits (organisation) or 10 (sole proprietor), checksum checked."""
    value = "".join((value or "").split())
    if not value:
        return ""
    if not value.isdigit() or len(value) not in (8, 10):
        raise DomainError(
            _("An OKPO has 8 digits (10 for a sole proprietor)."), field=field
        )
    if _okpo_check_digit(value[:-1]) != int(value[-1]):
        raise DomainError(
            _("This OKPO is not valid: its check digit does not match."), field=field
        )
    return value


def clean_url(value: str, *, field: str = "website") -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise DomainError(
            _("Enter a web address, like example.com."), field=field
        ) from None
    return value
