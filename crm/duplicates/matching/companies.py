"""How two companies are compared: blocking keys and the score of a pair.

The INN identifies a legal entity: the same INN is a duplicate unless both KPP are
given and differ (branches of one organisation share the INN), and two different
INNs are two organisations whatever their names. Without an INN, the name with its
legal form stripped («ООО "Ромашка"» = "Romashka LLC") plus a phone, e-mail or
address decides.
"""

from __future__ import annotations

from typing import NamedTuple

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from crm.duplicates.matching import normalise as n
from crm.duplicates.matching.contacts import deletions
from crm.duplicates.matching.scoring import Verdict, decide, name_base

COLUMNS = (
    "id",
    "name",
    "inn",
    "kpp",
    "email",
    "phone",
    "legal_address",
    "actual_address",
)


class Firm(NamedTuple):
    id: int
    name: str  # skeleton words joined in their order
    sorted_name: str
    inn: str
    kpp: str
    email: str
    phone: str
    mailbox: str
    address: str
    cyrillic: bool


def prepare(row) -> Firm:
    pk, name, inn, kpp, email, phone, legal_address, actual_address = row
    words = n.company_words(name)
    return Firm(
        pk,
        " ".join(words),
        " ".join(sorted(words)),
        (inn or "").strip(),
        (kpp or "").strip(),
        n.email_key(email),
        n.phone_key(phone),
        n.email_local(email),
        n.address_key(actual_address or legal_address or ""),
        n.has_cyrillic(name or ""),
    )


NAME_PREFIX = 7


def keys(f: Firm) -> list[str]:
    out = []
    if f.inn:
        out.append("i" + f.inn)
    if f.email:
        out.append("e" + f.email)
    if f.phone:
        out.append("p" + f.phone)
    if f.sorted_name:
        out.append("s" + f.sorted_name)
        compact = f.name.replace(" ", "")
        out.extend("n" + v for v in deletions(compact[:NAME_PREFIX]) if len(v) > 2)
    return out


def sort_key(f: Firm) -> tuple:
    return (f.name, f.inn, f.phone)


def name_similarity(a: Firm, b: Firm) -> float:
    if not (a.name and b.name):
        return 0.0
    return max(
        OSA.normalized_similarity(a.name, b.name),
        fuzz.token_sort_ratio(a.sorted_name, b.sorted_name) / 100,
    )


def linkable(a: Firm, b: Firm) -> bool:
    """See `contacts.linkable`: alike names, no different INN."""
    if a.inn and b.inn and a.inn != b.inn:
        return False
    return name_similarity(a, b) >= 0.85


def score(a: Firm, b: Firm) -> Verdict | None:
    reasons = []
    name = name_similarity(a, b)
    s = name_base(name)
    if name >= 0.95 and len(a.name) >= 4:
        # A company's name says more than a person's: «Ромашка» twice is worth
        # a look even without an INN.
        s += 0.1
    if name >= 0.999:
        reasons.append(
            "name_transliterated" if a.cyrillic != b.cyrillic else "same_company_name"
        )
    elif name >= 0.8:
        if a.cyrillic != b.cyrillic:
            reasons.append("name_transliterated")
        if a.cyrillic == b.cyrillic or name < 0.98:
            reasons.append("name_typo")
    if a.inn and b.inn:
        if a.inn == b.inn and a.kpp and b.kpp and a.kpp != b.kpp:
            # Branches of one organisation share the INN: for a person to decide.
            s = min(s, 0.6) + 0.15
            reasons += ["same_inn", "different_kpp"]
        elif a.inn == b.inn:
            s += 0.5
            reasons.append("same_inn")
        else:
            s -= 0.6
            reasons.append("different_inn")
    if a.email and a.email == b.email:
        s += 0.3
        reasons.append("same_email")
    if a.phone and a.phone == b.phone:
        s += 0.3
        reasons.append("same_phone")
    if (
        a.address
        and b.address
        and OSA.normalized_similarity(a.address, b.address) >= 0.9
    ):
        s += 0.15
        reasons.append("similar_address")
    return decide(s, reasons)
