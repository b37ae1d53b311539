"""The benchmark: build demo datasets, then measure the server time of the pages and
the API people use most, on SQLite and (with --pg) on PostgreSQL.

    python -m bench.run [--sizes 100000,1000000] [--pg URL] [--requests 50] [--rebuild]
                        [--parts pages,data]

`--parts data` adds the figures of data in and out (each also runs alone): import
rows/s and peak memory (`bench.imports`), duplicate detection time and F1
(`bench.dedupe`), the 1C catalogue exchange (`bench.exchange`), list export and
webhook delivery (`bench.webhooks`), export of the sales lists (`bench.exports_sales`).

Each dataset lives apart: SQLite in bench/out/sqlite-<size>-s<seed>/, PostgreSQL in
the schema bench_<size>_s<seed> of the database named in the URL (created when
missing). A dataset built before with the same size and seed is reused. Building
and measuring run in child processes, because Django reads its database settings
once per process.

Requests go through django.test.Client in the measuring process, signed in as a
sales manager ("sales", who sees his own clients) and as the administrator (who sees
all), so the figures are server time without the network. A page that does not
answer 200 is reported as an error in the JSON, not a crash.

Prints one JSON document on stdout:
sizes → engine → figure → {p50_ms, p95_ms, queries}; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEFAULT_SIZES = "100000,1000000"
MARKER = "dataset.json"
WARM_UP = 5
# A figure stops after this many seconds of timed requests (at least MIN_REQUESTS),
# so one slow page does not hold the whole run for an hour.
BUDGET_SECONDS = 60
MIN_REQUESTS = 10
QUERY_SAMPLES = 3
# Exit code of a measuring child that found the dataset missing or incomplete.
EXIT_STALE = 3


class BenchError(Exception):
    """A step of the benchmark failed; the message says which and why."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the orchestrating process ---------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.role == "build":
        return _build(args)
    if args.role == "measure":
        return _measure(args)
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        log(f"--sizes takes whole numbers separated by commas, not {args.sizes!r}.")
        return 2
    if not sizes or min(sizes) < 1:
        log("--sizes needs at least one size of 1 or more.")
        return 2
    pg_url = args.pg or os.environ.get("BENCH_DATABASE_URL", "")
    engines = ["sqlite"] + (["postgresql"] if pg_url else [])
    results: dict = {
        "meta": {
            "seed": args.seed,
            "requests": args.requests,
            "warm_up": WARM_UP,
            "budget_seconds_per_figure": BUDGET_SECONDS,
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
        "sizes": {},
    }
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    for size in sizes if "pages" in parts else []:
        for engine in engines:
            log(f"== {engine}, {size} contacts")
            entry: dict = {}
            try:
                env = _environment(engine, size, args.seed, pg_url)
                entry["demo_build"] = _dataset(engine, size, args, env, pg_url)
                measured = _child_measure(args, env, size)
                if measured is None:  # the dataset went away under the marker
                    entry["demo_build"] = _dataset(
                        engine, size, args, env, pg_url, force=True
                    )
                    measured = _child_measure(args, env, size)
                entry.update(measured or {"error": "the dataset could not be read"})
            except BenchError as error:
                entry["error"] = str(error)
                log(f"   error: {error}")
            results["sizes"].setdefault(str(size), {})[engine] = entry
    if "data" in parts:
        results["data"] = _data_figures(sizes, args.seed, pg_url)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


def _data_figures(sizes: list[int], seed: int, pg_url: str) -> dict:
    """The figures of data in and out; a part that fails is reported, not fatal."""
    from bench import dedupe, exchange, exports_sales, imports, webhooks

    steps = {
        "import": lambda: imports.run(rows=max(sizes), pg_url=pg_url, seed=seed),
        "dedupe": lambda: dedupe.run(
            sizes=sizes, seed=seed, companies=(min(sizes),), pg_url=pg_url, db=True
        ),
        "exchange_1c": lambda: exchange.run(items=min(sizes), pg_url=pg_url),
        "export_and_webhooks": lambda: webhooks.run(contacts=min(sizes), pg_url=pg_url),
        "export_sales_lists": lambda: exports_sales.run(
            rows=min(30_000, min(sizes)), pg_url=pg_url
        ),
    }
    figures: dict = {}
    for name, step in steps.items():
        log(f"== data: {name}")
        try:
            figures[name] = step()
        except Exception as error:  # one failing part must not hide the rest
            figures[name] = {"error": f"{type(error).__name__}: {error}"}
            log(f"   error: {error}")
    return figures


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Build demo datasets and print server-time figures as JSON.",
    )
    parser.add_argument(
        "--sizes",
        default=DEFAULT_SIZES,
        help=f"contacts per dataset, comma-separated (default {DEFAULT_SIZES})",
    )
    parser.add_argument(
        "--pg",
        default="",
        metavar="URL",
        help="also on PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/crm_bench "
        "(or set BENCH_DATABASE_URL)",
    )
    parser.add_argument(
        "--requests", type=int, default=50, help="timed requests per figure"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="build the datasets again"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the demo data")
    parser.add_argument(
        "--parts",
        default="pages,data",
        help="what to measure: pages (the demo datasets' pages and API), data (import, "
        "duplicates, 1C exchange, export, webhooks); default both",
    )
    # Internal: what a child process does.
    parser.add_argument("--role", choices=["build", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--contacts", type=int, default=0, help=argparse.SUPPRESS)
    return parser


def _data_dir(engine: str, size: int, seed: int) -> Path:
    return OUT / f"{engine}-{size}-s{seed}"


def _schema(size: int, seed: int) -> str:
    return f"bench_{size}_s{seed}"


def _environment(engine: str, size: int, seed: int, pg_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "PGOPTIONS", "PYTEST_VERSION")
    }
    env["CRM_DATA_DIR"] = str(_data_dir(engine, size, seed))
    env["DJANGO_SETTINGS_MODULE"] = "crm.settings"
    env["DEBUG"] = "false"
    env["LOG_LEVEL"] = "ERROR"
    if engine == "postgresql":
        env["DATABASE_URL"] = pg_url
        # libpq reads PGOPTIONS: every connection of the child uses the schema.
        env["PGOPTIONS"] = f"-c search_path={_schema(size, seed)}"
    return env


def _dataset(engine, size, args, env, pg_url, *, force=False) -> dict:
    """Build the dataset unless one with this size and seed exists; its build figures."""
    directory = Path(env["CRM_DATA_DIR"])
    marker = directory / MARKER
    if marker.exists() and not (args.rebuild or force):
        stats = json.loads(marker.read_text())
        log(f"   reusing the dataset built {stats.get('built', '?')}")
        return {**stats, "reused": True}
    if engine == "sqlite":
        shutil.rmtree(directory, ignore_errors=True)
    else:
        _pg_fresh_schema(pg_url, _schema(size, args.seed))
        shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    log(f"   building {size} contacts in {directory}")
    stats = _child(
        ["--role", "build", "--contacts", str(size), "--seed", str(args.seed)], env
    )
    stats["built"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    marker.write_text(json.dumps(stats, indent=2))
    return {**stats, "reused": False}


def _child_measure(args, env, size) -> dict | None:
    try:
        return _child(
            [
                "--role",
                "measure",
                "--requests",
                str(args.requests),
                "--seed",
                str(args.seed),
                "--contacts",
                str(size),
            ],
            env,
        )
    except _Stale:
        return None


class _Stale(Exception):
    pass


def _child(arguments: list[str], env: dict[str, str]) -> dict:
    command = [sys.executable, "-m", "bench.run", *arguments]
    process = subprocess.run(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=False
    )
    if process.returncode == EXIT_STALE:
        raise _Stale()
    if process.returncode != 0:
        raise BenchError(
            f"{' '.join(arguments[:2])} failed with exit code {process.returncode} "
            "(its messages are above)"
        )
    try:
        return json.loads(process.stdout)
    except json.JSONDecodeError:
        raise BenchError(f"{' '.join(arguments[:2])} printed no JSON") from None


def _pg_fresh_schema(url: str, schema: str) -> None:
    """Create the database when missing and an empty schema for one dataset."""
    import psycopg

    parts = urlsplit(url)
    database = parts.path.lstrip("/") or "crm_bench"
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise BenchError(f"--pg takes a postgres:// URL, not {url!r}")
    server = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password or None,
    }
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
            found = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [database]
            ).fetchone()
            if not found:
                conn.execute(f'CREATE DATABASE "{database}"')
        with psycopg.connect(dbname=database, autocommit=True, **server) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.Error as error:
        raise BenchError(f"PostgreSQL at {parts.hostname}: {error}") from None


# --- child: build ----------------------------------------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()


def _build(args) -> int:
    _django()
    from django.core.management import call_command

    from crm.demo import generate

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    stats = generate(contacts=args.contacts, seed=args.seed, progress=log)
    stats["wall_seconds"] = time.perf_counter() - started
    stats["peak_rss_mb"] = _peak_rss_mb()
    from django.db import connection

    stats["engine"] = connection.vendor
    print(json.dumps(stats))
    return 0


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- child: measure --------------------------------------------------------------------


def _measure(args) -> int:
    _django()
    from django.core.management import call_command
    from django.db import connection

    # A dataset built by older code lacks the tables and columns added since.
    call_command("migrate", interactive=False, verbosity=0)

    from crm.accounts.models import User
    from crm.customers.models import Contact

    try:
        count = Contact.objects.count()
        sales = User.objects.get(username="sales")
        admin = User.objects.get(username="admin")
    except Exception as error:  # noqa: BLE001 - any failure means: build again
        log(f"   the dataset is not usable ({error}); it will be built again")
        return EXIT_STALE
    if count < args.contacts:
        log(f"   the dataset has {count} contacts, not {args.contacts}")
        return EXIT_STALE
    rng = random.Random(args.seed)
    figures: dict = {}
    for who, user in (("sales", sales), ("admin", admin)):
        for name, requests in _cases(user, sales, rng).items():
            log(f"   {name}.{who}")
            figures[f"{name}.{who}"] = _time(requests, user, args.requests)
    figures["dataset"] = {
        "contacts": count,
        "engine": connection.vendor,
        "peak_rss_mb": _peak_rss_mb(),
    }
    print(json.dumps(figures))
    return 0


def _cases(user, sales, rng: random.Random) -> dict[str, list[tuple[str, dict]]]:
    """The requests of each figure: (path, headers), cycled through when timed."""
    from django.urls import NoReverseMatch, reverse

    from crm.customers.models import Company, Contact, Tag
    from crm.sales.models import Deal, Pipeline

    def url(name: str, *args) -> str:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return f"/missing-url/{name}/"

    own = user.role != "admin"
    contacts = _sample_ids(Contact, rng, curator=sales if own else None)
    companies = _sample_ids(Company, rng, curator=sales if own else None)
    some = list(
        Contact.objects.filter(pk__in=contacts[:10]).values_list("last_name", "phone")
    )
    inns = list(
        Company.objects.filter(pk__in=companies[:10])
        .exclude(inn="")
        .values_list("inn", flat=True)
    )
    tag = Tag.objects.order_by("pk").values_list("pk", flat=True).first()
    deals = _sample_ids(Deal, rng, curator=sales if own else None, field="owner")
    pipeline = (
        Pipeline.objects.filter(is_default=True).values_list("pk", flat=True).first()
    )
    htmx = {"HTTP_HX_REQUEST": "true"}
    plain: dict = {}
    # As a person types: two to five letters of a surname.
    typed = [(last[: 2 + i % 4], htmx) for i, (last, _p) in enumerate(some)]
    phones = [(f"{phone[2:5]} {phone[5:8]}", htmx) for _last, phone in some if phone]
    contact_list = url("customers:contact-list")
    search = url("core:search")
    cases: dict[str, list[tuple[str, dict]]] = {
        "contacts_list": [(contact_list, plain)],
        "contacts_by_curator": [(f"{contact_list}?curator={sales.pk}", plain)],
        "contacts_by_tag": [(f"{contact_list}?tags={tag}", plain)],
        "contacts_by_word": [
            (f"{contact_list}?q={last[:4]}", plain) for last, _p in some
        ],
        "companies_list": [(url("customers:company-list"), plain)],
        "search_letters": [(f"{search}?q={q}", h) for q, h in typed],
        "search_phone": [(f"{search}?q={q}", h) for q, h in phones],
        "search_inn": [(f"{search}?q={inn}", htmx) for inn in inns],
        "contact_card": [
            (url("customers:contact-detail", pk), plain) for pk in contacts
        ],
        "company_card": [
            (url("customers:company-detail", pk), plain) for pk in companies
        ],
        "my_day": [(url("activities:my-day"), plain)],
        "deal_board": [(url("sales:deal-board", pipeline), plain)] if pipeline else [],
        "deal_list": [(url("sales:deal-list"), plain)],
        "deal_card": [(url("sales:deal-detail", pk), plain) for pk in deals],
        "invoice_list": [(url("sales:invoice-list"), plain)],
        "sales_analytics": [(url("sales:analytics-sales"), plain)],
        "api_contacts": [("/api/v1/contacts?page=1", {"api": True})],
        "api_contacts_search": [
            (f"/api/v1/contacts?q={last[:4]}", {"api": True}) for last, _p in some
        ],
    }
    return {name: requests for name, requests in cases.items() if requests}


def _sample_ids(
    model, rng: random.Random, *, curator=None, field="curator", count: int = 50
):
    """Ids of random live records (of one curator, or whoever `field` names): by id
    range, not ORDER BY random()."""
    from django.db.models import Max, Min

    queryset = model.objects.all()
    if curator is not None:
        queryset = queryset.filter(**{field: curator})
    bounds = queryset.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return []
    found: list[int] = []
    for _ in range(count * 4):
        start = rng.randint(bounds["low"], bounds["high"])
        pk = (
            queryset.filter(pk__gte=start)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is not None and pk not in found:
            found.append(pk)
        if len(found) >= count:
            break
    return found


def _time(requests: list[tuple[str, dict]], user, count: int) -> dict:
    """p50/p95 server time in ms and the most SQL queries of one request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from crm.accounts.services import api_token_create

    page_client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    page_client.force_login(user)
    _token, key = api_token_create(actor=None, user=user, name="benchmark")
    api_client = Client(
        HTTP_HOST="127.0.0.1",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        raise_request_exception=False,
    )

    def get(path: str, headers: dict):
        client = api_client if headers.get("api") else page_client
        extra = {k: v for k, v in headers.items() if k != "api"}
        response = client.get(path, **extra)
        if response.status_code != 200:
            raise BenchError(f"HTTP {response.status_code} at {path}")
        return response

    try:
        for n in range(WARM_UP):
            get(*requests[n % len(requests)])
        times = []
        sizes = []
        budget_ends = time.perf_counter() + BUDGET_SECONDS
        for n in range(count):
            if n >= MIN_REQUESTS and time.perf_counter() > budget_ends:
                break  # a page this slow is measured well enough by fewer requests
            path, headers = requests[n % len(requests)]
            started = time.perf_counter()
            response = get(path, headers)
            times.append((time.perf_counter() - started) * 1000)
            sizes.append(len(response.content))
        queries = 0
        for n in range(min(QUERY_SAMPLES, len(requests))):
            with CaptureQueriesContext(connection) as captured:
                get(*requests[n])
            queries = max(queries, len(captured.captured_queries))
    except BenchError as error:
        return {"error": str(error)}
    except Exception as error:  # noqa: BLE001 - a broken page is a figure, not a crash
        return {"error": f"{type(error).__name__}: {error}"}
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(_percentile(times, 95), 2),
        "queries": queries,
        "requests": len(times),
        "kb": round(statistics.mean(sizes) / 1024, 1),
    }


def _percentile(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


if __name__ == "__main__":
    sys.exit(main())
