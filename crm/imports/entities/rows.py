"""Importers that write row by row through the domain's own services: products and
leads (and deals), which are thousands rather than millions of rows.

Each row runs its service in a savepoint, so every rule of the service applies
(rights, checks, history, events, the curator's notification rules) and a refused
row leaves nothing behind while the rest of its batch goes in. Rows match existing
records by external ID, then by SKU (products) or e-mail (leads); a match is
updated with the cells the file fills, and left alone when they change nothing.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import transaction
from django.utils.translation import gettext as _

from crm.core.errors import DomainError, Forbidden, NotFound
from crm.imports.entities.base import (
    Importer,
    Outcome,
    Row,
    first_by,
    match_value,
)


class ServiceImporter(Importer):
    """Rows through services: `values()` cleans a row into service arguments,
    `find()` loads the records a batch matches, `save()` calls the service."""

    match_keys: ClassVar[tuple[str, ...]] = ("external_id",)
    model: ClassVar[Any]

    def values(self, row: Row) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def save(self, obj, values: dict[str, Any]) -> Any:  # pragma: no cover
        raise NotImplementedError

    def unchanged(self, obj, values: dict[str, Any]) -> bool:
        """Whether the row would change nothing of `obj`: then the service is not
        called, so a re-import raises no version (which would make a user's open
        form stale) and counts no update. A value that is not a plain attribute
        counts as a change unless the importer knows better."""
        return all(
            hasattr(obj, name) and getattr(obj, name) == value
            for name, value in values.items()
        )

    def write(self, rows: list[Row]) -> Outcome:
        outcome = Outcome()
        cleaned = []
        for row in rows:
            try:
                cleaned.append((row, self.values(row)))
            except DomainError as error:
                outcome.reject(row, error)
        found = {
            key: first_by(
                self.model,
                key,
                (v.get(key) for _r, v in cleaned),
                live=key != "external_id",
            )
            for key in self.match_keys
        }
        for row, values in cleaned:
            obj = None
            for key in self.match_keys:
                if values.get(key):
                    obj = found[key].get(match_value(key, values[key]))
                    if obj is not None:
                        break
            if obj is not None and obj.deleted_at is not None:
                outcome.reject(
                    row,
                    _(
                        "The record «%(name)s» with this external ID is in the "
                        "trash: restore it first."
                    )
                    % {"name": obj},
                    "external_id",
                )
                continue
            if obj is not None and self.unchanged(obj, values):
                continue
            try:
                with transaction.atomic():
                    saved = self.save(obj, values)
            except DomainError as error:
                for name, messages in error.all_errors.items():
                    field = (name or "").removesuffix("_id").split(".")[0]
                    for message in messages:
                        outcome.errors.append((row.number, field, str(message)))
                continue
            except Forbidden as error:
                outcome.reject(row, str(error.message or _("You may not do this.")))
                continue
            except NotFound:
                outcome.reject(row, _("A record this row refers to is not found."))
                continue
            if obj is None:
                outcome.created += 1
            else:
                outcome.updated += 1
            for key in self.match_keys:
                if getattr(saved, key, None):
                    found[key][getattr(saved, key)] = saved
        return outcome
