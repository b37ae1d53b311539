"""The import loop shared by the background job, the command line and the bench.

Rows stream from the file in batches; each batch is cleaned and written in one
transaction together with its progress and its rejected rows, so a crash leaves
the batches before it complete and nothing of the batch it was in. A dry run
writes each batch the same way and rolls it back: it finds exactly the problems
the import would meet (the database's own checks included), and keeps nothing but
the report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.db import transaction
from django.utils.translation import gettext as _

from crm.core.bulk import bulk_cache, refresh_statistics
from crm.core.errors import DomainError
from crm.imports.entities import importer_class
from crm.imports.entities.base import Importer, Outcome, Row
from crm.imports.reading import Table

BATCH_SIZE = 2000
# An import that creates this many records recounts the planner's statistics.
STATISTICS_AFTER = 5000


@dataclass
class Totals:
    rows: int = 0
    created: int = 0
    updated: int = 0
    rejected: int = 0

    @property
    def unchanged(self) -> int:
        """Rows that matched a record and had nothing new for it."""
        return self.rows - self.created - self.updated - self.rejected

    # Data lines of the file done (blank ones too): where a resumed job starts.
    done: int = 0


# Called once per batch: (rows with their cells, the batch's outcome, totals so far).
BatchHook = Callable[[dict[int, list[str]], Outcome, Totals], None]


def make_importer(entity: str, *, actor) -> Importer:
    importer = importer_class(entity)(actor=actor)
    importer.check_rights()
    return importer


def check_mapping(importer: Importer, mapping: dict[str, str]) -> None:
    """Refuse a mapping that leaves out a required field or maps one field twice."""
    known = {f.name: f for f in importer.fields}
    mapped = [name for name in mapping.values() if name]
    for name in mapped:
        if name not in known:
            raise DomainError(
                _("There is no field «%(name)s» to import into.") % {"name": name},
                field="mapping",
            )
    twice = sorted({n for n in mapped if mapped.count(n) > 1})
    if twice:
        raise DomainError(
            _("Two columns go into the field «%(field)s»: choose one.")
            % {"field": known[twice[0]].label},
            field="mapping",
        )
    missing = importer.missing_fields(set(mapped))
    if missing:
        raise DomainError(
            _("No column goes into the required field «%(field)s».")
            % {"field": missing[0].label},
            field="mapping",
        )


def _batches(rows: Iterator, size: int, group: int | None = None) -> Iterator[list]:
    """Chunks of `size` rows; with `group` (a column number), a chunk grows until
    that column changes, so the rows of one order are never split."""
    carried: list = []
    while True:
        chunk = carried + list(islice(rows, size - len(carried)))
        carried = []
        if not chunk:
            return
        if group is not None:
            key = _cell(chunk[-1][1], group)
            for item in rows:
                if _cell(item[1], group) != key:
                    carried = [item]
                    break
                chunk.append(item)
        yield chunk


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def run(
    *,
    table: Table,
    mapping: dict[str, str],
    importer: Importer,
    dry_run: bool = False,
    skip: int = 0,
    on_batch: BatchHook | None = None,
    batch_size: int | None = None,
    totals: Totals | None = None,
) -> Totals:
    """Import (or check) the rows of `table` after the first `skip` data rows."""
    columns = [(int(i), name) for i, name in mapping.items() if name]
    totals = totals or Totals()
    group = next(
        (i for i, name in columns if name and name == importer.group_field), None
    )
    size = batch_size or BATCH_SIZE
    with bulk_cache():
        _run_batches(
            table.rows(skip=skip),
            columns=columns,
            group=group,
            size=size,
            importer=importer,
            dry_run=dry_run,
            on_batch=on_batch,
            totals=totals,
        )
    if not dry_run and totals.created >= STATISTICS_AFTER:
        refresh_statistics(importer.written_models())
    return totals


def _run_batches(
    lines: Iterator, *, columns, group, size, importer, dry_run, on_batch, totals
) -> None:
    for chunk in _batches(lines, size, group):
        rows = [
            Row(
                number,
                {name: (cells[i] if i < len(cells) else "") for i, name in columns},
            )
            for number, cells in chunk
        ]
        cells_by_row = dict(chunk)
        with transaction.atomic():
            outcome = importer.write(rows)
            totals.rows += len(rows)
            totals.created += outcome.created
            totals.updated += outcome.updated
            totals.rejected += len({n for n, _f, _m in outcome.errors})
            totals.done = chunk[-1][0] - 1
            if dry_run:
                transaction.set_rollback(True)
            elif on_batch is not None:
                on_batch(cells_by_row, outcome, totals)
        if dry_run and on_batch is not None:
            with transaction.atomic():
                on_batch(cells_by_row, outcome, totals)
