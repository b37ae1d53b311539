"""The `crm` command: serve, worker, migrate, demo data, users, tokens, and any
Django management command through `crm manage`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click


def _setup() -> None:
    """Load Django once: a command run inside a process that has done it (the tests,
    `crm manage shell`) keeps the settings it has."""
    from django.apps import apps

    if apps.ready:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """The CRM: customers, sales, marketing and service in one database.

    State lives in CRM_DATA_DIR (default ./var): the SQLite database, uploaded files
    and the job queue. Set DATABASE_URL for PostgreSQL and REDIS_URL for Redis.
    """


@main.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on."
)
@click.option(
    "--port", default=8000, show_default=True, type=int, help="Port to listen on."
)
@click.option(
    "--workers", default=None, type=int, help="Web processes (default: by CPU)."
)
@click.option("--no-worker", is_flag=True, help="Do not start the background worker.")
def serve(host: str, port: int, workers: int | None, no_worker: bool) -> None:
    """Serve pages and the API, with a background worker, in one command."""
    _setup()
    from django.conf import settings

    worker = None
    if not no_worker:
        worker = subprocess.Popen([sys.executable, "-m", "crm.cli", "worker"])
    if workers is None:
        # SQLite has one writer: a few processes with threads serve a workstation best.
        workers = (
            2
            if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
            else ((os.cpu_count() or 1) * 2 + 1)
        )
    click.echo(f"CRM: http://{host}:{port}/  (Ctrl+C stops it)")
    try:
        _run_gunicorn(host, port, workers)
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()


def _run_gunicorn(host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    from crm.wsgi import application

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", 4)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("timeout", 120)
            self.cfg.set("accesslog", "-")

        def load(self):
            return application

    Server().run()


@main.command()
def worker() -> None:
    """Run background jobs: reminders, e-mail, imports (Huey consumer)."""
    _setup()
    from django.core.management import call_command

    call_command("run_huey")


@main.command()
def migrate() -> None:
    """Create or update the database schema."""
    _setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)


@main.command()
@click.option(
    "--contacts",
    default=2000,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many contacts (each with about ten timeline events).",
)
@click.option(
    "--seed",
    default=1,
    show_default=True,
    type=int,
    help="Random seed (same seed, same data).",
)
def demo(contacts: int, seed: int) -> None:
    """Fill the database with a realistic Russian-language demo dataset."""
    _setup()
    from crm.demo import generate

    stats = generate(contacts=contacts, seed=seed, progress=click.echo)
    click.echo(
        f"Demo data: {stats['contacts']} contacts, {stats['companies']} companies, "
        f"{stats['activities']} timeline events, {stats['tasks']} tasks, "
        f"{stats['deals']} deals, {stats['documents']} documents, "
        f"{stats['leads']} leads "
        f"in {stats['seconds']:.1f} s ({stats['rows_per_second']:.0f} rows/s)."
    )


@main.command("first-run")
def first_run() -> None:
    """On an empty database: create an administrator and small demo data."""
    _setup()
    from crm.demo import first_run as do_first_run

    do_first_run(echo=click.echo)


@main.group()
def user() -> None:
    """Manage users."""


@user.command("create")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "head", "sales", "marketer", "service", "readonly"]),
    help="The user's role.",
)
@click.option("--password", default=None, help="Password (asked for when omitted).")
@click.option("--team", default=None, help="Team name (created when missing).")
@click.option("--email", default="", help="E-mail address.")
def user_create(
    username: str, role: str, password: str | None, team: str | None, email: str
) -> None:
    """Create a user with a role, optionally in a team."""
    _setup()
    from django.db import transaction

    from crm.accounts.models import Team
    from crm.accounts.services import team_save
    from crm.accounts.services import user_create as create
    from crm.core.errors import DomainError

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with transaction.atomic():
            team_obj = None
            if team:
                team_obj = Team.objects.filter(name=team).first() or team_save(
                    actor=None, name=team
                )
            created = create(
                actor=None,
                username=username,
                role=role,
                password=password,
                team=team_obj,
                email=email,
            )
    except DomainError as error:
        raise click.ClickException(_describe(error)) from None
    click.echo(f"Created user {created.username} ({created.get_role_display()}).")


def _describe(error) -> str:
    """A DomainError as one line: every failing field with its messages."""
    return "; ".join(
        f"{field}: {' '.join(str(m) for m in messages)}"
        if field
        else " ".join(str(m) for m in messages)
        for field, messages in error.all_errors.items()
    )


@main.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.argument("username")
@click.option(
    "--name", default="command line", show_default=True, help="What the token is for."
)
def token_create(username: str, name: str) -> None:
    """Create an API token and print it alone on stdout."""
    _setup()
    from crm.accounts.models import User
    from crm.accounts.services import api_token_create
    from crm.core.errors import DomainError

    found = User.objects.filter(username=username).first()
    if found is None:
        raise click.ClickException(f"No user {username!r}.")
    try:
        _token, key = api_token_create(actor=None, user=found, name=name)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(key)


@main.command("import")
@click.argument(
    "entity",
    type=click.Choice(
        ["companies", "contacts", "leads", "products", "deals", "orders"]
    ),
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False),
    help="JSON file: {column header: field}. Without it, headers that are field "
    "names (or their usual Russian or English titles) are mapped by themselves.",
)
@click.option("--dry-run", is_flag=True, help="Check every row, save nothing.")
@click.option(
    "--as",
    "username",
    default=None,
    help="User the records are created by (default: the first administrator).",
)
def import_(
    entity: str,
    file: str,
    mapping_file: str | None,
    dry_run: bool,
    username: str | None,
) -> None:
    """Import companies, contacts, leads, products, deals or orders from CSV or XLSX."""
    _setup()
    from crm.imports.commands import import_command

    raise SystemExit(
        import_command(
            entity=entity,
            path=file,
            mapping_path=mapping_file,
            dry_run=dry_run,
            username=username,
            echo=click.echo,
        )
    )


@main.command()
@click.option(
    "--entity",
    required=True,
    type=click.Choice(["contacts", "companies"]),
    help="Which records to compare.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object per candidate pair instead of a summary.",
)
def dedupe(entity: str, as_json: bool) -> None:
    """Find likely duplicates and put them in the review queue."""
    _setup()
    from crm.duplicates.commands import dedupe_command

    raise SystemExit(dedupe_command(entity=entity, as_json=as_json, echo=click.echo))


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True}
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run any Django management command: crm manage shell, crm manage check…"""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["crm manage", *args])


if __name__ == "__main__":
    main()
