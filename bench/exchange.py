"""Figures of the 1C exchange: CommerceML import and export speed and memory.

    python -m bench.exchange [--items 100000] [--pg URL]

Into a fresh database (SQLite in bench/out/exchange-sqlite/, or with --pg /
BENCH_DATABASE_URL the schema bench_exchange of that database), a child process:

- `sample`: imports the real 1C files of /work/shared/samples/1c-commerceml
  (1 197 items, 2 641 offers with prices) when present, then imports them again
  (nothing changes: the idempotent path);
- `synthetic`: writes a CommerceML catalogue of N items in 500 groups and offers
  with one price each, imports both, and exports the catalogue and the offers
  again (streamed to a file);

reporting items/s and the child's peak memory after each step (peak RSS only
grows, so a step whose figure stays flat held its records in bounded memory).

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from bench import children
from bench.run import BenchError, _peak_rss_mb, _pg_fresh_schema, log

SAMPLES = Path("/work/shared/samples/1c-commerceml")


def run(items: int = 100_000, pg_url: str = "") -> dict:
    """Measure in a fresh database; returns the figures (see the module's text)."""
    env = children.environment("exchange", None, pg_url)
    shutil.rmtree(env["CRM_DATA_DIR"], ignore_errors=True)
    Path(env["CRM_DATA_DIR"]).mkdir(parents=True)
    if pg_url:
        _pg_fresh_schema(pg_url, children.schema("exchange", None))
    figures = children.run_child(
        "bench.exchange", ["--child", "--items", str(items)], env
    )
    figures["engine"] = "postgresql" if pg_url else "sqlite"
    return figures


# --- the child -------------------------------------------------------------------------


def _synthetic_files(folder: Path, items: int) -> tuple[Path, Path]:
    """A catalogue of `items` items in 500 groups and its offers, written in pieces."""
    catalogue, offers = folder / "import.xml", folder / "offers.xml"
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<КоммерческаяИнформация '
        'xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.08" '
        'ДатаФормирования="2026-12-01T10:00:00">'
    )
    with catalogue.open("w", encoding="utf-8") as out:
        out.write(
            head + "<Классификатор><Ид>k</Ид><Наименование>К</Наименование><Группы>"
        )
        for g in range(500):
            out.write(
                f"<Группа><Ид>g-{g}</Ид><Наименование>Группа {g}</Наименование></Группа>"
            )
        out.write("</Группы></Классификатор><Каталог><Ид>k</Ид><Товары>\n")
        for n in range(items):
            out.write(
                f"<Товар><Ид>item-{n}</Ид><Артикул>A-{n % 50_000}</Артикул>"
                f"<Наименование>Товар номер {n} «тест»</Наименование>"
                '<БазоваяЕдиница Код="796" НаименованиеПолное="Штука">шт</БазоваяЕдиница>'
                f"<Группы><Ид>g-{n % 500}</Ид></Группы><СтавкиНалогов><СтавкаНалога>"
                "<Наименование>НДС</Наименование><Ставка>20</Ставка></СтавкаНалога>"
                "</СтавкиНалогов></Товар>\n"
            )
        out.write("</Товары></Каталог></КоммерческаяИнформация>\n")
    with offers.open("w", encoding="utf-8") as out:
        out.write(
            head + "<ПакетПредложений><ТипыЦен><ТипЦены><Ид>retail</Ид>"
            "<Наименование>Розничная</Наименование><Валюта>RUB</Валюта></ТипЦены>"
            "</ТипыЦен><Предложения>\n"
        )
        for n in range(items):
            out.write(
                f"<Предложение><Ид>item-{n}</Ид><Цены><Цена><ИдТипаЦены>retail"
                f"</ИдТипаЦены><ЦенаЗаЕдиницу>{100 + n % 9000}.50</ЦенаЗаЕдиницу>"
                "<Валюта>RUB</Валюта></Цена></Цены></Предложение>\n"
            )
        out.write("</Предложения></ПакетПредложений></КоммерческаяИнформация>\n")
    return catalogue, offers


def _import(actor, path: Path) -> tuple[float, dict]:
    from crm.exchange.models import SessionKind
    from crm.exchange.services.files import run_import, run_receive, session_dir
    from crm.exchange.services.sessions import session_start

    session = session_start(actor=actor, kind=SessionKind.PAGE)
    run = run_receive(actor=actor, session=session, filename=path.name, chunk=b"")
    target = session_dir(session) / run.filename
    target.unlink()
    target.symlink_to(path)
    started = time.perf_counter()
    run = run_import(actor=actor, run=run)
    seconds = time.perf_counter() - started
    if run.status != "done":
        raise BenchError(f"import of {path.name} failed: {run.message}")
    return seconds, run.totals


def _step(actor, path: Path, count: int) -> dict:
    seconds, totals = _import(actor, path)
    return {
        "records": count,
        "seconds": round(seconds, 2),
        "records_per_s": round(count / seconds) if seconds else None,
        "created": totals["created"],
        "updated": totals["updated"],
        "refused": totals["refused"],
        "peak_rss_mb": _peak_rss_mb(),
    }


def _export(actor, writer, path: Path, count: int) -> dict:
    started = time.perf_counter()
    with path.open("w", encoding="utf-8") as out:
        for piece in writer(actor=actor):
            out.write(piece)
    seconds = time.perf_counter() - started
    return {
        "records": count,
        "seconds": round(seconds, 2),
        "records_per_s": round(count / seconds) if seconds else None,
        "megabytes": round(path.stat().st_size / 1e6, 1),
        "peak_rss_mb": _peak_rss_mb(),
    }


def _child(items: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from crm.accounts.services import user_create
    from crm.exchange.services.export import catalogue_xml, offers_xml

    admin = user_create(
        actor=None, username="bench-admin", role="admin", password="Bench-Horse-42"
    )
    data_dir = Path(os.environ["CRM_DATA_DIR"])
    figures: dict = {"items": items, "start_rss_mb": _peak_rss_mb()}
    if (SAMPLES / "import0_1.xml").exists():
        log("   the real 1C sample")
        figures["sample"] = {
            "catalogue": _step(admin, SAMPLES / "import0_1.xml", 1197 + 59),
            "offers": _step(admin, SAMPLES / "offers0_1.xml", 2641),
            "catalogue_again": _step(admin, SAMPLES / "import0_1.xml", 1197 + 59),
            "offers_again": _step(admin, SAMPLES / "offers0_1.xml", 2641),
        }
    log(f"   a synthetic catalogue of {items} items")
    catalogue, offers = _synthetic_files(data_dir, items)
    figures["synthetic"] = {
        "file_mb": round(catalogue.stat().st_size / 1e6, 1),
        "catalogue": _step(admin, catalogue, items + 500),
        "offers": _step(admin, offers, items),
        "catalogue_again": _step(admin, catalogue, items + 500),
        "export_catalogue": _export(admin, catalogue_xml, data_dir / "out.xml", items),
        "export_offers": _export(admin, offers_xml, data_dir / "out-offers.xml", items),
    }
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--pg", default="")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.child:
            result = _child(args.items)
        else:
            result = run(
                args.items, args.pg or os.environ.get("BENCH_DATABASE_URL", "")
            )
    except BenchError as error:
        log(str(error))
        return 1
    print(json.dumps(result, ensure_ascii=False, indent=2))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
