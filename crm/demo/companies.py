"""Demo companies: Russian names and legal forms, valid INN, KPP and OGRN, offices,
phones, branches and subsidiaries."""

from __future__ import annotations

from dataclasses import dataclass

from crm.customers.models import Company, CompanySize, ContactPointKind, Relation
from crm.demo import identifiers, vocabulary
from crm.demo.rows import SearchSource
from crm.demo.sampling import (
    FORM_CUM,
    FORM_TOTAL,
    REGION_CUM,
    REGION_TOTAL,
    cumulative,
    person,
    pick,
    translit,
)
from crm.demo.sampling import address as make_address

_RELATIONS = (
    (Relation.CLIENT, 45),
    (Relation.PROSPECT, 35),
    (Relation.PARTNER, 7),
    (Relation.DEALER, 5),
    (Relation.SUPPLIER, 6),
    (Relation.COMPETITOR, 2),
)
_RELATION_CUM = cumulative(w for _r, w in _RELATIONS)
_SIZES = (
    (CompanySize.MICRO, 35),
    (CompanySize.SMALL, 35),
    (CompanySize.MEDIUM, 18),
    (CompanySize.LARGE, 12),
)
_SIZE_CUM = cumulative(w for _s, w in _SIZES)
_COMPANY_NOTES = (
    "Работаем с {year} года.",
    "Крупный игрок в регионе, закупки через тендер.",
    "Оплата с отсрочкой 30 дней по договору.",
    "Дочерние компании в нескольких регионах.",
    "Интересуются поставкой {product}.",
)
_COMPANY_PHONE_LABELS = ("Бухгалтерия", "Отдел закупок", "Склад", "Приёмная")
_COMPANY_MAIL_BOXES = (
    ("buh", "Бухгалтерия"),
    ("zakupki", "Закупки"),
    ("sklad", "Склад"),
    ("office", "Приёмная"),
)


@dataclass
class CompanyInfo:
    """What the contacts of a batch need to know about their company."""

    id: int
    domain: str
    curator: int
    created: float
    core: str
    employees: int = 0


def build_companies(plan, rng, clock, batch, first_id, count) -> list[CompanyInfo]:
    """Add `count` companies with ids from `first_id` to the batch.

    INN, KPP and OGRN derive from the id and the tax office of the region, so they
    are unique without a lookup; a branch (филиал) shares its head office's INN and
    OGRN and has a KPP of its own, as the tax service registers them.
    """
    now = clock.midnights[clock.today_index]
    three_years = 3 * 365 * 86400
    result: list[CompanyInfo] = []
    # Head offices of this batch that a branch or a subsidiary may belong to.
    heads: list[tuple[int, str, str, str, str, str, int | None, str]] = []
    for offset in range(count):
        company_id = first_id + offset
        region = vocabulary.REGIONS[pick(rng, REGION_CUM, REGION_TOTAL)]
        region_name, city, offices, areas, _postcodes, _w = region
        if region_name == "Москва":
            curator = rng.choice(plan.moscow_sales)
        elif region_name == "Санкт-Петербург":
            curator = rng.choice(plan.spb_sales)
        else:
            curator = rng.choice(plan.moscow_sales + plan.spb_sales)
        short, long_form, _en, _weight = vocabulary.LEGAL_FORMS[
            pick(rng, FORM_CUM, FORM_TOTAL)
        ]
        industry_no = rng.randrange(len(vocabulary.INDUSTRIES))
        industry_words = vocabulary.INDUSTRIES[industry_no][2]
        office = offices[company_id % len(offices)]
        serial = company_id // len(offices)
        year = rng.randrange(1995, 2024)
        form_id = plan.legal_forms.get(short)
        parent_id = None
        kpp = ""
        branch_of = heads[rng.randrange(len(heads))] if heads else None
        shape = rng.random()
        if short == "ИП":
            last, first, middle, _male = person(rng)
            core = f"{last} {first} {middle}"
            name = f"ИП {core}"
            full_name = f"Индивидуальный предприниматель {core}"
            inn = identifiers.person_inn(office, serial)
            ogrn = identifiers.person_ogrnip(year, office, serial)
            slug = translit(f"{last}-{first[0]}{middle[0]}")
        elif branch_of is not None and shape < 0.03 and branch_of[7] != city:
            # A branch (филиал): the parent's INN, OGRN and legal form, its own KPP.
            parent_id, parent_name, inn, ogrn, core, slug, form_id, _city = branch_of
            name = f"{parent_name}, филиал в г. {city}"
            full_name = f"Филиал {parent_name} в г. {city}"
            kpp = identifiers.kpp(office, branch=True)
            short = ""
        else:
            base = rng.choice(vocabulary.COMPANY_WORDS)
            word = rng.choice(industry_words)
            style = rng.random()
            if branch_of is not None and shape < 0.06:
                # A subsidiary: its own registration, the parent's name in its own.
                parent_id = branch_of[0]
                core = f"{branch_of[4]} {word}"
            elif style < 0.35:
                core = base
            elif style < 0.7:
                core = f"{base}-{word}"
            elif style < 0.85:
                core = f"{word}{base.lower()}" if " " not in word else f"{base} {word}"
            else:
                core = f"{rng.choice(vocabulary.NAME_PREFIXES)} {base}"
            name = f"{short} «{core}»"
            full_name = f"{long_form} «{core}»"
            inn = identifiers.company_inn(office, serial)
            ogrn = identifiers.company_ogrn(year, office, serial)
            kpp = identifiers.kpp(office)
            slug = translit(core)
        domain = f"{slug}.{vocabulary.TOP_LEVEL_DOMAIN}"
        email = f"{rng.choice(('info', 'sales', 'office', 'mail'))}@{domain}"
        area = areas[company_id % len(areas)]
        phone = identifiers.phone(area, company_id)
        website = f"https://{domain}" if rng.random() < 0.8 else ""
        legal_address = make_address(rng, region, office=True)
        actual_address = (
            legal_address
            if rng.random() < 0.7
            else make_address(rng, region, office=True)
        )
        postal_address = actual_address if rng.random() < 0.4 else ""
        created = now - 30 * 86400 - rng.random() * three_years
        created_at = clock.format(created)
        description = ""
        if rng.random() < 0.15:
            description = rng.choice(_COMPANY_NOTES).format(
                year=rng.randrange(2012, 2024), product=rng.choice(vocabulary.PRODUCTS)
            )
        extra_phones: list[str] = []
        extra_emails: list[str] = []
        if rng.random() < 0.3:
            extra = identifiers.phone(area, company_id + 5_000_000)
            extra_phones.append(extra)
            batch.points.append(
                (
                    ContactPointKind.PHONE.value,
                    extra,
                    rng.choice(_COMPANY_PHONE_LABELS),
                    company_id,
                    None,
                )
            )
        if rng.random() < 0.2:
            box, label = rng.choice(_COMPANY_MAIL_BOXES)
            extra = f"{box}@{domain}"
            extra_emails.append(extra)
            batch.points.append(
                (ContactPointKind.EMAIL.value, extra, label, company_id, None)
            )
        search = Company.build_search_text(
            SearchSource(  # type: ignore[arg-type]  # a stand-in, see SearchSource
                {
                    "name": name,
                    "full_name": full_name,
                    "inn": inn,
                    "kpp": kpp,
                    "ogrn": ogrn,
                    "email": email,
                    "phone": phone,
                    "website": website,
                    "region": region_name,
                    "external_id": f"demo-company-{company_id}",
                }
            ),
            emails=extra_emails,
            phones=extra_phones,
        )
        batch.companies.append(
            (
                company_id,
                name,
                full_name,
                form_id,
                inn,
                kpp,
                ogrn,
                plan.industries[industry_no],
                _SIZES[pick(rng, _SIZE_CUM, 100)][0].value,
                _RELATIONS[pick(rng, _RELATION_CUM, 100)][0].value,
                rng.choice(plan.categories) if rng.random() < 0.7 else None,
                parent_id,
                email,
                phone,
                website,
                region_name,
                legal_address,
                actual_address,
                postal_address,
                rng.choice(plan.sources) if rng.random() < 0.8 else None,
                rng.choice(plan.channels) if rng.random() < 0.7 else None,
                curator,
                description,
                f"demo-company-{company_id}",
                search,
                rng.random() < 0.6,
                rng.random() < 0.3,
                rng.random() < 0.8,
                created_at,
                created_at,
                curator,
            )
        )
        if rng.random() < 0.3:
            for tag in rng.sample(plan.tags, rng.randrange(1, 3)):
                batch.company_tags.append((company_id, tag))
        if short and short != "ИП":
            heads.append((company_id, name, inn, ogrn, core, slug, form_id, city))
        result.append(CompanyInfo(company_id, domain, curator, created, core))
    return result
