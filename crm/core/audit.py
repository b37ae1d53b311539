"""The audit history: every create, update, delete and restore, with old and new values.

Services take a `snapshot()` before changing a record and call `record_update()`
after; the entry keeps display values (a curator's name, not an id), because the
history must say what the record looked like then, even if the related row changes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext as _

from crm.core import events
from crm.core.models import AuditAction, AuditEntry


def _display(obj, field) -> Any:
    if field.is_relation:
        if getattr(obj, field.attname) is None:
            return None
        return str(getattr(obj, field.name))
    value = getattr(obj, field.attname)
    if value is None or value == "":
        return None
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    return value


def snapshot(obj) -> dict[str, Any]:
    """The record's audited fields as display values, custom fields flattened."""
    exclude = set(getattr(obj, "audit_exclude", ())) | {"id", "created_at"}
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        if field.name == "custom_fields":
            for key, value in (getattr(obj, "custom_fields", None) or {}).items():
                if value not in (None, ""):
                    data[f"custom_fields.{key}"] = value
            continue
        data[field.name] = _display(obj, field)
    for name in getattr(obj, "audit_m2m", ()):
        if obj.pk:
            data[name] = ", ".join(sorted(str(x) for x in getattr(obj, name).all()))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old in ("", None) and new in ("", None):
            continue
        if old != new:
            changes[name] = {"old": old, "new": new}
    return changes


def _entry(actor, obj, action: str, changes: dict) -> AuditEntry:
    events.emit(
        f"{events.entity_name(obj)}.{events.ACTION_EVENTS[action]}",
        obj,
        actor=actor,
        changes=changes,
    )
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        object_repr=str(obj)[:300],
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        changes=changes,
    )


def record_create(actor, obj) -> AuditEntry:
    return _entry(actor, obj, AuditAction.CREATE, diff({}, snapshot(obj)))


def record_update(actor, obj, before: dict[str, Any]) -> AuditEntry | None:
    """Record what changed since `before`; nothing is written when nothing changed."""
    changes = diff(before, snapshot(obj))
    if not changes:
        return None
    return _entry(actor, obj, AuditAction.UPDATE, changes)


def record_delete(actor, obj) -> AuditEntry:
    return _entry(actor, obj, AuditAction.DELETE, {})


def record_restore(actor, obj) -> AuditEntry:
    return _entry(actor, obj, AuditAction.RESTORE, {})


# Labels of entries that are not model fields (a merge's "merged_records"), which
# higher apps register in their ready().
_extra_labels: dict[str, Any] = {}


def register_field_label(name: str, label) -> None:
    _extra_labels[name] = label


def field_label(model, name: str) -> str:
    """The translated label of an audited field (custom fields included)."""
    if name in _extra_labels:
        return str(_extra_labels[name])
    if name.startswith("custom_fields."):
        from crm.core.models import CustomField

        key = name.split(".", 1)[1]
        field = CustomField.objects.filter(key=key).first()
        return field.label if field else key
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a field removed since the entry was written
        return name
    if getattr(field, "verbose_name", None):
        return str(field.verbose_name)
    # A reverse relation (further phones, places of work): the related model's name.
    related = getattr(field, "related_model", None)
    return str(related._meta.verbose_name_plural) if related else name


def describe(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    """(label, old, new) rows of an entry for the timeline."""
    model = entry.content_type.model_class()
    rows = []
    for name, change in entry.changes.items():
        label = field_label(model, name) if model else name
        rows.append((label, _format(change.get("old")), _format(change.get("new"))))
    return rows


def _format(value):
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return value
