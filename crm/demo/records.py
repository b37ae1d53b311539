"""Rows of demo companies, contacts and their year of history, built in memory.

Nothing here touches the database: a `Plan` carries the ids of the reference lists,
the staff and the reserved id ranges, and `build_batch()` turns one batch number into
plain tuples ready for `bulk.insert`. A batch depends only on the seed and its
number, so the same seed gives the same people whatever the machine and however the
batches are spread over processes.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import time
from dataclasses import dataclass, field
from typing import Any

from crm.activities.models import (
    Activity,
    ActivityKind,
    Direction,
    Task,
    TaskPriority,
    TaskStatus,
)
from crm.customers.models import (
    Company,
    CompanySize,
    Contact,
    ContactPointKind,
    Relation,
)
from crm.demo import identifiers, vocabulary

# The columns each kind of row fills, in order; `bulk.Table` adds the rest.
COMPANY_COLUMNS = (
    "id", "name", "full_name", "legal_form_id", "inn", "kpp", "ogrn", "industry_id",
    "size", "relation", "category_id", "parent_id", "email", "phone", "website",
    "region", "legal_address", "actual_address", "postal_address", "source_id",
    "sales_channel_id", "curator_id", "description", "external_id", "search_text",
    "consent_email", "consent_sms", "consent_phone", "created_at", "updated_at",
    "created_by_id",
)  # fmt: skip
CONTACT_COLUMNS = (
    "id", "last_name", "first_name", "middle_name", "birth_date", "email", "phone",
    "address", "source_id", "curator_id", "description", "external_id",
    "search_text", "consent_email", "consent_sms", "consent_phone", "created_at",
    "updated_at", "created_by_id",
)  # fmt: skip
EMPLOYMENT_COLUMNS = (
    "contact_id", "company_id", "position_id", "job_title", "role", "is_primary",
)  # fmt: skip
POINT_COLUMNS = ("kind", "value", "label", "company_id", "contact_id")
COMPANY_TAG_COLUMNS = ("company_id", "tag_id")
CONTACT_TAG_COLUMNS = ("contact_id", "tag_id")


def _searchable(model) -> bool:
    return any(f.name == "search_text" for f in model._meta.concrete_fields)


ACTIVITY_COLUMNS = (
    "kind", "subject", "body", "occurred_at", "ends_at", "direction",
    "duration_minutes", "outcome", "location", "company_id", "contact_id",
    "created_at", "updated_at", "created_by_id",
)  # fmt: skip
TASK_COLUMNS = (
    "title", "description", "assignee_id", "due_at", "priority", "status",
    "remind_at", "reminder_sent_at", "completed_at", "company_id", "contact_id",
    "created_at", "updated_at", "created_by_id",
)  # fmt: skip
# Timeline events and tasks carry their search text when their models have one; it
# is appended to each row by `add_search_text()`.
SEARCHED = {
    "activities": (Activity, ACTIVITY_COLUMNS, _searchable(Activity)),
    "tasks": (Task, TASK_COLUMNS, _searchable(Task)),
}
if SEARCHED["activities"][2]:
    ACTIVITY_COLUMNS += ("search_text",)
if SEARCHED["tasks"][2]:
    TASK_COLUMNS += ("search_text",)

# The working day shown in the timeline, in minutes after local midnight.
DAY_START = 8 * 60
DAY_MINUTES = 12 * 60
HISTORY_DAYS = 365
FUTURE_DAYS = 31
TIMELINE_EVENTS = (5, 15)  # per contact, inclusive: ten on average


@dataclass
class Plan:
    """What a batch needs to know about the database, decided before loading."""

    seed: int
    batches: list[int]  # contacts per batch
    company_first_id: int
    contact_first_id: int
    legal_forms: dict[str, int]  # short name → id
    industries: list[int]
    categories: list[int]
    sources: list[int]
    channels: list[int]
    positions: list[int]
    tags: list[int]
    # Curators by region: the Moscow and St Petersburg teams serve their cities.
    moscow_sales: list[int]
    spb_sales: list[int]
    today: dt.date
    tz_name: str
    timestamp_suffix: str  # "+00" where the engine wants the zone spelled out
    batch_companies: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.batch_companies:
            self.batch_companies = [max(1, n // 4) for n in self.batches]

    @property
    def company_count(self) -> int:
        return sum(self.batch_companies)

    @property
    def contact_count(self) -> int:
        return sum(self.batches)


class Clock:
    """Timestamps as the database stores them, for every minute of the demo's year.

    Formatting a datetime costs microseconds and a million contacts have ten million
    events, so each minute of each working day is formatted once and looked up.
    """

    def __init__(self, today: dt.date, tz_name: str, suffix: str) -> None:
        import zoneinfo

        zone = zoneinfo.ZoneInfo(tz_name)
        self.today = today
        self.first_day = today - dt.timedelta(days=HISTORY_DAYS)
        self.days: list[dt.date] = [
            self.first_day + dt.timedelta(days=n)
            for n in range(HISTORY_DAYS + FUTURE_DAYS + 1)
        ]
        self.today_index = HISTORY_DAYS
        self.midnights = [
            int(dt.datetime.combine(day, dt.time(), tzinfo=zone).timestamp())
            for day in self.days
        ]
        self.suffix = suffix
        # minutes[day][minute]: the stored form of each minute from 08:00 to 23:00.
        self.minutes: list[list[str]] = [
            self._day_minutes(midnight + DAY_START * 60) for midnight in self.midnights
        ]
        # Working days before today, for the timeline: today belongs to the agenda.
        self.workdays = [
            i for i, day in enumerate(self.days[:HISTORY_DAYS]) if day.weekday() < 5
        ]
        self.day_names = [
            f"{d.day} {vocabulary.MONTHS_GENITIVE[d.month - 1]}" for d in self.days
        ]

    def at(self, day: int, minute: int) -> str:
        """The stored form of minute `minute` (after 08:00 local) of day `day`."""
        return self.minutes[day][minute]

    def _day_minutes(self, start: int) -> list[str]:
        result = []
        date = ""
        day = -1
        for epoch in range(start, start + (DAY_MINUTES + 180) * 60, 60):
            if epoch // 86400 != day:
                day = epoch // 86400
                date = time.strftime("%Y-%m-%d", time.gmtime(epoch))
            rest = epoch % 86400
            result.append(
                f"{date} {rest // 3600:02d}:{rest % 3600 // 60:02d}:00{self.suffix}"
            )
        return result

    def format(self, epoch: float) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch)) + self.suffix

    def first_workday_after(self, epoch: float) -> int:
        """Index into `workdays` of the first working day on or after a moment."""
        day = int((epoch - self.midnights[0]) // 86400)
        return bisect.bisect_left(self.workdays, max(day, 0))


def _cumulative(weights):
    return list(itertools.accumulate(weights))


_REGION_CUM = _cumulative(r[5] for r in vocabulary.REGIONS)
_REGION_TOTAL = _REGION_CUM[-1]
_FORM_CUM = _cumulative(f[3] for f in vocabulary.LEGAL_FORMS)
_FORM_TOTAL = _FORM_CUM[-1]
_RELATIONS = (
    (Relation.CLIENT, 45),
    (Relation.PROSPECT, 35),
    (Relation.PARTNER, 7),
    (Relation.DEALER, 5),
    (Relation.SUPPLIER, 6),
    (Relation.COMPETITOR, 2),
)
_RELATION_CUM = _cumulative(w for _r, w in _RELATIONS)
_SIZES = (
    (CompanySize.MICRO, 35),
    (CompanySize.SMALL, 35),
    (CompanySize.MEDIUM, 18),
    (CompanySize.LARGE, 12),
)
_SIZE_CUM = _cumulative(w for _s, w in _SIZES)
_TRANSLIT_CACHE: dict[str, str] = {}
_COMPANY_NOTES = (
    "Работаем с {year} года.",
    "Крупный игрок в регионе, закупки через тендер.",
    "Оплата с отсрочкой 30 дней по договору.",
    "Дочерние компании в нескольких регионах.",
    "Интересуются поставкой {product}.",
)
_CONTACT_NOTES = (
    "Лицо, принимающее решение.",
    "Предпочитает связь по e-mail.",
    "Звонить после 11:00.",
    "Влияет на выбор поставщика.",
    "Коллеги зовут по имени, без отчества.",
)
_DEAL_ROLES = ("ЛПР", "Влияет на решение", "Пользователь", "Согласует договор", "")
_COMPANY_PHONE_LABELS = ("Бухгалтерия", "Отдел закупок", "Склад", "Приёмная")
_COMPANY_MAIL_BOXES = (
    ("buh", "Бухгалтерия"),
    ("zakupki", "Закупки"),
    ("sklad", "Склад"),
    ("office", "Приёмная"),
)
# Codes of further mobile numbers are apart from those of the main ones, so the
# numbers, both derived from the id, never coincide.
_MAIN_MOBILE = vocabulary.MOBILE_CODES[:24]
_EXTRA_MOBILE = vocabulary.MOBILE_CODES[24:]


class _Random(random.Random):
    """`random.Random` with a cheaper `choice` and `randrange`.

    The standard ones draw whole random bits to be perfectly uniform, which costs a
    microsecond a call; ten million events make a hundred million calls, and a
    float's 53 bits are uniform enough for picking a street name.
    """

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randrange(self, start, stop=None, step=1):
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))


def _translit(text: str) -> str:
    found = _TRANSLIT_CACHE.get(text)
    if found is None:
        found = _TRANSLIT_CACHE[text] = vocabulary.translit(text)
    return found


class _SearchSource:
    """Just enough of a model instance for its `build_search_text()`."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


@dataclass
class Batch:
    """The rows of one batch, by table, and a few contacts per curator for agendas."""

    companies: list[tuple] = field(default_factory=list)
    contacts: list[tuple] = field(default_factory=list)
    employments: list[tuple] = field(default_factory=list)
    points: list[tuple] = field(default_factory=list)
    company_tags: list[tuple] = field(default_factory=list)
    contact_tags: list[tuple] = field(default_factory=list)
    activities: list[tuple] = field(default_factory=list)
    tasks: list[tuple] = field(default_factory=list)
    # curator id → [(contact id, company id or None)]
    samples: dict[int, list[tuple[int, int | None]]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(
            len(rows)
            for rows in (
                self.companies,
                self.contacts,
                self.employments,
                self.points,
                self.company_tags,
                self.contact_tags,
                self.activities,
                self.tasks,
            )
        )


_clock_cache: dict[tuple, Clock] = {}


def clock_for(plan: Plan) -> Clock:
    key = (plan.today, plan.tz_name, plan.timestamp_suffix)
    if key not in _clock_cache:
        _clock_cache.clear()
        _clock_cache[key] = Clock(plan.today, plan.tz_name, plan.timestamp_suffix)
    return _clock_cache[key]


def build_batch(plan: Plan, number: int) -> Batch:
    """Build the rows of batch `number` of the plan."""
    rng = _Random(plan.seed * 1_000_003 + number)
    clock = clock_for(plan)
    batch = Batch()
    company_first = plan.company_first_id + sum(plan.batch_companies[:number])
    contact_first = plan.contact_first_id + sum(plan.batches[:number])
    companies = _companies(
        plan, rng, clock, batch, company_first, plan.batch_companies[number]
    )
    _contacts(plan, rng, clock, batch, companies, contact_first, plan.batches[number])
    add_search_text(batch)
    return batch


def add_search_text(batch: Batch) -> None:
    """Append each event's and task's search text, made by its model's own rule."""
    for name, (model, columns, searchable) in SEARCHED.items():
        if not searchable:
            continue
        rows = getattr(batch, name)
        build = model.build_search_text
        for index, row in enumerate(rows):
            source = _SearchSource(dict(zip(columns, row, strict=True)))
            rows[index] = (*row, build(source))


@dataclass
class _CompanyInfo:
    id: int
    domain: str
    curator: int
    created: float
    core: str
    employees: int = 0


def _pick(rng: random.Random, cumulative: list[int], total: int) -> int:
    return bisect.bisect_right(cumulative, rng.random() * total)


def _person(rng: random.Random) -> tuple[str, str, str, bool]:
    """A Russian full name: last, first and middle name, and whether he is a man."""
    father = rng.choice(vocabulary.MALE_NAMES)
    surname = rng.choice(vocabulary.SURNAMES)
    if rng.random() < 0.5:
        return surname, rng.choice(vocabulary.MALE_NAMES)[0], father[1], True
    return (
        vocabulary.feminine(surname),
        rng.choice(vocabulary.FEMALE_NAMES),
        father[2],
        False,
    )


def _address(rng: random.Random, region: tuple, *, office: bool) -> str:
    name, city, _codes, _areas, postcodes, _weight = region
    postcode = f"{rng.choice(postcodes)}{rng.randrange(1000):03d}"
    place = f"г. {city}" if name == city else f"{name}, г. {city}"
    house = f"д. {rng.randrange(1, 120)}"
    if rng.random() < 0.2:
        house += f", стр. {rng.randrange(1, 6)}"
    unit = f"офис {rng.randrange(1, 900)}" if office else f"кв. {rng.randrange(1, 300)}"
    return f"{postcode}, {place}, {rng.choice(vocabulary.STREETS)}, {house}, {unit}"


def _companies(plan, rng, clock, batch, first_id, count) -> list[_CompanyInfo]:
    now = clock.midnights[clock.today_index]
    three_years = 3 * 365 * 86400
    result: list[_CompanyInfo] = []
    # Head offices of this batch that a branch or a subsidiary may belong to.
    heads: list[tuple[int, str, str, str, str, str, int | None, str]] = []
    for offset in range(count):
        company_id = first_id + offset
        region = vocabulary.REGIONS[_pick(rng, _REGION_CUM, _REGION_TOTAL)]
        region_name, city, offices, areas, _postcodes, _w = region
        if region_name == "Москва":
            curator = rng.choice(plan.moscow_sales)
        elif region_name == "Санкт-Петербург":
            curator = rng.choice(plan.spb_sales)
        else:
            curator = rng.choice(plan.moscow_sales + plan.spb_sales)
        short, long_form, _en, _weight = vocabulary.LEGAL_FORMS[
            _pick(rng, _FORM_CUM, _FORM_TOTAL)
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
            last, first, middle, _male = _person(rng)
            core = f"{last} {first} {middle}"
            name = f"ИП {core}"
            full_name = f"Индивидуальный предприниматель {core}"
            inn = identifiers.person_inn(office, serial)
            ogrn = identifiers.person_ogrnip(year, office, serial)
            slug = _translit(f"{last}-{first[0]}{middle[0]}")
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
            slug = _translit(core)
        domain = f"{slug}.{vocabulary.TOP_LEVEL_DOMAIN}"
        email = f"{rng.choice(('info', 'sales', 'office', 'mail'))}@{domain}"
        area = areas[company_id % len(areas)]
        phone = identifiers.phone(area, company_id)
        website = f"https://{domain}" if rng.random() < 0.8 else ""
        legal_address = _address(rng, region, office=True)
        actual_address = (
            legal_address if rng.random() < 0.7 else _address(rng, region, office=True)
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
            _SearchSource(
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
                _SIZES[_pick(rng, _SIZE_CUM, 100)][0].value,
                _RELATIONS[_pick(rng, _RELATION_CUM, 100)][0].value,
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
        result.append(_CompanyInfo(company_id, domain, curator, created, core))
    return result


def _contacts(plan, rng, clock, batch, companies, first_id, count) -> None:
    now = clock.midnights[clock.today_index]
    three_years = 3 * 365 * 86400
    everyone = plan.moscow_sales + plan.spb_sales
    positions = plan.positions
    for offset in range(count):
        contact_id = first_id + offset
        last, first, middle, _male = _person(rng)
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
        t_first = _translit(first)
        t_last = _translit(last)
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
            address = _address(
                rng,
                vocabulary.REGIONS[_pick(rng, _REGION_CUM, _REGION_TOTAL)],
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
            _SearchSource(
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
        _timeline(
            rng,
            clock,
            batch,
            contact_id=contact_id,
            company_id=company_id,
            curator=curator,
            created=created,
            name=f"{first} {middle}",
        )


def _timeline(rng, clock, batch, *, contact_id, company_id, curator, created, name):
    """A contact's calls, letters, notes and meetings over the last year, and tasks."""
    workdays = clock.workdays
    start = clock.first_workday_after(created)
    if start >= len(workdays):
        start = len(workdays) - 1
    span = len(workdays) - start
    low, high = TIMELINE_EVENTS
    events = low + int(rng.random() * (high - low + 1))
    append = batch.activities.append
    random_ = rng.random
    choice = rng.choice
    products = vocabulary.PRODUCTS
    documents = vocabulary.DOCUMENTS
    day_names = clock.day_names
    minutes = clock.minutes
    for _ in range(events):
        day = workdays[start + int(random_() * span)]
        minute = 60 + int(random_() * 600)  # 09:00–19:00 local
        when = minutes[day][minute]
        later = day_names[min(day + 3 + int(random_() * 10), len(day_names) - 1)]
        roll = random_()
        if roll < 0.4:
            outgoing = random_() < 0.7
            subject = choice(
                vocabulary.CALL_SUBJECTS_OUT
                if outgoing
                else vocabulary.CALL_SUBJECTS_IN
            )
            body = choice(vocabulary.CALL_BODIES).format(
                product=choice(products),
                document=choice(documents),
                day=later,
                amount=50 * (1 + int(random_() * 40)),
                name=name,
            )
            append(
                (
                    _CALL,
                    subject,
                    body,
                    when,
                    None,
                    _OUT if outgoing else _IN,
                    1 + int(random_() * 25),
                    choice(vocabulary.CALL_OUTCOMES),
                    "",
                    company_id,
                    contact_id,
                    when,
                    when,
                    curator,
                )
            )
        elif roll < 0.65:
            outgoing = random_() < 0.6
            month = clock.days[day].month
            words = {
                "product": choice(products),
                "document": choice(documents),
                "day": day_names[day],
                "number": 100 + int(random_() * 9000),
                "month": _MONTHS[month - 1],
                "quarter": (month - 1) // 3 + 1,
                "name": name,
            }
            append(
                (
                    _EMAIL,
                    choice(vocabulary.EMAIL_SUBJECTS).format(**words),
                    choice(vocabulary.EMAIL_BODIES).format(**words),
                    when,
                    None,
                    _OUT if outgoing else _IN,
                    None,
                    "",
                    "",
                    company_id,
                    contact_id,
                    when,
                    when,
                    curator,
                )
            )
        elif roll < 0.82:
            body = choice(vocabulary.NOTE_BODIES).format(product=choice(products))
            append(
                (
                    _NOTE,
                    "",
                    body,
                    when,
                    None,
                    "",
                    None,
                    "",
                    "",
                    company_id,
                    contact_id,
                    when,
                    when,
                    curator,
                )
            )
        else:
            duration = choice((30, 60, 60, 90))
            body = choice(vocabulary.MEETING_BODIES).format(
                product=choice(products),
                document=choice(documents),
                day=later,
                amount=100 * (1 + int(random_() * 50)),
                name=name,
            )
            append(
                (
                    _MEETING,
                    choice(vocabulary.MEETING_SUBJECTS),
                    body,
                    when,
                    minutes[day][minute + duration],
                    "",
                    duration,
                    "",
                    choice(vocabulary.MEETING_PLACES),
                    company_id,
                    contact_id,
                    when,
                    when,
                    curator,
                )
            )
    _tasks(rng, clock, batch, contact_id, company_id, curator, start)


# Plain strings: an enum member's `.value` is a descriptor call, ten million times.
_CALL, _EMAIL, _NOTE, _MEETING = (
    ActivityKind.CALL.value,
    ActivityKind.EMAIL.value,
    ActivityKind.NOTE.value,
    ActivityKind.MEETING.value,
)
_OUT, _IN = Direction.OUTGOING.value, Direction.INCOMING.value
_MONTHS = (
    "январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
    "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
_PRIORITIES = (
    TaskPriority.LOW.value,
    TaskPriority.NORMAL.value,
    TaskPriority.NORMAL.value,
    TaskPriority.NORMAL.value,
    TaskPriority.HIGH.value,
    TaskPriority.URGENT.value,
)


def task_row(
    *,
    title: str,
    description: str,
    assignee: int,
    due: str | None,
    priority: str,
    status: str,
    remind: str | None,
    reminded: str | None,
    completed: str | None,
    company_id: int | None,
    contact_id: int | None,
    created: str,
    author: int,
) -> tuple:
    """One row of the task table in TASK_COLUMNS order."""
    return (
        title,
        description,
        assignee,
        due,
        priority,
        status,
        remind,
        reminded,
        completed,
        company_id,
        contact_id,
        created,
        completed or created,
        author,
    )


def _tasks(rng, clock, batch, contact_id, company_id, curator, start) -> None:
    """Done tasks in the past, open ones ahead, and now and then an overdue one."""
    workdays = clock.workdays
    today = clock.today_index
    roll = rng.random()
    if roll < 0.35:
        day = workdays[start + int(rng.random() * (len(workdays) - start))]
        status, due_day = TaskStatus.DONE.value, day
    elif roll < 0.47:
        status, due_day = (
            TaskStatus.OPEN.value,
            today + 1 + rng.randrange(FUTURE_DAYS - 1),
        )
    elif roll < 0.51:
        status, due_day = TaskStatus.OPEN.value, max(today - 1 - rng.randrange(20), 0)
    else:
        return
    title = rng.choice(vocabulary.TASK_TITLES).format(
        product=rng.choice(vocabulary.PRODUCTS)
    )
    description = rng.choice(vocabulary.TASK_DESCRIPTIONS).format(
        product=rng.choice(vocabulary.PRODUCTS)
    )
    due = clock.at(due_day, 60 + rng.randrange(600))
    created = clock.at(max(due_day - 1 - rng.randrange(10), 0), rng.randrange(600))
    completed = None
    remind = reminded = None
    if status == TaskStatus.DONE.value:
        completed = clock.at(due_day, rng.randrange(DAY_MINUTES))
    if rng.random() < 0.5:
        remind = clock.at(due_day, 0)
        # A reminder in the past counts as delivered: loading a year of history must
        # not wake the reminder job up for every old task.
        if due_day <= today:
            reminded = remind
    batch.tasks.append(
        task_row(
            title=title,
            description=description,
            assignee=curator,
            due=due,
            priority=rng.choice(_PRIORITIES),
            status=status,
            remind=remind,
            reminded=reminded,
            completed=completed,
            company_id=company_id,
            contact_id=contact_id,
            created=created,
            author=curator,
        )
    )
