"""How two contacts are compared: their blocking keys and the score of a pair.

A person is found twice when the same name (allowing a typo, another
transliteration, or first and last name swapped) comes with something that
identifies them: the same e-mail, mailbox, phone or birth date. The same name alone
makes a "possible" pair (namesakes are common at a million contacts); a different
birth date or patronymic speaks against.
"""

from __future__ import annotations

from typing import NamedTuple

from rapidfuzz.distance import OSA

from crm.duplicates.matching import normalise as n
from crm.duplicates.matching.scoring import Verdict, decide, name_base

# The columns a full scan reads (in this order) with `values_list`.
COLUMNS = (
    "id",
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "email",
    "phone",
    "address",
)


class Person(NamedTuple):
    id: int
    last: str
    first: str
    middle: str
    birth: object
    email: str
    phone: str
    mailbox: str
    address: str
    cyrillic: bool
    raw: str


def prepare(row) -> Person:
    """Normal forms of one `COLUMNS` row."""
    pk, last, first, middle, birth, email, phone, address = row
    raw = f"{last or ''} {first or ''}"
    return Person(
        pk,
        n.skeleton(last),
        n.skeleton(first),
        n.skeleton(middle),
        birth,
        n.email_key(email),
        n.phone_key(phone),
        n.email_local(email),
        n.address_key(address) if address else "",
        n.has_cyrillic(raw),
        raw.strip().lower(),
    )


def deletions(word: str) -> set[str]:
    """The word and every form of it with one letter left out: two words one typo
    apart (a letter changed, added, dropped or two swapped) share one of these."""
    out = {word}
    out.update(word[:i] + word[i + 1 :] for i in range(len(word)))
    return out


NAME_PREFIX = 6


def keys(p: Person) -> list[str]:
    """Blocking keys: records that share none are never compared.

    Exact ones (e-mail, phone, mailbox name, birth date with initials) make small
    blocks; name keys are the one-typo neighbourhood of the surname's first letters
    plus the first initial, and the sorted pair of names (for swaps).
    """
    out = []
    if p.email:
        out.append("e" + p.email)
    if p.phone:
        out.append("p" + p.phone)
    if p.mailbox:
        out.append("m" + p.mailbox)
    if p.birth and p.last and p.first:
        a, b = sorted((p.last[0], p.first[0]))
        out.append(f"b{p.birth}{a}{b}")
    if p.last and p.first:
        initial = p.first[0]
        out.extend(
            f"n{v}|{initial}" for v in deletions(p.last[:NAME_PREFIX]) if len(v) > 2
        )
        a, b = sorted((p.last, p.first))
        out.append(f"s{a}|{b}")
    return out


def sort_key(p: Person) -> tuple:
    """The order of a too-large block walked by a sliding window."""
    return (p.last, p.first, p.middle, str(p.birth or ""), p.email)


def _sim(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return OSA.normalized_similarity(a, b)


def score(a: Person, b: Person) -> Verdict | None:
    """The score (0..1), decision and reasons of a pair, or None when unlikely."""
    reasons = []
    last_r, first_r = _sim(a.last, b.last), _sim(a.first, b.first)
    if a.last and b.last:
        direct = 0.55 * last_r + 0.45 * first_r
        swapped = 0.55 * _sim(a.last, b.first) + 0.45 * _sim(a.first, b.last)
    else:
        # Only first names known on one side: weaker evidence.
        direct = 0.8 * first_r if (a.last or b.last) else first_r * 0.9
        swapped = 0.0
    name = direct
    if swapped > direct + 0.1 and swapped >= 0.85:
        name = swapped
        reasons.append("names_swapped")
    s = name_base(name)
    if name >= 0.999:
        reasons.append(
            "name_transliterated" if a.cyrillic != b.cyrillic else "same_name"
        )
    elif name >= 0.75:
        if a.cyrillic != b.cyrillic:
            reasons.append("name_transliterated")
        if name < 0.999 and (a.cyrillic == b.cyrillic or name < 0.98):
            reasons.append("name_typo")
    elif a.cyrillic != b.cyrillic and name >= 0.7:
        reasons.append("name_transliterated")

    if a.email and a.email == b.email:
        s += 0.35
        reasons.append("same_email")
    elif a.mailbox and a.mailbox == b.mailbox:
        s += 0.2
        reasons.append("same_mailbox")
    if a.phone and a.phone == b.phone:
        s += 0.35
        reasons.append("same_phone")
    if a.birth and b.birth:
        if a.birth == b.birth:
            s += 0.3
            reasons.append("same_birth_date")
        else:
            s -= 0.5
            reasons.append("different_birth_dates")
    if a.middle and b.middle and _sim(a.middle, b.middle) < 0.7:
        s -= 0.3
        reasons.append("different_middle_names")
    if a.address and b.address and _sim(a.address, b.address) >= 0.9:
        s += 0.1
        reasons.append("similar_address")
    return decide(s, reasons)
