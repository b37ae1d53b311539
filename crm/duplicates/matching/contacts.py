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
    raw_last: str
    raw_first: str


def prepare(row) -> Person:
    """Normal forms of one `COLUMNS` row."""
    pk, last, first, middle, birth, email, phone, address = row
    raw = f"{last or ''} {first or ''}"
    cyrillic = n.has_cyrillic(raw)
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
        cyrillic,
        n.plain(last) if cyrillic else "",
        n.plain(first) if cyrillic else "",
    )


def deletions(word: str) -> set[str]:
    """The word and every form of it with one letter left out: two words one typo
    apart (a letter changed, added, dropped or two swapped) share one of these."""
    out = {word}
    out.update(word[:i] + word[i + 1 :] for i in range(len(word)))
    return out


def keys(p: Person) -> list[str]:
    """Blocking keys: records that share none are never compared.

    Only identifying values make keys: the e-mail, the phone, the mailbox name, the
    birth date and the address. The name is what gets compared, not what blocks: a
    pair with nothing but a similar name is never a duplicate (namesakes are
    common), and at a million contacts name blocks would compare every Ivanov S.
    with every other. The check of a new record finds namesakes through the list
    index instead (`services.queue.candidate_ids`).
    """
    out = []
    if p.email:
        out.append("e" + p.email)
    if p.phone:
        out.append("p" + p.phone)
    if p.mailbox:
        out.append("m" + p.mailbox)
    if p.birth and p.last and p.first:
        # With the initials: a birth date alone makes blocks of ~35 at a million.
        a, b = sorted((p.last[0], p.first[0]))
        out.append(f"b{p.birth}{a}{b}")
    if p.address:
        out.append("a" + p.address)
    return out


def sort_key(p: Person) -> tuple:
    """The order of a too-large block walked by a sliding window; the id last, so
    that a scan compares the same pairs in whatever order the database reads."""
    return (p.last, p.first, p.middle, str(p.birth or ""), p.email, p.id)


def _sim(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return OSA.normalized_similarity(a, b)


def _first_sim(a: str, b: str, raw_a: str, raw_b: str) -> float:
    """Like `_name_sim`, but two different common first names are different."""
    if a != b and a in n.FIRST_NAMES and b in n.FIRST_NAMES:
        return 0.0
    return _name_sim(a, b, raw_a, raw_b)


def _name_sim(a: str, b: str, raw_a: str, raw_b: str) -> float:
    """Similarity of two name parts: of their skeletons, or of the Cyrillic
    spellings when both have one (a typo costs less there than after
    transliteration turned one letter into two)."""
    best = _sim(a, b)
    if raw_a and raw_b and best < 1.0:
        best = max(best, _sim(raw_a, raw_b))
    return best


def name_similarity(a: Person, b: Person) -> tuple[float, bool]:
    """How alike the names are (0..1), and whether first and last are swapped."""
    last_r = _name_sim(a.last, b.last, a.raw_last, b.raw_last)
    first_r = _first_sim(a.first, b.first, a.raw_first, b.raw_first)
    if a.last and b.last:
        direct = 0.55 * last_r + 0.45 * first_r
        if min(last_r, first_r) < 0.75:
            # One part differs by more than a typo: relatives, colleagues.
            direct = min(direct, 0.6)
        swapped = 0.55 * _name_sim(
            a.last, b.first, a.raw_last, b.raw_first
        ) + 0.45 * _name_sim(a.first, b.last, a.raw_first, b.raw_last)
    else:
        # Only first names known on one side: weaker evidence.
        direct = 0.8 * first_r if (a.last or b.last) else first_r * 0.9
        swapped = 0.0
    if swapped > direct + 0.1 and swapped >= 0.85:
        return swapped, True
    return direct, False


def linkable(a: Person, b: Person) -> bool:
    """Whether two records that are each a duplicate of a third may be called
    duplicates of each other: alike names and nothing that contradicts."""
    if a.birth and b.birth and a.birth != b.birth:
        return False
    if a.middle and b.middle and _sim(a.middle, b.middle) < 0.7:
        return False
    return name_similarity(a, b)[0] >= 0.85


def score(a: Person, b: Person) -> Verdict | None:
    """The score (0..1), decision and reasons of a pair, or None when unlikely."""
    reasons = []
    name, swapped = name_similarity(a, b)
    if swapped:
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
        # "ivanov" at two providers may be two people; "ivanov.s2793" hardly.
        s += 0.3 if len(a.mailbox) >= 10 or not a.mailbox.isalpha() else 0.15
        reasons.append("same_mailbox")
    elif a.email and b.email:
        s -= 0.1
        reasons.append("different_emails")
    if a.phone and a.phone == b.phone:
        s += 0.35
        reasons.append("same_phone")
    elif a.phone and b.phone:
        s -= 0.1
        reasons.append("different_phones")
    if a.birth and b.birth:
        if a.birth == b.birth:
            s += 0.35 if name >= 0.8 else 0.25
            reasons.append("same_birth_date")
        else:
            s -= 0.5
            reasons.append("different_birth_dates")
    if a.middle and b.middle:
        middle = _sim(a.middle, b.middle)
        if middle < 0.7:
            s -= 0.3
            reasons.append("different_middle_names")
        elif middle >= 0.9 and name >= 0.8:
            s += 0.1
            reasons.append("same_middle_name")
    if a.address and b.address and _sim(a.address, b.address) >= 0.9:
        s += 0.25
        reasons.append("similar_address")
    return decide(s, reasons)
