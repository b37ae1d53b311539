"""Export and webhook figures: list export to CSV/XLSX (rows/s, peak memory) and
webhook dispatch and delivery to a receiver on loopback (events/s, deliveries/s).

    python -m bench.webhooks [--contacts 100000] [--pg URL] [--events 500]

The dataset is a demo database of N contacts (the same generator as bench.run) in
bench/out/webhooks-sqlite-<N>/ or, with --pg / BENCH_DATABASE_URL, the schema
bench_webhooks_<N>; built once and reused. Each figure runs in its own child
process, so its peak memory is its own:

- `export.<format>.<who>`: the contact list (all columns a page offers by default,
  the page's sort) written through the export job's code to a temporary file, as
  the administrator (every contact) and as a sales manager (his own).
- `webhooks`: N events dispatched to one subscription (Delivery rows written,
  nothing sent), then every delivery sent to an HTTP receiver on 127.0.0.1 that
  answers 200; all in a transaction rolled back at the end.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench import children
from bench.run import BenchError, _peak_rss_mb, log


def run(contacts: int = 100_000, pg_url: str = "", events: int = 500) -> dict:
    """Build (or reuse) the dataset and measure every figure; returns the JSON."""
    env = children.environment("webhooks", contacts, pg_url)
    results: dict = {
        "contacts": contacts,
        "engine": "postgresql" if pg_url else "sqlite",
    }
    results["dataset"] = children.dataset(
        env,
        pg_url=pg_url,
        schema_name=children.schema("webhooks", contacts),
        what=f"{contacts} contacts",
        build=lambda: children.run_child(
            "bench.run",
            ["--role", "build", "--contacts", str(contacts), "--seed", "1"],
            env,
        ),
    )
    for fmt in ("csv", "xlsx"):
        for who in ("admin", "sales"):
            log(f"   export.{fmt}.{who}")
            results[f"export.{fmt}.{who}"] = children.run_child(
                "bench.webhooks",
                ["--role", "export", "--format", fmt, "--who", who],
                env,
            )
    log("   webhooks")
    results["webhooks"] = children.run_child(
        "bench.webhooks", ["--role", "webhooks", "--events", str(events)], env
    )
    return results


# --- children ---------------------------------------------------------------------------


def _django() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    call_command("migrate", interactive=False, verbosity=0)
    # The first reverse() imports every URLconf, view and API schema (seconds);
    # a running server has paid that long before, so the figures leave it out.
    reverse("core:home")


def _export(fmt: str, who: str) -> dict:
    _django()
    from crm.accounts.models import User
    from crm.core.exports.services import export_rows

    user = User.objects.get(username=who)
    before = _peak_rss_mb()
    started = time.perf_counter()
    rows = export_rows(actor=user, list_key="customers.contacts", query="", format=fmt)
    written = 0

    def counting(done: int) -> None:
        nonlocal written
        written = done

    with tempfile.TemporaryFile() as out:
        rows.write(out, on_chunk=counting)
        size = out.tell()
    seconds = time.perf_counter() - started
    total = rows.queryset.order_by().count()
    return {
        "rows": total,
        "seconds": round(seconds, 2),
        "rows_per_s": round(total / seconds) if seconds else None,
        "file_mb": round(size / 1024 / 1024, 1),
        "rss_before_mb": before,
        "peak_rss_mb": _peak_rss_mb(),
        "columns": len(rows.columns),
    }


def _webhooks(count: int) -> dict:
    _django()
    from django.db import transaction

    from crm.accounts.models import User
    from crm.core.events import Event
    from crm.customers.models import Company
    from crm.webhooks.models import Delivery
    from crm.webhooks.services import dispatch, sending, subscriptions

    received = {"n": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received["n"] += 1
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    admin = User.objects.get(username="admin")
    ids = list(Company.objects.values_list("pk", flat=True)[:count])
    figures: dict = {}
    enqueue = dispatch._enqueue
    dispatch._enqueue = lambda deliveries: None  # measure dispatch alone
    try:
        with transaction.atomic():
            subscriptions.webhook_create(
                actor=admin, name="bench", url=url, events=["company.updated"]
            )
            started = time.perf_counter()
            for pk in ids:
                dispatch.webhook_event_dispatch(
                    Event(
                        name="company.updated",
                        entity="company",
                        object_id=pk,
                        actor_id=admin.pk,
                        changes={"name": {"old": "a", "new": "b"}},
                    )
                )
            seconds = time.perf_counter() - started
            figures["dispatch"] = {
                "events": len(ids),
                "seconds": round(seconds, 2),
                "events_per_s": round(len(ids) / seconds),
            }
            started = time.perf_counter()
            sent = sending.deliveries_send_due(limit=len(ids) + 1)
            seconds = time.perf_counter() - started
            figures["send"] = {
                "deliveries": sent,
                "received": received["n"],
                "seconds": round(seconds, 2),
                "deliveries_per_s": round(sent / seconds) if seconds else None,
                "succeeded": Delivery.objects.filter(status="succeeded").count(),
            }
            transaction.set_rollback(True)
    finally:
        dispatch._enqueue = enqueue
        server.shutdown()
    figures["peak_rss_mb"] = _peak_rss_mb()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--pg", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument(
        "--role", default="main", choices=["main", "export", "webhooks"]
    )
    parser.add_argument("--format", default="csv")
    parser.add_argument("--who", default="admin")
    args = parser.parse_args(argv)
    if args.role == "export":
        print(json.dumps(_export(args.format, args.who)))
        return 0
    if args.role == "webhooks":
        print(json.dumps(_webhooks(args.events)))
        return 0
    try:
        print(json.dumps(run(args.contacts, args.pg, args.events), indent=2))
    except BenchError as error:
        log(f"error: {error}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
