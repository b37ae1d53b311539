"""What the benchmarks that measure in child processes share: the child's
environment (its own data directory, or its own PostgreSQL schema), running a child
that prints JSON, and a dataset built once and reused while its marker is there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bench.run import OUT, ROOT, BenchError, _pg_fresh_schema, log

MARKER = "dataset.json"


def environment(stem: str, size: int | None, pg_url: str) -> dict[str, str]:
    """The environment of a child measuring `stem` at `size`: data in
    bench/out/<stem>-<engine>-<size>/, on PostgreSQL in the schema
    bench_<stem>_<size> of `pg_url` (without the size when it is None). The
    caller's database, job queue and test settings are not passed on."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "PGOPTIONS", "PYTEST_VERSION", "REDIS_URL")
    }
    engine = "postgresql" if pg_url else "sqlite"
    suffix = "" if size is None else f"-{size}"
    env["CRM_DATA_DIR"] = str(OUT / f"{stem}-{engine}{suffix}")
    env["DJANGO_SETTINGS_MODULE"] = "crm.settings"
    env["DEBUG"] = "false"
    env["LOG_LEVEL"] = "ERROR"
    if pg_url:
        env["DATABASE_URL"] = pg_url
        env["PGOPTIONS"] = f"-c search_path={schema(stem, size)}"
    return env


def schema(stem: str, size: int | None) -> str:
    suffix = "" if size is None else f"_{size}"
    return f"bench_{stem.replace('-', '_')}{suffix}"


def run_child(module: str, arguments: list[str], env: dict[str, str]) -> dict:
    """Run `python -m module arguments` and return the JSON it prints."""
    process = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", module, *arguments],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if process.returncode != 0:
        raise BenchError(f"{module} {' '.join(arguments[:4])} failed")
    return json.loads(process.stdout)


def dataset(
    env: dict[str, str], *, pg_url: str, schema_name: str, what: str, build: Callable
) -> dict:
    """The figures of the dataset in the child's data directory: built by `build()`
    into a fresh directory (and schema) the first time, reused while its marker
    file is there."""
    directory = Path(env["CRM_DATA_DIR"])
    marker = directory / MARKER
    if marker.exists():
        log(f"   reusing {directory}")
        return {**json.loads(marker.read_text()), "reused": True}
    shutil.rmtree(directory, ignore_errors=True)
    if pg_url:
        _pg_fresh_schema(pg_url, schema_name)
    directory.mkdir(parents=True, exist_ok=True)
    log(f"   building {what} in {directory}")
    stats = build()
    marker.write_text(json.dumps(stats))
    return {**stats, "reused": False}
