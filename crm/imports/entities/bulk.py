"""Importers that write a batch with a few bulk statements: companies and contacts,
the tables that reach a million rows.

A row matches an existing record by each of `match_keys` in turn (the external ID
first, then the INN or the e-mail); a match is updated — only with the cells the
file fills, an empty cell never erases a value — and the rest are created. Rows of
one batch that match each other fold into one record. New records are plain dicts
of column values written by `crm.imports.writing` (model instances cost more than
the rest of the row); matched ones are model instances saved with `bulk_update`,
and only when something changed. The history gets one entry per record, written
with one statement; the listeners hear one `<entity>.imported` event per batch.
Tags and custom fields (`crm.imports.entities.extras`) ride along: custom values
merge into the record's JSON, tags are only ever added, and both appear in the
history under the names `crm.core.audit` gives them ("tags", "custom_fields.<key>").
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
    match_value,
    shown,
)
from crm.imports.entities.extras import Extras, custom_fields_of, custom_import_fields
from crm.imports.fields import Field
from crm.imports.writing import Inserter, reserve_ids


class BulkImporter(Importer):
    model: ClassVar[type[models.Model]]
    match_keys: ClassVar[tuple[str, ...]] = ("external_id",)
    # Attnames of the model a file may fill; new records are written with these.
    audited: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def all_fields(cls) -> list[Field]:
        return [*cls.fields, *custom_import_fields(custom_fields_of(cls.object_type))]

    def __init__(self, *, actor) -> None:
        super().__init__(actor=actor)
        self.extras = Extras(self.model, self.object_type, actor=actor)
        self.inserter = Inserter(
            self.model,
            (
                "id",
                "created_at",
                "updated_at",
                "created_by_id",
                *self.audited,
                # Without active custom fields the column takes its default ({}).
                *(("custom_fields",) if self.extras.custom else ()),
                "search_text",
            ),
        )
        self.labels = [(name, _field_names(self.model)[name]) for name in self.audited]
        self._columns: list[tuple[str, str, bool]] | None = None

    def clean(self, row: Row) -> dict[str, Any]:  # pragma: no cover - abstract
        """The row's non-empty values as model attributes; raises Rejected."""
        raise NotImplementedError

    def prepare(self, cleaned: list[tuple[Row, dict]], outcome: Outcome) -> list:
        """Resolve what rows refer to (a contact's company); returns the rows kept."""
        return cleaned

    def display(self, name: str, value: Any) -> Any:
        return shown(value)

    def check_new(self, values: dict[str, Any]) -> None:
        """Refuse a row that would create a record without its required fields."""

    def name_of(self, record: dict[str, Any]) -> str:  # pragma: no cover - abstract
        """How the history names a new record (its `str()`)."""
        raise NotImplementedError

    def search_text(self, record, points: dict) -> str:  # pragma: no cover
        """`build_search_text()` of a record: a dict of values or a model instance."""
        raise NotImplementedError

    def after_write(self, rows: list[tuple[Any, dict]], fresh: set[int]) -> None:
        """Write what hangs off the records (a contact's place of work); `fresh` are
        the ids of the records this batch created."""

    def new(self, values: dict[str, Any]) -> dict[str, Any]:
        record = {k: v for k, v in values.items() if not k.startswith("_")}
        record.setdefault("curator_id", self.actor.pk)
        self.extras.merge_new(record, values)
        return record

    def write(self, rows: list[Row]) -> Outcome:
        outcome = Outcome()
        cleaned = []
        for row in rows:
            try:
                cleaned.append((row, self.clean(row)))
            except DomainError as error:
                outcome.reject(row, error)
        cleaned = self.prepare(cleaned, outcome)

        # Each key is looked up only for the rows an earlier key did not match: a
        # re-import matches by external ID and loads each record once, not twice.
        found: dict[str, dict] = {}
        unmatched = [values for _r, values in cleaned]
        for key in self.match_keys:
            found[key] = first_by(
                self.model,
                key,
                (v.get(key) for v in unmatched),
                live=key != "external_id",
            )
            unmatched = [
                v for v in unmatched if match_value(key, v.get(key)) not in found[key]
            ]

        pending: dict[tuple[str, Any], Any] = {}
        created: list[dict[str, Any]] = []
        changed: dict[int, tuple[Any, dict]] = {}
        written: list[tuple[Any, dict]] = []
        keys = self.match_keys
        for row, values in cleaned:
            target = None
            for key in keys:
                value = match_value(key, values.get(key))
                if value:
                    target = pending.get((key, value)) or found[key].get(value)
                    if target is not None:
                        break
            if target is None:
                try:
                    self.check_new(values)
                    self.extras.check_new(values)
                except DomainError as error:
                    outcome.reject(row, error)
                    continue
                target = self.new(values)
                created.append(target)
                outcome.created += 1
            elif isinstance(target, dict):
                target.update((k, v) for k, v in values.items() if k[0] != "_")
                self.extras.merge_new(target, values)
            else:
                refusal = self._refusal(target)
                if refusal:
                    outcome.reject(row, refusal, "external_id")
                    continue
                try:
                    self.extras.check_saved(target, values)
                except DomainError as error:
                    outcome.reject(row, error)
                    continue
                changes = changed.setdefault(target.pk, (target, {}))[1]
                self._apply(target, values, changes)
            for key in keys:
                value = target.get(key) if isinstance(target, dict) else None
                if value is None and not isinstance(target, dict):
                    value = getattr(target, key, None)
                if value:
                    pending[(key, match_value(key, value))] = target
            written.append((target, values))

        self._insert(created)
        tags = self.extras.link_tags(written, changed)
        updated = self._update([pair for pair in changed.values() if pair[1]])
        outcome.updated += len(updated)
        self.after_write(
            [(t["id"] if isinstance(t, dict) else t.pk, v) for t, v in written],
            fresh={record["id"] for record in created},
        )
        audit_batch(
            actor=self.actor,
            model=self.model,
            created=[
                (
                    record["id"],
                    self.name_of(record),
                    self._created_changes(record, tags),
                )
                for record in created
            ],
            updated=updated,
            label="import",
        )
        return outcome

    def _created_changes(self, record: dict[str, Any], tags: dict) -> dict:
        """The history of a new record: each field the file gave, as the history
        shows it (text and flags as they are, the rest through `display()`)."""
        changes = {}
        for name, label, plain in self._history_columns():
            value = record.get(name)
            if value is None or value == "" or value is False:
                continue
            changes[label] = {
                "old": None,
                "new": value if plain else self.display(name, value),
            }
        changes.update(self.extras.created_changes(record))
        if record["id"] in tags:
            changes["tags"] = {"old": None, "new": tags[record["id"]]}
        return changes

    def _history_columns(self) -> list[tuple[str, str, bool]]:
        """(attname, history name, shown as it is) of each audited column."""
        if self._columns is None:
            fields = {f.attname: f for f in self.model._meta.concrete_fields}
            self._columns = [
                (
                    name,
                    label,
                    isinstance(
                        fields[name],
                        models.CharField | models.TextField | models.BooleanField,
                    )
                    and not fields[name].choices,
                )
                for name, label in self.labels
            ]
        return self._columns

    def _refusal(self, obj) -> str:
        if obj.deleted_at is not None:
            return _(
                "The record «%(name)s» with this external ID is in the trash: "
                "restore it first."
            ) % {"name": obj}
        if not self.may_edit(obj):
            return _("This row matches «%(name)s», which you may not change.") % {
                "name": obj
            }
        return ""

    def _insert(self, created: list[dict[str, Any]]) -> None:
        if not created:
            return
        now = timezone.now()
        actor_id = self.actor.pk
        for record, pk in zip(
            created, reserve_ids(self.model, len(created)), strict=True
        ):
            record["id"] = pk
            record["created_at"] = now
            record["updated_at"] = now
            record["created_by_id"] = actor_id
            record["search_text"] = self.search_text(record, {})
        self.inserter.insert(created)

    def _update(self, updated: list[tuple[Any, dict]]) -> list[tuple[Any, dict]]:
        if not updated:
            return []
        points = self.contact_points([obj for obj, _c in updated])
        now = timezone.now()
        fields: set[str] = set()
        for obj, changes in updated:
            obj.updated_at = now
            obj.version += 1
            obj.search_text = self.search_text(obj, points.get(obj.pk, {}))
            # History keys that are not columns: tags (links) and custom fields.
            fields.update(
                "custom_fields" if name.startswith("custom_fields.") else name
                for name in changes
                if name != "tags"
            )
        self.model.all_objects.bulk_update(
            [obj for obj, _c in updated],
            sorted(fields | {"updated_at", "version", "search_text"}),
            batch_size=500,
        )
        return updated

    def _apply(self, obj, values: dict[str, Any], changes: dict) -> None:
        names = _field_names(self.model)
        for name, value in values.items():
            if name[0] == "_":
                continue
            old = getattr(obj, name)
            if old == value:
                continue
            entry = changes.setdefault(names[name], {"old": self.display(name, old)})
            entry["new"] = self.display(name, value)
            setattr(obj, name, value)
        self.extras.apply(obj, values, changes)

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


def value_of(record, name: str) -> Any:
    """A field of a new record (a dict) or of a saved one (an instance)."""
    if isinstance(record, dict):
        return record.get(name) or ""
    return getattr(record, name) or ""


def required(values: dict, name: str, message) -> None:
    if not values.get(name):
        raise Rejected(message, field=name)
