"""`crm import ENTITY FILE`: the same import as the pages' background job, run in
the terminal with progress lines, rejected rows written beside the file.

Exit codes: 0 every row went in, 1 some rows were rejected, 2 the file (or the
mapping, or the user) could not be used at all.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from crm.core.errors import DomainError, Forbidden
from crm.imports import engine
from crm.imports.fields import guess_mapping, mapping_from_headers
from crm.imports.reading import FileError, open_table


def _user(username: str | None):
    users = get_user_model().objects.filter(is_active=True)
    if username:
        return users.filter(username=username).first()
    return users.filter(Q(is_superuser=True) | Q(role="admin")).order_by("id").first()


def _read_mapping(path: str, headers: list[str], fields) -> dict[str, str]:
    """A JSON object {column header or number: field name}."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise DomainError(_("The mapping file must hold a JSON object."), "mapping")
    by_number = {k: v for k, v in data.items() if str(k).isdigit()}
    mapping = mapping_from_headers(
        {k: v for k, v in data.items() if not str(k).isdigit()}, headers, fields
    )
    for key, name in by_number.items():
        if name:
            mapping[str(int(key))] = name
    return mapping


class RejectWriter:
    """Rejected rows with a reason column, opened at the first rejected row."""

    def __init__(self, path: Path, headers: list[str]) -> None:
        self.path = path
        self.headers = headers
        self.handle = None
        self.writer = None

    def write(self, cells: list[str], reasons: list[str]) -> None:
        if self.writer is None:
            self.handle = open(self.path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
            self.writer = csv.writer(self.handle, delimiter=";")
            self.writer.writerow([*self.headers, _("Reason")])
        padded = list(cells) + [""] * (len(self.headers) - len(cells))
        self.writer.writerow([*padded, "; ".join(reasons)])

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def import_command(
    *,
    entity: str,
    path: str,
    mapping_path: str | None,
    dry_run: bool,
    username: str | None,
    echo: Callable[[str], None],
) -> int:
    """Import a file synchronously; returns the exit code."""
    user = _user(username)
    if user is None:
        echo(
            _("There is no active user %(name)s.") % {"name": username}
            if username
            else _("There is no administrator to import as: name a user with --as.")
        )
        return 2
    with translation.override(user.language or None):
        return _import(
            entity=entity,
            path=path,
            mapping_path=mapping_path,
            dry_run=dry_run,
            user=user,
            echo=echo,
        )


def _import(*, entity, path, mapping_path, dry_run, user, echo) -> int:
    try:
        table = open_table(path)
        importer = engine.make_importer(entity, actor=user)
        headers = table.headers or []
        if mapping_path:
            mapping = _read_mapping(mapping_path, headers, importer.fields)
        else:
            mapping = guess_mapping(importer.fields, headers)
        engine.check_mapping(importer, mapping)
    except FileError as error:
        echo(str(error.message))
        return 2
    except (DomainError, Forbidden) as error:
        echo(str(error.message))
        return 2
    except (OSError, json.JSONDecodeError) as error:
        echo(_("Cannot read the mapping: %(error)s") % {"error": error})
        return 2

    labels = {f.name: str(f.label) for f in importer.fields}
    for index, header in enumerate(headers):
        name = mapping.get(str(index))
        target = labels.get(name, name) if name else _("(skipped)")
        echo(f"  {header} → {target}")

    reject_path = Path(path).with_name(Path(path).stem + ".rejected.csv")
    rejects = RejectWriter(reject_path, headers)
    columns = {name: headers[int(i)] for i, name in mapping.items()}
    started = time.monotonic()

    def on_batch(cells_by_row, outcome, totals) -> None:
        reasons: dict[int, list[str]] = {}
        for number, field, message in outcome.errors:
            column = columns.get(field) or labels.get(field, "")
            text = _("row %(row)s, %(column)s: %(reason)s") % {
                "row": number,
                "column": column or "—",
                "reason": message,
            }
            reasons.setdefault(number, []).append(text)
        for number, texts in reasons.items():
            rejects.write(cells_by_row.get(number, []), texts)
        elapsed = max(time.monotonic() - started, 1e-6)
        echo(
            _("%(rows)s rows, %(speed)s rows/s")
            % {"rows": totals.rows, "speed": int(totals.rows / elapsed)}
        )

    try:
        totals = engine.run(
            table=table,
            mapping=mapping,
            importer=importer,
            dry_run=dry_run,
            on_batch=on_batch,
        )
    except FileError as error:
        echo(str(error.message))
        return 2
    finally:
        rejects.close()
    elapsed = max(time.monotonic() - started, 1e-6)
    summary = _(
        "Created %(created)s, updated %(updated)s, unchanged %(unchanged)s, "
        "rejected %(rejected)s of %(rows)s rows in %(seconds).1f s (%(speed)s rows/s)."
    )
    if dry_run:
        summary = _(
            "Dry run, nothing saved: would create %(created)s, update %(updated)s, "
            "leave %(unchanged)s unchanged, reject %(rejected)s of %(rows)s rows in %(seconds).1f s "
            "(%(speed)s rows/s)."
        )
    echo(
        summary
        % {
            "created": totals.created,
            "updated": totals.updated,
            "unchanged": totals.unchanged,
            "rejected": totals.rejected,
            "rows": totals.rows,
            "seconds": elapsed,
            "speed": int(totals.rows / elapsed),
        }
    )
    if totals.rejected:
        echo(_("Rejected rows with their reasons: %(path)s") % {"path": reject_path})
        return 1
    return 0
