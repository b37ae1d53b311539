"""Demo contacts: gendered Russian names, transliterated e-mails, mobile phones, places
of work, and their timeline."""

from __future__ import annotations

import datetime as dt

from crm.customers.models import Contact, ContactPointKind
from crm.demo import identifiers, vocabulary
from crm.demo.rows import SearchSource
from crm.demo.sampling import REGION_CUM, REGION_TOTAL, person, pick, translit
from crm.demo.sampling import address as make_address
from crm.demo.timeline import build_timeline

_CONTACT_NOTES = (
    "Лицо, принимающее решение.",
    "Предпочитает связь по e-mail.",
    "Звонить после 11:00.",
    "Влияет на выбор поставщика.",
    "Коллеги зовут по имени, без отчества.",
)
_DEAL_ROLES = ("ЛПР", "Влияет на решение", "Пользователь", "Согласует договор", "")
# Codes of further mobile numbers are apart from those of the main ones, so the
# numbers, both derived from the id, never coincide.
_MAIN_MOBILE = vocabulary.MOBILE_CODES[:24]
_EXTRA_MOBILE = vocabulary.MOBILE_CODES[24:]


def build_contacts(plan, rng, clock, batch, companies, first_id, count) -> None:
    """Add `count` people with ids from `first_id` to the batch, and their year.

    Nine in ten work for one of the batch's companies and share its curator most of
    the time; the rest are private customers with a home address.
    """
    now = clock.midnights[clock.today_index]
    three_years = 3 * 365 * 86400
    everyone = plan.moscow_sales + plan.spb_sales
    positions = plan.positions
    for offset in range(count):
        contact_id = first_id + offset
        last, first, middle, _male = person(rng)
        company = (
            companies[rng.randrange(len(companies))] if rng.random() < 0.9 else None
        )
        if company is not None:
            curator = company.curator if rng.random() < 0.9 else rng.choice(everyone)
            created = company.created + rng.random() * max(now - company.created, 1)
            created = min(created, now - 86400)
        else:
            curator = rng.choice(everyone)
            created = now - 86400 - rng.random() * three_years
        t_first = translit(first)
        t_last = translit(last)
        chance = rng.random()
        if company is not None and chance < 0.8:
            email = f"{t_first[0]}.{t_last}@{company.domain}"
        elif chance < 0.92:
            email = (
                f"{t_first}.{t_last}{rng.randrange(60, 100)}"
                f"@{rng.choice(vocabulary.PERSONAL_MAIL_DOMAINS)}"
            )
        else:
            email = ""
        phone = ""
        if rng.random() < 0.95:
            phone = identifiers.phone(
                _MAIN_MOBILE[contact_id % len(_MAIN_MOBILE)],
                contact_id // len(_MAIN_MOBILE),
            )
        birth_date = None
        if rng.random() < 0.65:
            birth_date = (
                dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(43 * 365))
            ).isoformat()
        address = ""
        if company is None and rng.random() < 0.6:
            address = make_address(
                rng,
                vocabulary.REGIONS[pick(rng, REGION_CUM, REGION_TOTAL)],
                office=False,
            )
        extra_phones: list[str] = []
        extra_emails: list[str] = []
        if rng.random() < 0.2:
            extra = identifiers.phone(
                _EXTRA_MOBILE[contact_id % len(_EXTRA_MOBILE)],
                contact_id // len(_EXTRA_MOBILE),
            )
            extra_phones.append(extra)
            batch.points.append(
                (
                    ContactPointKind.PHONE.value,
                    extra,
                    rng.choice(("личный", "рабочий")),
                    None,
                    contact_id,
                )
            )
        if company is not None and rng.random() < 0.12:
            extra = (
                f"{t_first}.{t_last}{rng.randrange(1, 100)}"
                f"@{rng.choice(vocabulary.PERSONAL_MAIL_DOMAINS)}"
            )
            extra_emails.append(extra)
            batch.points.append(
                (ContactPointKind.EMAIL.value, extra, "личный", None, contact_id)
            )
        search = Contact.build_search_text(
            SearchSource(  # type: ignore[arg-type]  # a stand-in, see SearchSource
                {
                    "last_name": last,
                    "first_name": first,
                    "middle_name": middle,
                    "email": email,
                    "phone": phone,
                    "address": address,
                    "external_id": f"demo-contact-{contact_id}",
                }
            ),
            emails=extra_emails,
            phones=extra_phones,
        )
        created_at = clock.format(created)
        batch.contacts.append(
            (
                contact_id,
                last,
                first,
                middle,
                birth_date,
                email,
                phone,
                address,
                rng.choice(plan.sources) if rng.random() < 0.7 else None,
                curator,
                rng.choice(_CONTACT_NOTES) if rng.random() < 0.1 else "",
                f"demo-contact-{contact_id}",
                search,
                rng.random() < 0.6,
                rng.random() < 0.3,
                rng.random() < 0.85,
                created_at,
                created_at,
                curator,
            )
        )
        company_id = None
        if company is not None:
            company_id = company.id
            if company.employees == 0 and rng.random() < 0.6:
                position = positions[0]
            else:
                position = rng.choice(positions)
            company.employees += 1
            batch.employments.append(
                (contact_id, company.id, position, "", rng.choice(_DEAL_ROLES), True)
            )
            if rng.random() < 0.04 and len(companies) > 1:
                other = companies[rng.randrange(len(companies))]
                if other is not company:
                    batch.employments.append(
                        (contact_id, other.id, rng.choice(positions), "", "", False)
                    )
        if rng.random() < 0.15:
            for tag in rng.sample(plan.tags, rng.randrange(1, 3)):
                batch.contact_tags.append((contact_id, tag))
        samples = batch.samples.setdefault(curator, [])
        if len(samples) < 12:
            samples.append((contact_id, company_id))
        build_timeline(
            rng,
            clock,
            batch,
            contact_id=contact_id,
            company_id=company_id,
            curator=curator,
            created=created,
            name=f"{first} {middle}",
        )
