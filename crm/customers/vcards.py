"""Contacts as vCards (RFC 2426 vCard 3.0, RFC 6350 vCard 4.0), for address books.

3.0 is the default: Outlook, Google Contacts, iOS and Android all read it, while
4.0 is read by fewer of them. The text is UTF-8 (Cyrillic as is) and `vobject`
escapes commas, semicolons and newlines and folds long lines as the RFCs require.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import vobject

from crm.customers.models import Contact, ContactPointKind

VERSIONS = ("3.0", "4.0")
# Words in a phone's label that tell its kind, in Russian and English.
_PHONE_KINDS = (
    (("моб", "сот", "mobile", "cell"), "cell"),
    (("дом", "home"), "home"),
    (("факс", "fax"), "fax"),
)


def _phone_type(label: str, version: str) -> list[str]:
    low = (label or "").lower()
    kind = "work"
    for words, name in _PHONE_KINDS:
        if any(word in low for word in words):
            kind = name
            break
    if version == "3.0":
        return [kind.upper(), "VOICE"] if kind != "fax" else ["FAX"]
    return [kind] if kind != "fax" else ["fax"]


def _add_phone(card, number: str, label: str, version: str, preferred: bool) -> None:
    tel = card.add("tel")
    types = _phone_type(label, version)
    if version == "4.0":
        tel.value = f"tel:{number}"
        tel.params["VALUE"] = ["uri"]
        if preferred:
            tel.params["PREF"] = ["1"]
    else:
        tel.value = number
        if preferred:
            types.append("PREF")
    tel.params["TYPE"] = types


def _add_email(card, address: str, version: str, preferred: bool) -> None:
    email = card.add("email")
    email.value = address
    if version == "3.0":
        email.params["TYPE"] = ["INTERNET", "PREF"] if preferred else ["INTERNET"]
    elif preferred:
        email.params["PREF"] = ["1"]


def contact_vcard(contact: Contact, *, version: str = "3.0", url: str = "") -> str:
    """One contact as a vCard.

    Reads `contact.card_employments` (places of work the reader may see, as
    `customers.selectors.contact_list` loads them) and the prefetched
    `contact_points`, so a list costs no query per contact; a company the reader
    may not see is not written.
    """
    card = vobject.vCard()
    card.add("version").value = version
    card.add("uid").value = f"crm-contact-{contact.pk}"
    card.add("fn").value = contact.full_name or contact.email or str(contact.pk)
    card.add("n").value = vobject.vcard.Name(
        family=contact.last_name,
        given=contact.first_name,
        additional=contact.middle_name,
    )
    jobs = list(getattr(contact, "card_employments", []))
    if jobs:
        card.add("org").value = [jobs[0].company.name]
        if jobs[0].title:
            card.add("title").value = jobs[0].title
    points = list(contact.contact_points.all())
    if contact.phone:
        _add_phone(card, contact.phone, "", version, preferred=True)
    for point in points:
        if point.kind == ContactPointKind.PHONE:
            _add_phone(card, point.value, point.label, version, preferred=False)
    if contact.email:
        _add_email(card, contact.email, version, preferred=True)
    for point in points:
        if point.kind == ContactPointKind.EMAIL:
            _add_email(card, point.value, version, preferred=False)
    if contact.address:
        card.add("adr").value = vobject.vcard.Address(street=contact.address)
        if version == "3.0":
            card.adr.params["TYPE"] = ["WORK"]
    if contact.birth_date:
        card.add("bday").value = contact.birth_date.isoformat()
    if contact.description:
        card.add("note").value = contact.description
    if url:
        card.add("url").value = url
    return card.serialize()


def contact_vcards(
    contacts: Iterable[Contact], *, version: str = "3.0", base_url: str = ""
) -> Iterator[str]:
    """Many contacts, one vCard after another (a .vcf file), as a stream."""
    for contact in contacts:
        url = f"{base_url}{contact.get_absolute_url()}" if base_url else ""
        yield contact_vcard(contact, version=version, url=url)
