"""`first_run()`: turn an empty installation into one a person can sign in to."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from crm.accounts.models import User
from crm.core.visibility import Role
from crm.demo import vocabulary
from crm.demo.dataset import generate

FIRST_RUN_CONTACTS = 2_000
PASSWORD_FILE = "admin-password.txt"  # noqa: S105 - a file name
# No 0/O or 1/l/I: the password is read off a terminal and typed in by hand.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_password() -> str:
    """A random password of three groups of four characters (about 70 bits)."""
    groups = ["".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3)]
    return "-".join(groups)


def password_file() -> Path:
    return Path(settings.DATA_DIR) / PASSWORD_FILE


def _save_password(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created readable by the owner only, before anything is written into it.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)


def first_run(*, echo: Callable[[str], None]) -> None:
    """On a database without users: an administrator, demo users and demo data.

    The administrator `admin` and the demo users of every role share one generated
    password, printed once and kept in CRM_DATA_DIR/admin-password.txt (mode 0600).
    On later runs it only says where to go and where the password is.
    """
    url = settings.CRM_BASE_URL.rstrip("/") + "/"
    path = password_file()
    if User.objects.exists():
        echo(f"CRM: {url}")
        if path.exists():
            echo(f"The administrator's password is in {path}.")
        else:
            echo(
                "Sign in with your account; `crm manage changepassword USERNAME` "
                "sets a new password."
            )
        return
    password = new_password()
    staff = [
        f"{username:<10} {str(Role(role).label):<20} {first} {last}"
        for username, role, _team, last, first, *_ in vocabulary.STAFF
        if username != "admin"
    ]
    _save_password(
        path,
        "\n".join(
            [
                f"CRM: {url}",
                f"Administrator: admin / {password}",
                "Demo users (same password):",
                *(f"  {line}" for line in staff),
            ]
        )
        + "\n",
    )
    stats = generate(contacts=FIRST_RUN_CONTACTS, seed=1, password=password)
    echo("")
    echo("=" * 72)
    echo(f"  The CRM is ready: {url}")
    echo(f"  Administrator:  admin  /  {password}")
    echo("  Demo users of every role, with the same password:")
    for line in staff:
        echo(f"    {line}")
    echo(f"  The password is kept in {path} (readable by you only).")
    echo(
        f"  Demo data: {stats['contacts']} contacts, {stats['companies']} companies, "
        f"{stats['activities']} timeline events, {stats['tasks']} tasks, "
        f"{stats['deals']} deals, {stats['leads']} leads."
    )
    echo("=" * 72)
