"""Importers that write a batch with a few bulk statements: companies and contacts,
the tables that reach a million rows.

A row matches an existing record by each of `match_keys` in turn (the external ID
first, then the INN or the e-mail); a match is updated — only with the cells the
file fills, an empty cell never erases a value — and the rest are created. Rows of
one batch that match each other fold into one record. The history gets one entry
per record, written with one statement; the listeners hear one `<entity>.imported`
event per batch.
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.errors import DomainError
from crm.imports.entities.base import (
    Importer,
    Outcome,
    Rejected,
    Row,
    audit_batch,
    first_by,
    shown,
)


class BulkImporter(Importer):
    model: ClassVar[type[models.Model]]
    match_keys: ClassVar[tuple[str, ...]] = ("external_id",)

    def clean(self, row: Row) -> dict[str, Any]:  # pragma: no cover - abstract
        """The row's non-empty values as model attributes; raises Rejected."""
        raise NotImplementedError

    def prepare(self, cleaned: list[tuple[Row, dict]], outcome: Outcome) -> list:
        """Resolve what rows refer to (a contact's company); returns the rows kept."""
        return cleaned

    def display(self, name: str, value: Any) -> Any:
        return shown(value)

    def new(self, values: dict[str, Any]):
        obj = self.model()
        now = timezone.now()
        obj.created_at = now
        obj.updated_at = now
        obj.created_by = self.actor
        for name, value in values.items():
            if not name.startswith("_"):
                setattr(obj, name, value)
        if getattr(obj, "curator_id", None) is None:
            obj.curator_id = self.actor.pk
        return obj

    def check_new(self, values: dict[str, Any]) -> None:
        """Refuse a row that would create a record without its required fields."""

    def search_text(self, obj, points: dict) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def after_write(self, rows: list[tuple[Any, dict]]) -> None:
        """Write what hangs off the records (a contact's place of work)."""

    def write(self, rows: list[Row]) -> Outcome:
        outcome = Outcome()
        cleaned = []
        for row in rows:
            try:
                cleaned.append((row, self.clean(row)))
            except DomainError as error:
                outcome.reject(row, error)
        cleaned = self.prepare(cleaned, outcome)

        found = {}
        for key in self.match_keys:
            manager = (
                self.model.all_objects if key == "external_id" else self.model.objects
            )
            found[key] = first_by(manager, key, (v.get(key) for _r, v in cleaned))

        pending: dict[tuple[str, Any], Any] = {}
        created: list = []
        changed: dict[int, tuple[Any, dict]] = {}
        written: list[tuple[Any, dict]] = []
        for row, values in cleaned:
            obj = None
            for key in self.match_keys:
                value = values.get(key)
                if value:
                    obj = pending.get((key, value)) or found[key].get(value)
                    if obj is not None:
                        break
            if obj is None:
                try:
                    self.check_new(values)
                except DomainError as error:
                    outcome.reject(row, error)
                    continue
                obj = self.new(values)
                created.append(obj)
                outcome.created += 1
            elif obj.pk is None:
                self._apply(obj, values, None)
            else:
                if obj.deleted_at is not None:
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
                if not self.may_edit(obj):
                    outcome.reject(
                        row,
                        _("This row matches «%(name)s», which you may not change.")
                        % {"name": obj},
                    )
                    continue
                if obj.pk not in changed:
                    changed[obj.pk] = (obj, {})
                    outcome.updated += 1
                self._apply(obj, values, changed[obj.pk][1])
            for key in self.match_keys:
                if getattr(obj, key, None):
                    pending[(key, getattr(obj, key))] = obj
            written.append((obj, values))

        updated = list(changed.values())
        points = self.contact_points([obj for obj, _c in updated])
        for obj in created:
            obj.search_text = self.search_text(obj, {})
        for obj, _changes in updated:
            obj.search_text = self.search_text(obj, points.get(obj.pk, {}))
        self.model.objects.bulk_create(created, batch_size=1000)
        now = timezone.now()
        fields = set()
        for obj, changes in updated:
            obj.updated_at = now
            obj.version += 1
            fields.update(changes)
        if updated:
            self.model.all_objects.bulk_update(
                [obj for obj, _c in updated],
                sorted(fields | {"updated_at", "version", "search_text"}),
                batch_size=500,
            )
        self.after_write(written)
        audit_batch(
            actor=self.actor,
            model=self.model,
            created=[(obj, self._created_changes(obj)) for obj in created],
            updated=updated,
            label="import",
        )
        return outcome

    def _apply(self, obj, values: dict[str, Any], changes: dict | None) -> None:
        for name, value in values.items():
            if name.startswith("_"):
                continue
            old = getattr(obj, name)
            if old == value:
                continue
            if changes is not None:
                label = _field_names(self.model).get(name, name)
                entry = changes.setdefault(label, {"old": self.display(name, old)})
                entry["new"] = self.display(name, value)
            setattr(obj, name, value)

    def _created_changes(self, obj) -> dict:
        changes = {}
        for name in self.audited:
            value = getattr(obj, name)
            if value not in (None, "", False):
                label = _field_names(self.model).get(name, name)
                changes[label] = {"old": None, "new": self.display(name, value)}
        return changes

    audited: ClassVar[tuple[str, ...]] = ()

    def contact_points(self, objs) -> dict[int, dict[str, list[str]]]:
        """Further phones and e-mails of updated records, for their search text."""
        if not objs:
            return {}
        from crm.customers.models import ContactPoint

        owner = self.model._meta.model_name
        result: dict[int, dict[str, list[str]]] = {}
        rows = ContactPoint.objects.filter(
            **{f"{owner}_id__in": [o.pk for o in objs]}
        ).values_list(f"{owner}_id", "kind", "value")
        for pk, kind, value in rows:
            result.setdefault(pk, {}).setdefault(kind, []).append(value)
        return result


@cache
def _field_names(model) -> dict[str, str]:
    """{attname: field name}: `industry_id` → `industry`, `external_id` stays."""
    return {f.attname: f.name for f in model._meta.concrete_fields}


def required(values: dict, name: str, message) -> None:
    if not values.get(name):
        raise Rejected(message, field=name)
