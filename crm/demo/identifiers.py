"""Valid, unique Russian registration numbers and phone numbers for demo records.

Uniqueness comes from the record's id, not from luck: a number is built from a
bijection of the id, so a million companies get a million different INNs without a
lookup. The check digits follow the tax service's rules (verified in the tests with
python-stdnum).
"""

from __future__ import annotations

from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn


def scramble(value: int, modulus: int) -> int:
    """Map 0…modulus-1 onto itself one to one, so consecutive ids look random.

    The multiplier is a prime that divides no power of ten, hence coprime with every
    modulus used here (10**k).
    """
    return (value * 7_368_787 + 1_234_567) % modulus


def company_inn(office: str, serial: int) -> str:
    """A 10-digit INN of an organisation registered at a tax office (4 digits)."""
    body = f"{office}{scramble(serial, 100_000):05d}"
    return body + stdnum_inn.calc_company_check_digit(body)


def person_inn(office: str, serial: int) -> str:
    """A 12-digit INN of a person (a sole proprietor)."""
    body = f"{office}{scramble(serial, 1_000_000):06d}"
    return body + stdnum_inn.calc_personal_check_digits(body)


def kpp(office: str, branch: bool = False) -> str:
    """A KPP: the tax office, the reason (01 head office, 43 branch) and a number."""
    return f"{office}{'43' if branch else '01'}001"


def company_ogrn(year: int, office: str, serial: int) -> str:
    """A 13-digit OGRN: sign 1, year of registration, region and tax office, a
    five-digit number and the check digit."""
    body = f"1{year % 100:02d}{office}{scramble(serial, 100_000):05d}"
    return body + stdnum_ogrn.calc_check_digit(body + "0")


def person_ogrnip(year: int, office: str, serial: int) -> str:
    """A 15-digit OGRNIP of a sole proprietor.

    Its check digit is the remainder modulo 13, which is a single digit only when the
    remainder is below ten, so the number is moved to the next serial until it is.
    """
    number = scramble(serial, 1_000_000_000)
    while True:
        body = f"3{year % 100:02d}{office[:2]}{number:09d}"
        check = int(body) % 13
        if check < 10:
            return body + str(check)
        number = (number + 1) % 1_000_000_000


def phone(code: str, serial: int) -> str:
    """A Russian number in E.164: +7, a three-digit code, seven digits."""
    return f"+7{code}{scramble(serial, 10_000_000):07d}"


# The Bank of Russia's weights for the check of an account against its bank's BIK.
_ACCOUNT_WEIGHTS = ((7, 1, 3) * 8)[
    :23
]  # three digits of the BIK, twenty of the account


def bank_account(bik: str, body: str) -> str:
    """A 20-digit settlement account of a bank: `body` with an X in the ninth place,
    which becomes the check digit against the last three digits of the BIK."""
    digits = [int(c) if c != "X" else 0 for c in bik[-3:] + body]
    total = sum(d * w for d, w in zip(digits, _ACCOUNT_WEIGHTS, strict=True))
    # The ninth digit of the account weighs 3, and 3 × 7 = 21 ≡ 1 (mod 10).
    check = (10 - total % 10) * 7 % 10
    return body.replace("X", str(check))
