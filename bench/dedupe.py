"""Duplicate detection: quality on a generated set with known duplicates, and time.

    python -m bench.dedupe [--sizes 100000,1000000] [--seed 1] [--companies 100000]
                           [--db] [--workers 2]

The generator is deterministic (seeded): people with Russian names drawn from
common lists (so namesakes are frequent, as in a real base of a million), birth
dates, e-mails, phones and addresses, some fields missing. About 12 % of them get
one or two duplicates made the way duplicates arise: a typo in a name (a letter
changed, added, dropped or two swapped), the name transliterated to Latin with one
of the usual systems (Sergey/Sergei/Sergej), first and last name swapped, fields
missing, the e-mail in capitals or with spaces or at another provider, the phone
written as 8 (916) … . Hard non-duplicates are planted too: relatives sharing a
phone, surname and address. A duplicate keeps at least one identifying field (an
e-mail, mailbox, phone or birth date): a bare name is a namesake, not evidence.

Quality is precision/recall/F1 of the pairs the engine calls "duplicate" against the
known pairs. Time is the engine's matching over plain rows (what a scan does after
loading); with `--db`, the rows are also written to a SQLite database of their own
(bench/out/dedupe-<size>-s<seed>/) and `duplicates_scan` is timed end to end with
the load from the database measured apart.

Prints one JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SURNAMES = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Филиппов",
    "Комаров",
    "Давыдов",
    "Беляев",
    "Герасимов",
    "Богданов",
    "Осипов",
    "Сидоров",
    "Матвеев",
    "Титов",
    "Марков",
    "Миронов",
    "Крылов",
    "Куликов",
    "Карпов",
    "Власов",
    "Мельников",
    "Денисов",
    "Гаврилов",
    "Тихонов",
    "Казаков",
    "Афанасьев",
    "Данилов",
    "Савельев",
    "Тимофеев",
    "Фомин",
    "Чернов",
    "Абрамов",
    "Мартынов",
    "Ефимов",
    "Федотов",
    "Щербаков",
    "Назаров",
    "Калинин",
    "Исаев",
    "Чернышёв",
    "Быков",
    "Маслов",
    "Родионов",
    "Коновалов",
    "Лазарев",
    "Воронин",
    "Климов",
    "Филатов",
    "Пономарёв",
    "Голубев",
    "Кудрявцев",
    "Прохоров",
    "Наумов",
    "Потапов",
    "Журавлёв",
    "Овчинников",
    "Трофимов",
    "Леонов",
    "Соболев",
    "Ермаков",
    "Колесников",
    "Гончаров",
    "Емельянов",
    "Никифоров",
    "Грачёв",
    "Котов",
    "Гришин",
    "Ефремов",
    "Архипов",
    "Громов",
    "Кириллов",
    "Малышев",
    "Панов",
    "Моисеев",
    "Румянцев",
    "Акимов",
    "Кондратьев",
    "Бирюков",
    "Горбунов",
    "Анисимов",
    "Еремеев",
    "Субботин",
    "Шубин",
    "Тихомиров",
    "Шестаков",
    "Шарапов",
    "Лукин",
    "Самойлов",
    "Хохлов",
    "Щукин",
    "Цветков",
    "Жданов",
    "Юдин",
    "Кошелев",
    "Рябов",
    "Зуев",
    "Шилов",
    "Уваров",
    "Блинов",
    "Носков",
    "Ершов",
    "Третьяков",
]
MALE = [
    "Александр",
    "Сергей",
    "Дмитрий",
    "Андрей",
    "Алексей",
    "Максим",
    "Евгений",
    "Иван",
    "Михаил",
    "Артём",
    "Владимир",
    "Николай",
    "Денис",
    "Павел",
    "Роман",
    "Игорь",
    "Олег",
    "Юрий",
    "Виктор",
    "Константин",
    "Илья",
    "Антон",
    "Кирилл",
    "Вадим",
    "Станислав",
    "Георгий",
    "Борис",
    "Григорий",
    "Фёдор",
    "Пётр",
    "Леонид",
    "Тимофей",
    "Ярослав",
    "Семён",
    "Василий",
    "Валерий",
    "Аркадий",
    "Геннадий",
    "Эдуард",
    "Руслан",
]
FEMALE = [
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Мария",
    "Анна",
    "Екатерина",
    "Юлия",
    "Марина",
    "Анастасия",
    "Людмила",
    "Галина",
    "Надежда",
    "Дарья",
    "Ксения",
    "Алина",
    "Вера",
    "Любовь",
    "Евгения",
    "Полина",
    "Виктория",
    "Валентина",
    "Лариса",
    "Нина",
    "Жанна",
    "Алла",
    "Софья",
    "Кристина",
]
STREETS = [
    "Ленина",
    "Мира",
    "Гагарина",
    "Садовая",
    "Советская",
    "Молодёжная",
    "Школьная",
    "Лесная",
    "Набережная",
    "Центральная",
    "Победы",
    "Пушкина",
    "Тверская",
    "Арбат",
    "Невский",
]
CITIES = [
    "Москва",
    "Санкт-Петербург",
    "Казань",
    "Новосибирск",
    "Екатеринбург",
    "Самара",
    "Пермь",
    "Воронеж",
    "Уфа",
    "Краснодар",
]
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


def run(
    sizes=(100_000, 1_000_000), seed: int = 1, workers: int = 2, db: bool = False
) -> dict:
    """Quality and time of detection for each size; see the module docstring."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    from crm.duplicates.matching import find_pairs

    result: dict = {"seed": seed, "workers": workers, "contacts": {}}
    for size in sizes:
        log(f"generating {size} contacts…")
        started = time.perf_counter()
        rows, truth = generate(size, seed)
        generated = time.perf_counter() - started
        log(f"matching {size} contacts…")
        stats: dict = {}
        started = time.perf_counter()
        found = find_pairs("contact", rows, workers=workers, stats=stats)
        seconds = time.perf_counter() - started
        figures = {
            "generate_seconds": round(generated, 2),
            "match_seconds": round(seconds, 2),
            "records_per_second": round(size / seconds),
            **stats,
            **quality(found, truth),
            "peak_rss_mb": _peak_mb(),
        }
        if db:
            figures["database"] = _db_run(size, seed, rows)
        result["contacts"][str(size)] = figures
        log(json.dumps(figures))
        del rows, found
    return result


def _db_run(size: int, seed: int, rows: list[tuple]) -> dict:
    """Write the rows into a SQLite database of their own and time a full scan."""
    import subprocess
    import tempfile

    data_dir = ROOT / "bench" / "out" / f"dedupe-{size}-s{seed}"
    if not (data_dir / MARKER).exists():
        # A database not loaded by a finished run starts again from nothing.
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CRM_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(
            [[*r[:4], r[4].isoformat() if r[4] else None, *r[5:]] for r in rows], handle
        )
        path = handle.name
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bench.dedupe", "--child-db", path],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    except subprocess.CalledProcessError as error:
        return {"error": error.stderr[-2000:]}
    finally:
        os.unlink(path)
    return json.loads(out.stdout)


MARKER = "loaded.json"


def _child_db(path: str) -> int:
    """In a child process with its own CRM_DATA_DIR: migrate, load, scan."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from crm.customers.models import Contact
    from crm.duplicates.models import DuplicatePair
    from crm.duplicates.services import duplicates_scan

    call_command("migrate", verbosity=0)
    with open(path) as handle:
        rows = json.load(handle)
    table = Contact._meta.db_table
    if Contact.all_objects.count() != len(rows):
        DuplicatePair.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        now = timezone.now().isoformat()
        columns = (
            "id, last_name, first_name, middle_name, birth_date, email, phone, address, "
            "created_at, updated_at, version, description, external_id, custom_fields, "
            "search_text, consent_email, consent_sms, consent_phone"
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
                "(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,1,'','','{}','',0,0,0)",
                [(*r, now, now) for r in rows],
            )
    marker = Path(os.environ["CRM_DATA_DIR"]) / MARKER
    marker.write_text(json.dumps({"records": len(rows)}))
    DuplicatePair.objects.all().delete()
    result = duplicates_scan(entity="contact")
    again = duplicates_scan(entity="contact")
    queue_ms = _queue_page_ms()
    print(
        json.dumps(
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
                "queued_pairs": DuplicatePair.objects.count(),
                "queue_first_page_ms": queue_ms,
            }
        )
    )
    return 0


def _queue_page_ms() -> float:
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
        queryset = pair_list(actor=admin, filters={"entity": "contact"})
        attach_records(list(queryset[:50]))
        queryset.count()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", action="store_true")
    parser.add_argument("--child-db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_db:
        return _child_db(args.child_db)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    print(
        json.dumps(
            run(sizes, seed=args.seed, workers=args.workers, db=args.db), indent=2
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
