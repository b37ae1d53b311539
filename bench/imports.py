"""Import speed and memory: a deterministic CSV of N contacts with their companies,
imported through the same code as the background job into a fresh database.

    python -m bench.imports [--rows 1000000 | --small] [--pg URL] [--reimport]

The CSV (Windows-1251, `;`, Russian dates — what Russian Excel saves) is written
to bench/out/imports-<rows>.csv once and reused. Each run imports it into a new
empty database: SQLite in bench/out/imports-sqlite-<rows>/, PostgreSQL in the schema
bench_imports_<rows> of the database in --pg or BENCH_DATABASE_URL. The import runs
in a child process so its peak memory is its own. `--reimport` imports the file a
second time (every row matches and nothing changes) and reports that speed too.

Prints one JSON object: engine → {rows, seconds, rows_per_s, rows_per_s_by_tenth
(whether it slows down as the tables grow), created, rejected, peak_rss_mb, …}.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

from bench import children
from bench.run import OUT, BenchError, _peak_rss_mb, _pg_fresh_schema, log

HEADER = [
    "Внешний код",
    "Фамилия",
    "Имя",
    "Отчество",
    "E-mail",
    "Телефон",
    "Компания",
    "ИНН компании",
    "Должность",
    "Дата рождения",
]
LAST = [
    "Иванов",
    "Петров",
    "Сидоров",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
]
FIRST = [
    "Иван",
    "Пётр",
    "Алексей",
    "Сергей",
    "Андрей",
    "Дмитрий",
    "Михаил",
    "Олег",
    "Николай",
    "Владимир",
    "Павел",
    "Юрий",
    "Артём",
    "Егор",
]
MIDDLE = ["Иванович", "Петрович", "Сергеевич", "Андреевич", "Олегович", "", "Юрьевич"]
TITLES = ["Директор", "Менеджер", "Бухгалтер", "Инженер", "Юрист", ""]
WORDS = ["Ромашка", "Вектор", "Альфа", "Сириус", "Техно", "Строй", "Лидер", "Омега"]
INN_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
CONTACTS_PER_COMPANY = 10


def _inn(n: int) -> str:
    base = f"{50 + n // 10_000_000:02d}{n % 10_000_000:07d}"
    check = sum(int(d) * w for d, w in zip(base, INN_WEIGHTS, strict=True)) % 11 % 10
    return f"{base}{check}"


def write_csv(path: Path, rows: int, seed: int = 1) -> None:
    """N contacts; one in ten companies' names repeat with an INN, as a CRM export."""
    rng = random.Random(seed)
    with open(path, "w", encoding="cp1251", newline="") as handle:
        handle.write(";".join(HEADER) + "\r\n")
        for n in range(rows):
            company = n // CONTACTS_PER_COMPANY
            line = (
                f"C-{n}",
                rng.choice(LAST),
                rng.choice(FIRST),
                rng.choice(MIDDLE),
                f"person{n}@example{n % 97}.ru",
                f"+7 9{rng.randrange(10, 100):02d} {n % 10_000_000:07d}",
                f"ООО «{WORDS[company % len(WORDS)]} {company}»",
                _inn(company),
                rng.choice(TITLES),
                f"{rng.randrange(1, 29):02d}.{rng.randrange(1, 13):02d}."
                f"{rng.randrange(1950, 2005)}",
            )
            handle.write(";".join(line) + "\r\n")


def run(
    *, rows: int = 1_000_000, pg_url: str = "", reimport: bool = False, seed: int = 1
) -> dict:
    """Import `rows` contacts on SQLite (and PostgreSQL when `pg_url`); the figures."""
    OUT.mkdir(parents=True, exist_ok=True)
    csv_path = OUT / f"imports-{rows}.csv"
    if not csv_path.exists():
        log(f"writing {rows} rows to {csv_path}")
        write_csv(csv_path, rows, seed)
    results: dict = {"rows": rows, "file_mb": round(csv_path.stat().st_size / 2**20, 1)}
    engines = ["sqlite"] + (["postgresql"] if pg_url else [])
    for engine in engines:
        env = children.environment(
            "imports", rows, pg_url if engine != "sqlite" else ""
        )
        directory = Path(env["CRM_DATA_DIR"])
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        if engine == "postgresql":
            _pg_fresh_schema(pg_url, children.schema("imports", rows))
        log(f"importing {rows} contacts on {engine}")
        arguments = ["--child", str(csv_path)] + (["--reimport"] if reimport else [])
        results[engine] = children.run_child("bench.imports", arguments, env)
    return results


class _Tenths:
    """The rate of each tenth of the file: whether it slows down as tables grow."""

    def __init__(self, rows: int, started: float) -> None:
        self.step = max(1, rows // 10)
        self.mark, self.done, self.rates = started, 0, []

    def __call__(self, _cells, _outcome, totals) -> None:
        if totals.rows - self.done >= self.step:
            now = time.perf_counter()
            self.rates.append(round((totals.rows - self.done) / (now - self.mark)))
            self.mark, self.done = now, totals.rows


def _child(csv_path: str, reimport: bool) -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from crm.imports import engine
    from crm.imports.fields import guess_mapping
    from crm.imports.reading import open_table

    call_command("migrate", interactive=False, verbosity=0)
    admin = get_user_model().objects.create_superuser(
        "bench", "bench@example.com", "x", role="admin"
    )
    rss_before = _peak_rss_mb()
    figures: dict = {"engine": connection.vendor, "rss_before_mb": rss_before}
    passes = ["import", "reimport"] if reimport else ["import"]
    for name in passes:
        table = open_table(csv_path)
        importer = engine.make_importer("contacts", actor=admin)
        mapping = guess_mapping(importer.fields, table.headers or [])
        count = table.count()
        started = time.perf_counter()
        tenths = _Tenths(count, started)
        totals = engine.run(
            table=table, mapping=mapping, importer=importer, on_batch=tenths
        )
        seconds = time.perf_counter() - started
        figures[name] = {
            "rows": totals.rows,
            "seconds": round(seconds, 1),
            "rows_per_s": round(totals.rows / seconds),
            "created": totals.created,
            "updated": totals.updated,
            "rejected": totals.rejected,
            "peak_rss_mb": _peak_rss_mb(),
            "rows_per_s_by_tenth": tenths.rates,
        }
        log(f"   {name}: {figures[name]}")
    from crm.customers.models import Company, Contact

    figures["contacts"] = Contact.objects.count()
    figures["companies"] = Company.objects.count()
    print(json.dumps(figures))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", action="store_true", help="100,000 rows")
    parser.add_argument("--pg", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--reimport", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child, args.reimport)
    rows = 100_000 if args.small else args.rows
    try:
        print(
            json.dumps(run(rows=rows, pg_url=args.pg, reimport=args.reimport), indent=2)
        )
    except BenchError as error:
        log(str(error))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
