"""How two companies are compared: blocking keys and the score of a pair.

The INN identifies a legal entity: the same INN is a duplicate unless the pair may
be a head office and its branch (both KPP given and different, or one a branch's
KPP and the other none), and two different INNs are two organisations whatever
their names. Without an INN, the name with its legal form stripped («ООО
"Ромашка"» = "Romashka LLC") plus the same e-mail, phone or web domain decides;
the same name alone is worth a look ("possible"), and a different phone or e-mail
speaks against (namesakes in other cities are common).

Thresholds and weights are tuned on the generated companies of `bench/dedupe.py`.
"""

from __future__ import annotations

from typing import NamedTuple

from rapidfuzz.distance import OSA

from crm.duplicates.matching import normalise as n
from crm.duplicates.matching.scoring import Verdict, decide, name_base

# The columns a full scan reads (in this order). Rows of the first eight (callers
# that know no site) are read as rows without one.
COLUMNS = (
    "id",
    "name",
    "inn",
    "kpp",
    "email",
    "phone",
    "legal_address",
    "actual_address",
    "website",
)

# Reasons of registration in a KPP (its 5th and 6th digits) that mark the
# organisation itself; the others (43 a branch, 02–05 and 31–32 separate
# divisions…) mark a branch registered at another tax office.
HEAD_OFFICE_REASONS = frozenset({"01", "50"})
# The highest score of a pair that may be a head office and its branch: for a
# person to decide, whatever else they share (branches share the name, the INN and
# often the site).
BRANCH_CEILING = 0.8
# Without the same INN, names less alike than this are at most "possible":
# companies of one group («Вектор Строй», «Вектор Трейд») share a site, a
# switchboard and an address.
ALIKE = 0.8
GROUP_CEILING = 0.8


class Firm(NamedTuple):
    id: int
    name: str  # skeleton words joined in their order
    sorted_name: str
    inn: str
    kpp: str
    email: str
    phone: str
    mailbox: str
    address: str  # address words without numbers, sorted
    cyrillic: bool
    numbers: frozenset  # the numbers of the address (house, office…)
    domains: frozenset  # the site's domain and the company's own e-mail domain
    plain: str  # the words as written, when in Cyrillic


def prepare(row) -> Firm:
    """Normal forms of one `COLUMNS` row."""
    pk, name, inn, kpp, email, phone, legal_address, actual_address, *rest = row
    website = rest[0] if rest else ""
    words = n.company_words(name)
    cyrillic = n.has_cyrillic(name or "")
    address = n.address_key(actual_address or legal_address or "").split()
    domains = {n.site_domain(website), n.email_domain(email)} - {""}
    return Firm(
        pk,
        " ".join(words),
        " ".join(sorted(words)),
        (inn or "").strip(),
        (kpp or "").strip(),
        n.email_key(email),
        n.phone_key(phone),
        n.email_local(email),
        " ".join(w for w in address if not w.isdigit()),
        cyrillic,
        frozenset(w for w in address if w.isdigit()),
        frozenset(domains),
        " ".join(n.company_plain_words(name)) if cyrillic else "",
    )


def keys(f: Firm) -> list[str]:
    """Blocking keys: the INN, e-mail, phone, web domains and the whole name (so
    that namesakes without anything else in common are proposed as "possible").

    No keys for the one-typo neighbourhood of the name: a name with a typo and
    nothing else shared scores below "possible", and anything else shared is a key
    of its own. They made 2.5 times the comparisons for 0.06 % more pairs.
    """
    out = []
    if f.inn:
        out.append("i" + f.inn)
    if f.email:
        out.append("e" + f.email)
    if f.phone:
        out.append("p" + f.phone)
    out.extend("w" + d for d in f.domains)
    if f.sorted_name:
        out.append("s" + f.sorted_name)
    return out


def sort_key(f: Firm) -> tuple:
    """The order of a too-large block walked by a sliding window; the id last, so
    that a scan compares the same pairs in whatever order the database reads."""
    return (f.name, f.inn, f.phone, f.id)


def name_similarity(a: Firm, b: Firm) -> float:
    """How alike two names are (0..1): a typo or the words in another order cost
    little, a word more costs much («Вектор» and «Вектор Строй» are two companies
    of a group more often than one company)."""
    if not (a.name and b.name):
        return 0.0
    if a.name == b.name:
        return 1.0
    best = max(
        OSA.normalized_similarity(a.name, b.name),
        OSA.normalized_similarity(a.sorted_name, b.sorted_name),
    )
    if a.plain and b.plain:
        best = max(best, OSA.normalized_similarity(a.plain, b.plain))
    return best


def is_branch(f: Firm) -> bool:
    """Whether the record's KPP is a branch's (another reason than a head office's)."""
    return len(f.kpp) == 9 and f.kpp[4:6] not in HEAD_OFFICE_REASONS


def may_be_branches(a: Firm, b: Firm) -> bool:
    """Whether two records of one INN may be a head office and its branch (or two
    branches): both KPP given and different, or one a branch's and the other none."""
    if a.kpp and b.kpp:
        return a.kpp != b.kpp
    return is_branch(a) or is_branch(b)


def addresses_alike(a: Firm, b: Firm) -> bool:
    """The same house (and office) written alike: the numbers of one are all in the
    other, and the words differ by a typo or the order at most. "ул. Мира, д. 5"
    and "ул. Тверская, д. 5" of one city are different addresses."""
    if not (a.numbers and b.numbers and a.address and b.address):
        return False
    if not (a.numbers <= b.numbers or b.numbers <= a.numbers):
        return False
    return OSA.normalized_similarity(a.address, b.address) >= 0.85


def linkable(a: Firm, b: Firm) -> bool:
    """See `contacts.linkable`: alike names, no different INN, no sign of a
    branch, no different web domains."""
    if a.inn and b.inn and a.inn != b.inn:
        return False
    if a.inn and a.inn == b.inn and may_be_branches(a, b):
        return False
    if a.domains and b.domains and not a.domains & b.domains:
        return False
    return name_similarity(a, b) >= 0.85


def score(a: Firm, b: Firm) -> Verdict | None:
    """The score (0..1), decision and reasons of a pair, or None when unlikely."""
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
    branches = False
    if a.inn and b.inn:
        if a.inn != b.inn:
            s -= 0.6
            reasons.append("different_inn")
        else:
            # Enough for a look whatever the names (a brand and a legal name).
            s += 0.55
            reasons.append("same_inn")
            if may_be_branches(a, b):
                branches = True
                reasons.append("different_kpp")
            elif a.kpp and a.kpp == b.kpp:
                s += 0.1
    shared_domain = bool(a.domains & b.domains)
    if a.email and a.email == b.email:
        s += 0.35
        reasons.append("same_email")
    elif a.email and b.email and not shared_domain:
        s -= 0.1
        reasons.append("different_emails")
    if a.phone and a.phone == b.phone:
        s += 0.35
        reasons.append("same_phone")
    elif a.phone and b.phone:
        s -= 0.1
        reasons.append("different_phones")
    if shared_domain:
        if "same_email" in reasons:
            s += 0.05
        elif is_branch(a) or is_branch(b):
            # A branch shares its head office's site: not a sign of a copy.
            s += 0.1
        else:
            s += 0.35
        reasons.append("same_website")
    if addresses_alike(a, b):
        s += 0.1
        reasons.append("similar_address")
    if branches:
        s = min(s, BRANCH_CEILING)
    elif name < ALIKE and "same_inn" not in reasons:
        s = min(s, GROUP_CEILING)
    return decide(s, reasons)
