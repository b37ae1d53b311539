"""Export speed of the sales lists: CSV rows/s of deals and of the catalogue.

    python -m bench.exports_sales [--rows 30000] [--pg URL] [--language ru]

The dataset is a small demo (4,000 contacts: real companies, people, pipelines,
price lists and products) whose deals and products are then copied in bulk up to
`--rows` each, every product priced in every price list. It lives in
bench/out/exports-sales-<engine>-<rows>/ or, with --pg / BENCH_DATABASE_URL, the
schema bench_exports_sales_<rows>; built once and reused.

Each figure runs in its own child process: the list with every column it offers,
in the page's default sort, exported by the administrator through the export job's
code to a temporary CSV file, in `--language`.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

from bench import children
from bench.run import BenchError, _peak_rss_mb, log

DEMO_CONTACTS = 4_000
LISTS = ("sales.deals", "sales.products")


def _run_child(arguments: list[str], env: dict[str, str]) -> dict:
    return children.run_child("bench.exports_sales", arguments, env)


def run(rows: int = 30_000, pg_url: str = "", language: str = "ru") -> dict:
    """Build (or reuse) the dataset and export each list; returns the JSON."""
    env = children.environment("exports-sales", rows, pg_url)
    results: dict = {"rows": rows, "engine": "postgresql" if pg_url else "sqlite"}
    results["dataset"] = children.dataset(
        env,
        pg_url=pg_url,
        schema_name=children.schema("exports-sales", rows),
        what=f"{rows} deals and products",
        build=lambda: _run_child(["--role", "build", "--rows", str(rows)], env),
    )
    for list_key in LISTS:
        log(f"   {list_key}")
        results[list_key] = _run_child(
            ["--role", "export", "--list", list_key, "--language", language], env
        )
    return results


# --- children ---------------------------------------------------------------------------


def _django() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    call_command("migrate", interactive=False, verbosity=0)
    # A running server has imported every URLconf and view long before.
    reverse("core:home")


def _build(rows: int) -> dict:
    """A small demo, then its deals and products copied up to `rows` each."""
    _django()
    from django.db import transaction

    from crm.demo import generate
    from crm.sales.models import Deal, Price, PriceList, Product

    started = time.perf_counter()
    generate(contacts=DEMO_CONTACTS, seed=1, progress=log)
    deals = list(Deal.objects.order_by("pk"))
    products = list(Product.objects.order_by("pk"))
    price_lists = list(PriceList.objects.order_by("pk"))
    if not deals or not products:
        raise BenchError("the demo made no deals or products")
    with transaction.atomic():
        copies = []
        for n in range(rows - len(deals)):
            deal = deals[n % len(deals)]
            copies.append(
                Deal(
                    **{
                        f.attname: getattr(deal, f.attname)
                        for f in Deal._meta.concrete_fields
                        if not f.primary_key
                    }
                )
            )
            copies[-1].external_id = ""
            copies[-1].title = f"{deal.title} {n}"
        Deal.objects.bulk_create(copies, batch_size=2000)
        copies = []
        for n in range(rows - len(products)):
            product = products[n % len(products)]
            copy = Product(
                **{
                    f.attname: getattr(product, f.attname)
                    for f in Product._meta.concrete_fields
                    if not f.primary_key
                }
            )
            copy.external_id = ""
            copy.name = f"{product.name} {n}"
            copy.sku = f"{product.sku}-{n}" if product.sku else ""
            copies.append(copy)
        created = Product.objects.bulk_create(copies, batch_size=2000)
        Price.objects.bulk_create(
            [
                Price(
                    price_list=price_list,
                    product=product,
                    price=product.cost_price * (2 + index),
                )
                for product in created
                for index, price_list in enumerate(price_lists)
            ],
            batch_size=5000,
        )
    from django.db import connection

    return {
        "deals": Deal.objects.count(),
        "products": Product.objects.count(),
        "price_lists": len(price_lists),
        "engine": connection.vendor,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _export(list_key: str, language: str) -> dict:
    _django()
    from django.utils import translation

    from crm.accounts.models import User
    from crm.core.exports import exportable
    from crm.core.exports.services import export_rows

    user = User.objects.get(username="admin")
    translation.activate(language)
    # Every column the list offers, in the page's default sort.
    spec, _queryset = exportable(list_key).build(user, _no_params())
    query = "&".join(f"cols={column.key}" for column in spec.columns)
    before = _peak_rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    rows = export_rows(actor=user, list_key=list_key, query=query, format="csv")
    with tempfile.TemporaryFile() as out:
        rows.write(out)
        size = out.tell()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    total = rows.queryset.order_by().count()
    return {
        "rows": total,
        "columns": len(rows.columns),
        "fast_path": all(column.export is not None for column in rows.columns),
        "seconds": round(seconds, 2),
        "rows_per_s": round(total / seconds) if seconds else None,
        # This process's CPU time: steadier than the wall clock on a busy machine
        # (on PostgreSQL the server's own time is not in it).
        "cpu_seconds": round(cpu, 2),
        "rows_per_cpu_s": round(total / cpu) if cpu else None,
        "file_mb": round(size / 1024 / 1024, 1),
        "rss_before_mb": before,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _no_params():
    from django.http import QueryDict

    return QueryDict("")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.exports_sales")
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--pg", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--language", default="ru")
    parser.add_argument("--role", default="main", choices=["main", "build", "export"])
    parser.add_argument("--list", default="sales.deals", choices=LISTS)
    args = parser.parse_args(argv)
    try:
        if args.role == "build":
            print(json.dumps(_build(args.rows)))
        elif args.role == "export":
            print(json.dumps(_export(args.list, args.language)))
        else:
            print(json.dumps(run(args.rows, args.pg, args.language), indent=2))
    except BenchError as error:
        log(f"error: {error}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
