"""Reads of core that pages and the API share: notifications, the trash, custom field
definitions and the visibility matrix."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import IntegerField, QuerySet, Value

from crm.core import visibility
from crm.core.errors import Forbidden, NotFound
from crm.core.models import CustomField, Notification, Record


def _ensure_signed_in(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise Forbidden()


# --- notifications ----------------------------------------------------------------


def notification_list(*, actor, unread_only: bool = False) -> QuerySet[Notification]:
    """The actor's own notifications, newest first."""
    _ensure_signed_in(actor)
    notifications = Notification.objects.filter(user=actor)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def notification_get(*, actor, notification_id: int) -> Notification:
    """One of the actor's notifications; anyone else's is NotFound."""
    _ensure_signed_in(actor)
    notification = Notification.objects.filter(pk=notification_id, user=actor).first()
    if notification is None:
        raise NotFound()
    return notification


# --- the trash --------------------------------------------------------------------


def trash_models() -> list[type[Record]]:
    """Every concrete model whose rows go to the trash, in a stable order.

    Found at run time, so a domain app's records (deals, requests…) appear in the
    trash without core knowing them.
    """
    return sorted(
        (
            model
            for model in apps.get_models()
            if issubclass(model, Record) and not model._meta.proxy
        ),
        key=lambda model: model._meta.label_lower,
    )


def trash_type_choices() -> list[tuple[str, str]]:
    """(key, plural name) of each kind of record that can be in the trash."""
    return [
        (model._meta.label_lower, str(model._meta.verbose_name_plural).capitalize())
        for model in trash_models()
    ]


@dataclass(frozen=True)
class TrashItem:
    """A record in the trash, as the trash page shows it."""

    model: type[Record]
    obj: Record
    deleted_at: dt.datetime
    deleted_by: Any

    @property
    def type_key(self) -> str:
        return self.model._meta.label_lower

    @property
    def type_label(self) -> str:
        return str(self.model._meta.verbose_name).capitalize()


def trash_list(*, actor, filters: dict[str, Any] | None = None) -> QuerySet:
    """Rows in the trash of every record model, most recently deleted first.

    One UNION query of `(kind, pk, deleted_at, deleted_by_id)` tuples, so the page
    can count and slice across models in the database; `trash_items()` then loads
    the records of one page. Filters: `type` (a model label like
    `customers.company`) and `deleted_by` (a user id). Administrators only.
    """
    visibility.ensure_admin(actor=actor)
    filters = filters or {}
    models = trash_models()
    kind = filters.get("type")
    deleted_by = filters.get("deleted_by")
    parts = []
    for index, model in enumerate(models):
        if kind and model._meta.label_lower != kind:
            continue
        rows = model.all_objects.filter(deleted_at__isnull=False)
        if deleted_by:
            rows = rows.filter(deleted_by_id=deleted_by)
        parts.append(_trash_rows(rows, index))
    if not parts:  # an unknown type: nothing, in the same shape
        parts.append(_trash_rows(models[0].all_objects.none(), 0))
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return combined.order_by("-deleted_at", "-_trash_kind", "-pk")


def _trash_rows(rows: QuerySet, index: int) -> QuerySet:
    return (
        rows.annotate(_trash_kind=Value(index, output_field=IntegerField()))
        .values_list("_trash_kind", "pk", "deleted_at", "deleted_by_id")
        .order_by()
    )


def trash_items(rows) -> list[TrashItem]:
    """Load the records and who deleted them for one page of `trash_list()` rows.

    One query per kind of record on the page plus one for the users, whatever the
    page size.
    """
    rows = list(rows)
    models = trash_models()
    ids_by_kind: dict[int, list[int]] = {}
    for kind, pk, _deleted_at, _by in rows:
        ids_by_kind.setdefault(kind, []).append(pk)
    objects = {
        kind: models[kind].all_objects.in_bulk(ids) for kind, ids in ids_by_kind.items()
    }
    user_ids = {by for *_rest, by in rows if by}
    users = get_user_model().objects.in_bulk(user_ids) if user_ids else {}
    items = []
    for kind, pk, deleted_at, by in rows:
        obj = objects[kind].get(pk)
        if obj is None:  # deleted for good between the two queries
            continue
        items.append(TrashItem(models[kind], obj, deleted_at, users.get(by)))
    return items


def trash_get(*, actor, type_key: str, record_id: int) -> Record:
    """A record in the trash by its model label and id; NotFound if it is not there."""
    visibility.ensure_admin(actor=actor)
    model = next((m for m in trash_models() if m._meta.label_lower == type_key), None)
    if model is None:
        raise NotFound()
    obj = model.all_objects.filter(pk=record_id, deleted_at__isnull=False).first()
    if obj is None:
        raise NotFound()
    return obj


# --- custom fields ------------------------------------------------------------------


def custom_field_list(*, actor, entity: str | None = None) -> QuerySet[CustomField]:
    """Custom field definitions, per entity, in their form order.

    Every signed-in user reads them (forms and API clients need them); only an
    administrator changes them.
    """
    _ensure_signed_in(actor)
    fields = CustomField.objects.all()
    if entity:
        fields = fields.filter(entity=entity)
    return fields.order_by("entity", "position", "id")


def custom_field_get(*, actor, field_id: int) -> CustomField:
    """One custom field definition; NotFound when there is none."""
    _ensure_signed_in(actor)
    field = CustomField.objects.filter(pk=field_id).first()
    if field is None:
        raise NotFound()
    return field


# --- visibility rules ---------------------------------------------------------------


def visibility_matrix(*, actor) -> list[dict[str, Any]]:
    """Each role's current and default scopes per object type, for the settings page.

    Administrators are left out: they see and change everything whatever the rules.
    """
    visibility.ensure_admin(actor=actor)
    rows = []
    for role, label in visibility.Role.choices:
        if role == visibility.Role.ADMIN:
            continue
        cells = []
        for object_type, type_label in visibility.OBJECT_TYPES.items():
            view_scope, edit_scope = visibility.scopes(role, object_type)
            default_view, default_edit = visibility.default_scopes(role, object_type)
            cells.append(
                {
                    "object_type": object_type,
                    "label": type_label,
                    "view": view_scope,
                    "edit": edit_scope,
                    "default_view": default_view,
                    "default_edit": default_edit,
                    "default_view_label": visibility.Scope(default_view).label,
                    "default_edit_label": visibility.Scope(default_edit).label,
                    "changed": (view_scope, edit_scope) != (default_view, default_edit),
                }
            )
        rows.append({"role": role, "label": label, "cells": cells})
    return rows
