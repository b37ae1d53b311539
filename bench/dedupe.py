"""Duplicate detection: quality on generated sets with known duplicates, and time.

    python -m bench.dedupe [--sizes 100000,1000000] [--companies 100000] [--seed 1]
                           [--db] [--pg URL] [--workers 2]

The generators are deterministic (seeded).

Contacts (`--sizes`): people with Russian names drawn from common lists (so
namesakes are frequent, as in a real base of a million), birth dates, e-mails,
phones and addresses, some fields missing. About 12 % of them get one or two
duplicates made the way duplicates arise: a typo in a name (a letter changed,
added, dropped or two swapped), the name transliterated to Latin with one of the
usual systems (Sergey/Sergei/Sergej), first and last name swapped, fields missing,
the e-mail in capitals or with spaces or at another provider, the phone written as
8 (916) … . Hard non-duplicates are planted too: relatives sharing a phone, surname
and address. A duplicate keeps at least one identifying field (an e-mail, mailbox,
phone or birth date): a bare name is a namesake, not evidence.

Companies (`--companies`, 0 for none): names from word lists («Вектор»,
«Альфа-Трейд», «СтройТехМонтаж», a person's name for a sole proprietor) with their
legal forms, INN, KPP and OGRN with valid check digits from the tax offices of
their city, e-mails at their own domain or a mail provider, sites, phones,
addresses. About 12 % get one or two duplicates: the name spelled another way
(«ООО "Ромашка"», «Ромашка, ООО», «Общество с ограниченной ответственностью
«Ромашка»», «РОМАШКА», no legal form), a typo, Latin letters ("Romashka LLC"); the
INN kept or not, and a copy without it keeps the e-mail, phone or site (written
another way: capitals, another mailbox at the domain, www., 8 (495) …). Hard
non-duplicates: branches (the same name and INN, another KPP, often the same site),
namesakes in other regions with their own INN or none, and companies of one group
(«Вектор Строй», «Вектор Трейд») sharing a site, a switchboard or an address.

Quality is precision/recall/F1 of the pairs the engine calls "duplicate" against the
known pairs. Time is the engine's matching over plain rows (what a scan does after
loading). With `--db` the rows are also written to a SQLite database of their own
(bench/out/dedupe-<entity>-<size>-s<seed>/, kept for the next run), with `--pg URL`
to a fresh schema bench_dedupe_<entity>_<size>_s<seed> of that PostgreSQL database,
and `duplicates_scan` is timed end to end, with the load from the database
measured apart.

Prints one JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

ROOT = Path(__file__).resolve().parent.parent

_SURNAMES = """
Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров
Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов
Андреев Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов
Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин
Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков
Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев
Титов Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов
Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов
Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов
Лазарев Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов
Журавлёв Овчинников Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов
Никифоров Грачёв Котов Гришин Ефремов Архипов Громов Кириллов Малышев Панов Моисеев
Румянцев Акимов Кондратьев Бирюков Горбунов Анисимов Еремеев Субботин Шубин
Тихомиров Шестаков Шарапов Лукин Самойлов Хохлов Щукин Цветков Жданов Юдин Кошелев
Рябов Зуев Шилов Уваров Блинов Носков Ершов Третьяков
"""
_MALE = """
Александр Сергей Дмитрий Андрей Алексей Максим Евгений Иван Михаил Артём Владимир
Николай Денис Павел Роман Игорь Олег Юрий Виктор Константин Илья Антон Кирилл Вадим
Станислав Георгий Борис Григорий Фёдор Пётр Леонид Тимофей Ярослав Семён Василий
Валерий Аркадий Геннадий Эдуард Руслан
"""
_FEMALE = """
Елена Ольга Наталья Татьяна Ирина Светлана Мария Анна Екатерина Юлия Марина
Анастасия Людмила Галина Надежда Дарья Ксения Алина Вера Любовь Евгения Полина
Виктория Валентина Лариса Нина Жанна Алла Софья Кристина
"""
_STREETS = """
Ленина Мира Гагарина Садовая Советская Молодёжная Школьная Лесная Набережная
Центральная Победы Пушкина Тверская Арбат Невский
"""
_CITIES = """
Москва Санкт-Петербург Казань Новосибирск Екатеринбург Самара Пермь Воронеж Уфа
Краснодар
"""
SURNAMES, MALE, FEMALE = _SURNAMES.split(), _MALE.split(), _FEMALE.split()
STREETS, CITIES = _STREETS.split(), _CITIES.split()
DOMAINS = ["mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru"]

# Transliteration systems that people and systems actually use.
_BASE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "",
    "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
SYSTEMS = [
    _BASE,
    {**_BASE, "й": "i", "ю": "iu", "я": "ia", "х": "kh"},  # ICAO (passports)
    {**_BASE, "й": "j", "х": "h", "ц": "c", "ю": "ju", "я": "ja", "ё": "yo"},
    {**_BASE, "й": "i", "ё": "yo", "щ": "sch", "х": "h"},
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def translit(text: str, system: dict) -> str:
    out = "".join(system.get(ch, system.get(ch.lower(), ch)) for ch in text.lower())
    return out[:1].upper() + out[1:]


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    letters = (
        "аеиоуынрстлвкм" if any("а" <= c <= "я" for c in word.lower()) else "aeioulnrst"
    )
    if kind == 0:  # changed
        return word[:i] + rng.choice(letters) + word[i + 1 :]
    if kind == 1:  # added
        return word[:i] + rng.choice(letters) + word[i:]
    if kind == 2:  # dropped
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swapped


def _phone(rng: random.Random) -> str:
    return f"+79{rng.randrange(10**8, 10**9):09d}"


def _format_phone_loosely(phone: str) -> str:
    d = phone[2:]
    return f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}"


def generate(size: int, seed: int = 1) -> tuple[list[tuple], set[tuple[int, int]]]:
    """`size` contact rows (in the engine's column order) and the true pairs."""
    rng = random.Random(seed)
    rows: list[tuple] = []
    truth: set[tuple[int, int]] = set()
    pk = 0
    while len(rows) < size:
        pk += 1
        female = rng.random() < 0.5
        surname = rng.choice(SURNAMES) + ("а" if female else "")
        first = rng.choice(FEMALE if female else MALE)
        father = rng.choice(MALE)
        middle = (
            father + ("овна" if female else "ович")
            if not father.endswith(("й", "ий"))
            else father[:-1] + ("евна" if female else "евич")
        )
        birth = (
            dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
            if rng.random() < 0.6
            else None
        )
        latin = translit(surname, _BASE).lower()
        email = (
            f"{latin}.{translit(first, _BASE).lower()[:1]}{pk}@{rng.choice(DOMAINS)}"
            if rng.random() < 0.7
            else ""
        )
        phone = _phone(rng) if rng.random() < 0.6 else ""
        address = (
            f"г. {rng.choice(CITIES)}, ул. {rng.choice(STREETS)}, д. "
            f"{rng.randrange(1, 150)}, кв. {rng.randrange(1, 300)}"
            if rng.random() < 0.4
            else ""
        )
        base = (
            pk,
            surname,
            first,
            middle if rng.random() < 0.5 else "",
            birth,
            email,
            phone,
            address,
        )
        rows.append(base)
        base_index = len(rows) - 1
        if rng.random() < 0.02 and (phone or address):  # a relative: not a duplicate
            pk += 1
            rel_first = rng.choice(FEMALE if not female else MALE)
            rel_surname = surname[:-1] if female else surname + "а"
            rows.append((pk, rel_surname, rel_first, "", None, "", phone, address))
        if rng.random() >= 0.12:
            continue
        if not (email or phone or birth):
            # A bare name is a namesake, not evidence: the copies share a phone.
            phone = _phone(rng)
            base = (*base[:6], phone, address)
            rows[base_index] = base
        cluster = [base[0]]
        for _ in range(1 if rng.random() < 0.8 else 2):
            pk += 1
            rows.append((pk, *_variant(rng, base)[1:]))
            cluster.append(pk)
        for i, a in enumerate(cluster):
            for b in cluster[i + 1 :]:
                truth.add((a, b))
    return rows[:size], {p for p in truth if p[1] <= rows[min(size, len(rows)) - 1][0]}


def _variant(rng: random.Random, base: tuple) -> tuple:
    pk, last, first, middle, birth, email, phone, address = base
    change = rng.random()
    if change < 0.3:
        if rng.random() < 0.6:
            last = typo(rng, last)
        else:
            first = typo(rng, first)
    elif change < 0.55:
        system = rng.choice(SYSTEMS)
        last, first, middle = (
            translit(x, system) if x else "" for x in (last, first, middle)
        )
    elif change < 0.7:
        last, first = first, last
    # Which identifying fields survive: at least one of them.
    fields = {"email": email, "phone": phone, "birth": birth}
    present = [k for k, v in fields.items() if v]
    keep = set(rng.sample(present, rng.randint(1, len(present))))
    email = email if "email" in keep else ""
    phone = phone if "phone" in keep else ""
    birth = birth if "birth" in keep else None
    if email and rng.random() < 0.3:
        email = rng.choice(
            [
                email.upper(),
                f" {email} ",
                email.split("@")[0] + "@" + rng.choice(DOMAINS),
            ]
        )
    if phone and rng.random() < 0.4:
        phone = _format_phone_loosely(phone)
    if rng.random() < 0.5:
        middle = ""
    if rng.random() < 0.5:
        address = ""
    return (pk, last, first, middle, birth, email, phone, address)


# --- companies -------------------------------------------------------------------------

# The fields of a generated company, in this order (the model's names).
COMPANY_FIELDS = (
    "id", "name", "inn", "kpp", "ogrn", "email", "phone", "website", "region",
    "legal_address", "actual_address",
)  # fmt: skip
_ROOTS = """
Ромашка Вектор Альфа Бета Гамма Дельта Омега Сигма Спектр Прогресс Импульс Атлант
Титан Гранит Кристалл Меридиан Горизонт Рассвет Восход Заря Весна Радуга Берёзка Кедр
Рубин Изумруд Сапфир Янтарь Малахит Аметист Феникс Пегас Орион Вега Сириус Полюс
Арктика Сибирь Урал Волга Байкал Амур Енисей Нева Ока Кама Эльбрус Алтай Север Восток
Мегаполис Монолит Фундамент Каскад Магистраль Маяк Парус Фрегат Якорь Штурман Лидер
Авангард Триумф Успех Партнёр Союз Содружество Альянс Эксперт Профи Мастер Технолог
Энергия Ресурс Потенциал Стандарт Эталон Гарант Оптима Максимум Премьер Статус
Престиж Элита Классика Модерн Стиль Формат Интеграл Квант Логика Матрица Синтез
Эволюция Перспектива Траектория Навигатор Компас Азимут Зенит Олимп Атлас Континент
Глобус Планета Галактика Комета Метеор Спутник Сокол Беркут Кондор Барс Рысь Бизон
Мустанг Велес Ярило Светоч Дружба Надежда Виктория Фортуна Аврора Гелиос Нептун
Сатурн Юпитер Меркурий Аргон Неон Криптон Ксенон Ниагара Эверест Памир Тайга
"""
_SUFFIXES = """
Плюс Групп Трейд Строй Сервис Холдинг Логистик Инвест Проект Торг Снаб Пром Тех Софт
Медиа Агро Авто Фарм Энерго Капитал Консалтинг Центр Регион Систем Маркет Девелопмент
Инжиниринг Эксперт Лайн Про
"""
_PREFIXES = """
Строй Тех Техно Пром Агро Авто Энерго Электро Газ Нефте Лес Мет Евро Рос Сиб Урал Мед
Фарм Инфо Телеком Транс Спец Гидро Тепло Термо Хим Био Эко Аква Гео
"""
_STEMS = """
Монтаж Сервис Снаб Торг Строй Комплект Ресурс Проект Маш Пласт Лайн Систем Инвест
Трейд Логистика Модуль Профиль Комплекс Холод Свет Мастер Групп Альянс Импорт
"""
ROOTS, SUFFIXES = _ROOTS.split(), _SUFFIXES.split()
PREFIXES, STEMS = _PREFIXES.split(), _STEMS.split()
# The abbreviation of a legal form: its full spelling, its Latin ones and how common.
FORMS = {
    "ООО": ("Общество с ограниченной ответственностью", ("LLC", "OOO", "Ltd"), 0.72),
    "АО": ("Акционерное общество", ("JSC", "AO"), 0.07),
    "ПАО": ("Публичное акционерное общество", ("PJSC", "PAO"), 0.01),
    "ЗАО": ("Закрытое акционерное общество", ("CJSC", "ZAO"), 0.04),
    "АНО": ("Автономная некоммерческая организация", ("ANO",), 0.02),
    "ИП": ("Индивидуальный предприниматель", ("IP",), 0.14),
}
# A city: its phone code, the tax offices (region and office) that register
# companies there, and how common it is.
CITY_OFFICES = {
    "Москва": ("495", [f"77{i:02d}" for i in range(1, 52)], 0.35),
    "Санкт-Петербург": ("812", [f"78{i:02d}" for i in range(1, 43)], 0.15),
    "Казань": ("843", [f"16{i:02d}" for i in range(55, 61)], 0.06),
    "Новосибирск": ("383", [f"54{i:02d}" for i in range(1, 11)], 0.06),
    "Екатеринбург": ("343", [f"66{i:02d}" for i in range(58, 80)], 0.07),
    "Самара": ("846", [f"63{i:02d}" for i in range(11, 20)], 0.05),
    "Пермь": ("342", [f"59{i:02d}" for i in range(2, 9)], 0.05),
    "Воронеж": ("473", [f"36{i:02d}" for i in range(61, 67)], 0.05),
    "Уфа": ("347", [f"02{i:02d}" for i in range(72, 79)], 0.06),
    "Краснодар": ("861", [f"23{i:02d}" for i in range(8, 13)], 0.1),
}
MAILBOXES = ("info", "office", "mail", "sales", "zakaz")
_FORM_NAMES = list(FORMS)
_FORM_WEIGHTS = [FORMS[f][2] for f in _FORM_NAMES]
_CITY_NAMES = list(CITY_OFFICES)
_CITY_WEIGHTS = [CITY_OFFICES[c][2] for c in _CITY_NAMES]
# Which field of a company row is where.
_C = {name: i for i, name in enumerate(COMPANY_FIELDS)}


class _Numbers:
    """Unique registration numbers and domains: each tax office numbers its own
    companies, and a second company with the same name gets `romashka2.ru`."""

    def __init__(self) -> None:
        self.serials: dict[str, int] = {}
        self.slugs: dict[str, int] = {}

    def serial(self, office: str) -> int:
        self.serials[office] = self.serials.get(office, 0) + 1
        return self.serials[office]

    def slug(self, slug: str) -> str:
        self.slugs[slug] = count = self.slugs.get(slug, 0) + 1
        return slug if count == 1 else f"{slug}{count}"


def _scramble(value: int, modulus: int) -> int:
    """Map 0…modulus-1 onto itself one to one, so that consecutive numbers look
    random (the multiplier is coprime with every power of ten)."""
    return (value * 7_368_787 + 1_234_567) % modulus


def _inn(office: str, serial: int, *, person: bool) -> str:
    """An INN with valid check digits: 10 digits of an organisation, 12 of a person
    (a sole proprietor), the first four naming the tax office."""
    if person:
        body = f"{office}{_scramble(serial + int(office) * 7919, 10**6):06d}"
        return body + stdnum_inn.calc_personal_check_digits(body)
    body = f"{office}{_scramble(serial + int(office) * 7919, 10**5):05d}"
    return body + stdnum_inn.calc_company_check_digit(body)


def _ogrn(year: int, office: str, serial: int, *, person: bool) -> str:
    """An OGRN (13 digits) or a sole proprietor's OGRNIP (15 digits): the sign, the
    year, the region and office, a number and the check digit."""
    if person:
        # The check is the remainder modulo 13, a digit only when below ten.
        number = _scramble(serial, 10**9)
        while True:
            body = f"3{year % 100:02d}{office[:2]}{number:09d}"
            if int(body) % 13 < 10:
                return body + str(int(body) % 13)
            number += 1
    body = (
        f"1{year % 100:02d}{office}{_scramble(serial + int(office) * 7919, 10**5):05d}"
    )
    return body + stdnum_ogrn.calc_check_digit(body + "0")


def _kpp(office: str, *, branch: int = 0) -> str:
    """A KPP: the tax office, the reason (01 head office, 43 a branch) and a number
    (the branches of one organisation at one office are numbered)."""
    return f"{office}43{branch:03d}" if branch else f"{office}01001"


def _person_name(rng: random.Random) -> str:
    female = rng.random() < 0.4
    father = rng.choice(MALE)
    middle = (
        father + ("овна" if female else "ович")
        if not father.endswith(("й", "ий"))
        else father[:-1] + ("евна" if female else "евич")
    )
    surname = rng.choice(SURNAMES) + ("а" if female else "")
    return f"{surname} {rng.choice(FEMALE if female else MALE)} {middle}"


def _core(rng: random.Random) -> str:
    """A company's name without its legal form: «Вектор», «Альфа-Трейд»,
    «СтройТехМонтаж», «Энергомаш Плюс»."""
    kind = rng.random()
    if kind < 0.08:
        return rng.choice(ROOTS)
    if kind < 0.6:
        return rng.choice(ROOTS) + rng.choice((" ", "-")) + rng.choice(SUFFIXES)
    compound = rng.choice(PREFIXES) + rng.choice(STEMS)
    if rng.random() < 0.3:
        compound = compound[:1] + compound[1:].lower()
    return compound if kind < 0.9 else f"{compound} {rng.choice(SUFFIXES)}"


def _slug(core: str) -> str:
    latin = translit(core, _BASE).lower()
    return "-".join("".join(c if c.isalnum() else " " for c in latin).split())


def spell(
    rng: random.Random, form: str, core: str, *, latin: dict | None = None
) -> str:
    """One of the ways people write a name with its legal form: «ООО "Ромашка"»,
    «Ромашка, ООО», «Общество с ограниченной ответственностью «Ромашка»», «РОМАШКА»,
    "Romashka LLC"…"""
    full, latin_forms, _share = FORMS[form]
    if latin is not None:
        core = " ".join(translit(word, latin) for word in core.split())
        short = rng.choice(latin_forms)
        quoted = f'"{core}"' if rng.random() < 0.3 and form != "ИП" else core
        return rng.choice(
            (f"{short} {quoted}", f"{core} {short}", f"{core}, {short}", core)
        )
    if form == "ИП":
        return rng.choice((f"ИП {core}", f"{full} {core}", f"{core}, ИП", core))
    left, right = rng.choice((("«", "»"), ('"', '"'), ("", "")))
    quoted = f"{left}{core}{right}"
    return rng.choice(
        (
            f"{form} {quoted}",
            f"{quoted}, {form}",
            f"{quoted} {form}",
            f"{full} {quoted}",
            f"{form} {quoted}".upper(),
            quoted,
        )
    )


def _address(rng: random.Random, city: str) -> str:
    office = f", офис {rng.randrange(1, 500)}" if rng.random() < 0.5 else ""
    return f"г. {city}, ул. {rng.choice(STREETS)}, д. {rng.randrange(1, 150)}{office}"


def _address_variant(rng: random.Random, address: str) -> str:
    """The same address written another way: «Казань г, Ленина ул, дом 5»."""
    if not address or rng.random() < 0.6:
        return address
    parts = [p.strip() for p in address.split(",")]
    out = []
    for part in parts:
        kind, _, value = part.partition(" ")
        if kind in ("г.", "ул."):
            out.append(f"{value} {kind.rstrip('.')}")
        elif kind == "д.":
            out.append(f"дом {value}")
        elif kind == "офис":
            out.append(f"оф. {value}")
        else:
            out.append(part)
    return ", ".join(out)


def _company(
    rng: random.Random,
    numbers: _Numbers,
    pk: int,
    form: str,
    core: str,
    city: str,
) -> tuple:
    """A company as it was first entered: the usual spelling, INN and KPP of a tax
    office of its city (most of the time), an e-mail at its own domain or at a mail
    provider, a city or mobile phone, addresses."""
    code, offices, _share = CITY_OFFICES[city]
    office = rng.choice(offices)
    person = form == "ИП"
    inn = kpp = ogrn = ""
    if rng.random() < (0.75 if person else 0.85):
        serial = numbers.serial(office + ("p" if person else ""))
        year = rng.randrange(2002, 2025)
        inn = _inn(office, serial, person=person)
        if not person and rng.random() < 0.85:
            kpp = _kpp(office)
        if rng.random() < 0.5:
            ogrn = _ogrn(year, office, serial, person=person)
    email = website = ""
    kind = rng.random()
    if person:
        # A sole proprietor writes from a mailbox of his own name.
        surname, first = core.split()[:2]
        slug = f"{_slug(surname)}.{_slug(first)[:1]}"
        if kind < 0.75:
            email = f"{numbers.slug(slug)}@{rng.choice(DOMAINS)}"
    elif kind < 0.55:
        domain = numbers.slug(_slug(core)) + ".ru"
        email = f"{rng.choice(MAILBOXES)}@{domain}" if rng.random() < 0.9 else ""
        website = f"https://{domain}" if rng.random() < 0.75 else ""
    elif kind < 0.85:
        email = f"{numbers.slug(_slug(core))}@{rng.choice(DOMAINS)}"
    phone = ""
    if rng.random() < 0.8:
        phone = (
            _phone(rng)
            if rng.random() < 0.25
            else f"+7{code}{rng.randrange(10**7):07d}"
        )
    if person:
        name = rng.choice((f"ИП {core}", core))
    else:
        name = f"{form} «{core}»" if rng.random() < 0.6 else f'{form} "{core}"'
    return (
        pk,
        name,
        inn,
        kpp,
        ogrn,
        email,
        phone,
        website,
        city,
        _address(rng, city) if rng.random() < 0.7 else "",
        _address(rng, city) if rng.random() < 0.35 else "",
    )


def _branch(rng: random.Random, pk: int, base: tuple, number: int) -> tuple:
    """A branch of `base`: the same name, INN and OGRN, another KPP (reason 43) and
    its own city, phone and address; often the head office's site and domain."""
    city = rng.choice(_CITY_NAMES)
    code, offices, _share = CITY_OFFICES[city]
    website, email = base[_C["website"]], base[_C["email"]]
    domain = website.removeprefix("https://") or email.partition("@")[2]
    own_domain = domain and domain not in DOMAINS
    name = base[_C["name"]]
    if rng.random() < 0.3:
        name = f"{name} ({city})"
    return (
        pk,
        name,
        base[_C["inn"]],
        _kpp(rng.choice(offices), branch=number),
        base[_C["ogrn"]],
        f"{_slug(city)}@{domain}" if own_domain and rng.random() < 0.5 else "",
        f"+7{code}{rng.randrange(10**7):07d}",
        website if rng.random() < 0.5 else "",
        city,
        base[_C["legal_address"]],
        _address(rng, city),
    )


def _sister(
    rng: random.Random, numbers: _Numbers, pk: int, base: tuple, form: str, core: str
) -> tuple:
    """Another company of the same group: the group's word with another one
    («Вектор Строй» beside «Вектор Трейд»), its own INN or none, and often the
    group's site, a mailbox at its domain, its switchboard and its address."""
    root = core.replace("-", " ").split()[0]
    sister = f"{root} {rng.choice([x for x in SUFFIXES if x not in core])}"
    row = list(_company(rng, numbers, pk, form, sister, base[_C["region"]]))
    website, email = base[_C["website"]], base[_C["email"]]
    domain = website.removeprefix("https://") or email.partition("@")[2]
    if domain and domain not in DOMAINS:
        if rng.random() < 0.6:
            row[_C["email"]] = f"{rng.choice(MAILBOXES)}@{domain}"
        row[_C["website"]] = website if rng.random() < 0.5 else ""
    if base[_C["phone"]] and rng.random() < 0.4:
        row[_C["phone"]] = base[_C["phone"]]
    if rng.random() < 0.6:
        row[_C["legal_address"]] = base[_C["legal_address"]]
    return tuple(row)


def _typo_core(rng: random.Random, core: str) -> str:
    words = core.split()
    long = [i for i, w in enumerate(words) if len(w) >= 4]
    if not long:
        return core
    i = rng.choice(long)
    words[i] = typo(rng, words[i])
    return " ".join(words)


def _company_copy(rng: random.Random, pk: int, base: tuple, form: str, core: str):
    """A duplicate of `base` made the way they arise: the name spelled another way
    (the legal form written out, abbreviated, after the name or missing; «», "" or no
    quotes), sometimes with a typo or in Latin letters; the INN often, but not always,
    kept; the e-mail, phone and site each kept or not, written another way. A copy
    without the INN keeps at least one of the e-mail, phone and site."""
    _, _, inn, kpp, ogrn, email, phone, website, city, legal, actual = base
    change = rng.random()
    latin = None
    if change < 0.25:
        core = _typo_core(rng, core)
    elif change < 0.45:
        latin = rng.choice(SYSTEMS)
    name = spell(rng, form, core, latin=latin)
    keep_inn = bool(inn) and rng.random() < 0.75
    present = [k for k, v in (("e", email), ("p", phone), ("w", website)) if v]
    keep = {k for k in present if rng.random() < 0.5}
    if not keep_inn and not keep:
        if present:
            keep.add(rng.choice(present))
        else:
            keep_inn = True
    kpp = kpp if keep_inn and rng.random() < 0.6 else ""
    ogrn = ogrn if keep_inn and rng.random() < 0.3 else ""
    inn = inn if keep_inn else ""
    if "e" not in keep:
        email = ""
    elif rng.random() < 0.3:
        local, _, domain = email.partition("@")
        others = [m for m in MAILBOXES if m != local]
        email = rng.choice(
            [email.upper(), f" {email} "]
            + ([f"{rng.choice(others)}@{domain}"] if domain not in DOMAINS else [])
        )
    if "p" not in keep:
        phone = ""
    elif rng.random() < 0.4:
        phone = _format_phone_loosely(phone)
    if "w" not in keep:
        website = ""
    elif rng.random() < 0.4:
        domain = website.removeprefix("https://")
        website = rng.choice(
            [f"http://www.{domain}", f"www.{domain}", domain, f"https://{domain}/"]
        )
    return (
        pk,
        name,
        inn,
        kpp,
        ogrn,
        email,
        phone,
        website,
        city if rng.random() < 0.7 else "",
        _address_variant(rng, legal) if rng.random() < 0.5 else "",
        _address_variant(rng, actual) if rng.random() < 0.5 else "",
    )


def generate_companies(
    size: int, seed: int = 1
) -> tuple[list[tuple], set[tuple[int, int]]]:
    """`size` company rows (in `COMPANY_FIELDS` order) and the true pairs.

    About 12 % of companies get one or two duplicates (`_company_copy`). Hard
    non-duplicates are planted too: branches (2 % of organisations with a KPP: the
    same name and INN, another KPP, often the same site), namesakes in other
    regions (3 %: the same name, their own INN or none, nothing else in common) and
    companies of one group (1.5 %: a shared word of the name, site, mailbox domain,
    switchboard or address); the word lists make further namesakes by chance, as in
    a real base.
    """
    rng = random.Random(f"companies-{seed}")
    numbers = _Numbers()
    rows: list[tuple] = []
    truth: set[tuple[int, int]] = set()
    pk = 0
    while len(rows) < size:
        pk += 1
        form = rng.choices(_FORM_NAMES, _FORM_WEIGHTS)[0]
        core = _person_name(rng) if form == "ИП" else _core(rng)
        city = rng.choices(_CITY_NAMES, _CITY_WEIGHTS)[0]
        base = _company(rng, numbers, pk, form, core, city)
        rows.append(base)
        base_index = len(rows) - 1
        other = rng.random()
        if other < 0.02 and base[_C["kpp"]]:
            for number in range(1, rng.choice((2, 2, 3))):
                pk += 1
                rows.append(_branch(rng, pk, base, number))
        elif other < 0.05:
            pk += 1
            elsewhere = rng.choice([c for c in _CITY_NAMES if c != city])
            rows.append(_company(rng, numbers, pk, form, core, elsewhere))
        elif other < 0.065 and form != "ИП":
            pk += 1
            rows.append(_sister(rng, numbers, pk, base, form, core))
        if rng.random() >= 0.12:
            continue
        if not any(base[_C[k]] for k in ("inn", "email", "phone", "website")):
            # A bare name is a namesake, not evidence: the copies share a phone.
            base = (*base[:6], _phone(rng), *base[7:])
            rows[base_index] = base
        cluster = [base[0]]
        for _ in range(1 if rng.random() < 0.8 else 2):
            pk += 1
            rows.append(_company_copy(rng, pk, base, form, core))
            cluster.append(pk)
        for i, a in enumerate(cluster):
            for b in cluster[i + 1 :]:
                truth.add((a, b))
    rows = rows[:size]
    last = rows[-1][0]
    return rows, {p for p in truth if p[1] <= last}


# --- measuring -------------------------------------------------------------------------


def quality(found, truth: set) -> dict:
    predicted = {(c.a, c.b) for c in found if c.decision == "duplicate"}
    possible = {(c.a, c.b) for c in found if c.decision == "possible"}
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "true_pairs": len(truth),
        "duplicate_pairs": len(predicted),
        "possible_pairs": len(possible),
        "true_in_possible": len(possible & truth),
        "missed": len(truth - predicted - possible),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# Where each entity's generated rows go: the model's fields, in the rows' order.
FIELDS = {
    "contact": (
        "id", "last_name", "first_name", "middle_name", "birth_date", "email",
        "phone", "address",
    ),
    "company": COMPANY_FIELDS,
}  # fmt: skip
GENERATORS = {"contact": generate, "company": generate_companies}
PLURAL = {"contact": "contacts", "company": "companies"}


def engine_rows(entity: str, rows: list[tuple]) -> list[tuple]:
    """Generated rows in the columns the engine reads (`spec(entity).columns`), as a
    scan reads them from the database."""
    from crm.duplicates.matching import spec

    where = [FIELDS[entity].index(c) for c in spec(entity).columns]
    if where == list(range(len(FIELDS[entity]))):
        return rows
    return [tuple(row[i] for i in where) for row in rows]


def run(
    sizes=(100_000, 1_000_000),
    seed: int = 1,
    workers: int = 2,
    db: bool = False,
    *,
    companies=(100_000,),
    pg_url: str = "",
) -> dict:
    """Quality and time of detection for each size of contacts and of companies; with
    `db`, a scan on SQLite, and with `pg_url` on PostgreSQL. See the module
    docstring."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    engines = (["sqlite"] if db else []) + (["postgresql"] if pg_url else [])
    result: dict = {"seed": seed, "workers": workers, "contacts": {}, "companies": {}}
    for entity, entity_sizes in (("contact", sizes), ("company", companies)):
        for size in entity_sizes:
            figures = _measure(entity, size, seed, workers)
            for engine in engines:
                figures.setdefault("database", {})[engine] = _db_run(
                    entity, size, seed, engine, pg_url
                )
                log(json.dumps({engine: figures["database"][engine]}))
            result[PLURAL[entity]][str(size)] = figures
    return result


def _measure(entity: str, size: int, seed: int, workers: int) -> dict:
    """Generate `size` records with known duplicates and time the engine on them."""
    from crm.duplicates.matching import find_pairs

    log(f"generating {size} {entity} rows…")
    started = time.perf_counter()
    rows, truth = GENERATORS[entity](size, seed)
    generated = time.perf_counter() - started
    log(f"matching {size} {entity} rows…")
    stats: dict = {}
    started = time.perf_counter()
    found = find_pairs(entity, engine_rows(entity, rows), workers=workers, stats=stats)
    seconds = time.perf_counter() - started
    figures = {
        "generate_seconds": round(generated, 2),
        "match_seconds": round(seconds, 2),
        "records_per_second": round(size / seconds),
        **stats,
        **quality(found, truth),
        "peak_rss_mb": _peak_mb(),
    }
    log(json.dumps(figures))
    return figures


MARKER = "loaded.json"


def _db_run(entity: str, size: int, seed: int, engine: str, pg_url: str) -> dict:
    """Load the generated rows into a database of their own and time a full scan.

    SQLite: bench/out/dedupe-<entity>-<size>-s<seed>/, kept for the next run while
    the generator makes the same rows. PostgreSQL: a fresh schema
    bench_dedupe_<entity>_<size>_s<seed> of the database in the URL every time.
    The child process generates the rows again (the generator is deterministic),
    so nothing large goes through a pipe.
    """
    from bench.run import BenchError, _pg_fresh_schema

    name = f"dedupe-{entity}-{size}-s{seed}"
    data_dir = ROOT / "bench" / "out" / (name if engine == "sqlite" else f"{name}-pg")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "PGOPTIONS", "PYTEST_VERSION", "REDIS_URL")
    }
    env.update(
        CRM_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="crm.settings",
        DEBUG="false",
        LOG_LEVEL="ERROR",
    )
    if engine == "postgresql":
        schema = name.replace("-", "_").replace("dedupe", "bench_dedupe")
        try:
            _pg_fresh_schema(pg_url, schema)
        except BenchError as error:
            return {"error": str(error)}
        env["DATABASE_URL"] = pg_url
        # libpq reads PGOPTIONS: every connection of the child uses the schema.
        env["PGOPTIONS"] = f"-c search_path={schema}"
        shutil.rmtree(data_dir, ignore_errors=True)
    elif not (data_dir / MARKER).exists():
        # A database not loaded by a finished run starts again from nothing.
        shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    log(f"loading and scanning {size} {entity} rows on {engine}…")
    command = [sys.executable, "-m", "bench.dedupe", "--child-db", entity]
    command += ["--sizes", str(size), "--seed", str(seed)]
    process = subprocess.run(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=False
    )
    if process.returncode != 0:
        return {"error": f"the scan child failed with exit code {process.returncode}"}
    return json.loads(process.stdout)


def _child_db(entity: str, size: int, seed: int) -> int:
    """In a child process with its own database: migrate, load, scan twice, read the
    first page of the queue."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from crm.core.bulk import refresh_statistics
    from crm.demo import bulk
    from crm.duplicates.models import DuplicatePair
    from crm.duplicates.services import duplicates_scan
    from crm.duplicates.services.queue import model_of

    rows, truth = GENERATORS[entity](size, seed)
    fingerprint = hashlib.sha256(
        json.dumps(rows, default=str, ensure_ascii=False).encode()
    ).hexdigest()
    call_command("migrate", interactive=False, verbosity=0)
    model = model_of(entity)
    marker = Path(os.environ["CRM_DATA_DIR"]) / MARKER
    loaded = json.loads(marker.read_text()) if marker.exists() else {}
    figures: dict = {"engine": connection.vendor}
    if loaded.get(entity) != fingerprint:
        started = time.perf_counter()
        DuplicatePair.objects.filter(entity=entity).delete()
        model.all_objects.all().delete()
        table = bulk.Table(model, FIELDS[entity])
        with transaction.atomic():
            for start in range(0, len(rows), 50_000):
                bulk.insert(table, [tuple(r) for r in rows[start : start + 50_000]])
        refresh_statistics([model])
        figures["write_seconds"] = round(time.perf_counter() - started, 2)
        marker.write_text(json.dumps({**loaded, entity: fingerprint}))
    else:
        figures["reused"] = True
    del rows
    DuplicatePair.objects.filter(entity=entity).delete()
    result = duplicates_scan(entity=entity)
    again = duplicates_scan(entity=entity)
    figures.update(
        {
            "records": result.records,
            "load_seconds": round(result.load_seconds, 2),
            "match_seconds": round(result.match_seconds, 2),
            "store_seconds": round(result.store_seconds, 2),
            "total_seconds": round(
                result.load_seconds + result.match_seconds + result.store_seconds, 2
            ),
            "rescan_seconds": round(
                again.load_seconds + again.match_seconds + again.store_seconds, 2
            ),
            # The scan from the database must find what the engine found in memory.
            "f1": quality(result.candidates, truth)["f1"],
            "queued_pairs": DuplicatePair.objects.filter(entity=entity).count(),
            "queue_first_page_ms": _queue_page_ms(entity),
            "peak_rss_mb": _peak_mb(),
        }
    )
    print(json.dumps(figures))
    return 0


def _queue_page_ms(entity: str) -> float:
    """Server time of the first page of the queue (50 pairs with their records and
    the count) as an administrator, median of five."""
    import statistics

    from django.contrib.auth import get_user_model

    from crm.duplicates.selectors import attach_records, pair_list

    admin = get_user_model().objects.filter(username="bench-admin").first()
    if admin is None:
        admin = get_user_model().objects.create(
            username="bench-admin", role="admin", is_active=True
        )
    times = []
    for _ in range(5):
        started = time.perf_counter()
        queryset = pair_list(actor=admin, filters={"entity": entity})
        attach_records(list(queryset[:50]))
        queryset.count()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def _sizes(text: str) -> list[int]:
    return [int(s.replace("_", "")) for s in text.split(",") if s.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="contacts")
    parser.add_argument("--companies", default="100000", help="companies (0: none)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", action="store_true", help="scan on SQLite too")
    parser.add_argument(
        "--pg",
        default="",
        metavar="URL",
        help="scan on PostgreSQL too, in a fresh schema of this database",
    )
    parser.add_argument("--child-db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_db:
        return _child_db(args.child_db, _sizes(args.sizes)[0], args.seed)
    result = run(
        [s for s in _sizes(args.sizes) if s],
        seed=args.seed,
        workers=args.workers,
        db=args.db,
        companies=[s for s in _sizes(args.companies) if s],
        pg_url=args.pg,
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
