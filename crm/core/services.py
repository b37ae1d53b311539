"""Writes of core: the version check and trash shared by every record, custom field
definitions, visibility overrides, saved views and notifications."""

from __future__ import annotations

import logging
import re

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import audit, visibility
from crm.core.errors import Conflict, DomainError, Forbidden
from crm.core.models import (
    CustomField,
    CustomFieldEntity,
    CustomFieldKind,
    Notification,
    Record,
    SavedView,
    VisibilityRule,
)

logger = logging.getLogger(__name__)


def claim_version(obj: Record, *, expected_version: int | None = None) -> None:
    """Take the record's next version, refusing a save based on a stale copy.

    A conditional UPDATE (`WHERE version = expected`) makes the check atomic: of two
    people who opened version 3, the first save makes it 4 and the second finds no
    row with version 3 and is refused, instead of silently overwriting the first.
    """
    expected = obj.version if expected_version is None else int(expected_version)
    now = timezone.now()
    updated = (
        type(obj)
        .all_objects.filter(pk=obj.pk, version=expected)
        .update(version=F("version") + 1, updated_at=now)
    )
    if not updated:
        raise Conflict(
            _(
                "Someone else saved this record after you opened it. "
                "Reload the page to see their changes, then make yours again."
            ),
            field="version",
        )
    obj.version = expected + 1
    obj.updated_at = now


def record_trash(*, actor, obj: Record) -> Record:
    """Move a record to the trash; an administrator can restore it."""
    now = timezone.now()
    type(obj).all_objects.filter(pk=obj.pk).update(
        deleted_at=now, deleted_by=actor, updated_at=now
    )
    obj.deleted_at, obj.deleted_by = now, actor
    audit.record_delete(actor, obj)
    return obj


@transaction.atomic
def record_restore(*, actor, obj: Record) -> Record:
    """Take a record out of the trash (administrators only)."""
    visibility.ensure_admin(actor=actor)
    if obj.deleted_at is None:
        raise DomainError(_("This record is not in the trash."))
    type(obj).all_objects.filter(pk=obj.pk).update(
        deleted_at=None, deleted_by=None, updated_at=timezone.now()
    )
    obj.deleted_at = obj.deleted_by = None
    audit.record_restore(actor, obj)
    return obj


# --- custom fields ----------------------------------------------------------------

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


def _clean_custom_field(field: CustomField) -> None:
    if field.entity not in CustomFieldEntity.values:
        raise DomainError(_("Choose companies or contacts."), field="entity")
    if not _KEY_RE.match(field.key or ""):
        raise DomainError(
            _("Use lower-case Latin letters, digits and _; start with a letter."),
            field="key",
        )
    field.label_en = (field.label_en or "").strip()
    field.label_ru = (field.label_ru or "").strip()
    if not (field.label_en or field.label_ru):
        raise DomainError(_("Give the field a name."), field="label_en")
    for name in ("label_en", "label_ru"):
        if len(getattr(field, name)) > 100:
            raise DomainError(
                _("At most %(limit)d characters.") % {"limit": 100}, field=name
            )
    try:
        field.position = int(field.position or 0)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a whole number from 0."), field="position") from None
    if not 0 <= field.position <= 2**31 - 1:
        raise DomainError(_("Enter a whole number from 0."), field="position")
    if field.kind not in CustomFieldKind.values:
        raise DomainError(_("Unknown field type."), field="kind")
    if field.kind == CustomFieldKind.CHOICE:
        choices = [str(c).strip() for c in field.choices or [] if str(c).strip()]
        if not choices:
            raise DomainError(_("List at least one choice."), field="choices")
        if any(len(choice) > 200 for choice in choices):
            raise DomainError(
                _("A choice may have at most %(limit)d characters.") % {"limit": 200},
                field="choices",
            )
        field.choices = list(dict.fromkeys(choices))
    else:
        field.choices = []


@transaction.atomic
def custom_field_create(*, actor, **data) -> CustomField:
    """Define a new custom field for companies or contacts."""
    visibility.ensure_admin(actor=actor)
    field = CustomField(**data)
    _clean_custom_field(field)
    if CustomField.objects.filter(entity=field.entity, key=field.key).exists():
        raise DomainError(_("A field with this key already exists."), field="key")
    field.save()
    return field


@transaction.atomic
def custom_field_update(*, actor, field: CustomField, **data) -> CustomField:
    """Change a custom field's labels, choices, order or status; the key stays."""
    visibility.ensure_admin(actor=actor)
    data.pop("key", None)
    data.pop("entity", None)
    if "kind" in data and data["kind"] != field.kind:
        raise DomainError(
            _("The type of a field cannot change: stored values would break."),
            field="kind",
        )
    for name, value in data.items():
        setattr(field, name, value)
    _clean_custom_field(field)
    field.save()
    return field


@transaction.atomic
def custom_field_delete(*, actor, field: CustomField) -> None:
    """Remove a custom field definition; stored values stay in the records' history."""
    visibility.ensure_admin(actor=actor)
    field.delete()


# --- visibility rules -------------------------------------------------------------


_SCOPE_ORDER = [
    visibility.Scope.NONE,
    visibility.Scope.OWN,
    visibility.Scope.TEAM,
    visibility.Scope.ALL,
]


@transaction.atomic
def visibility_rules_set(*, actor, rules: dict[tuple[str, str], tuple[str, str]]):
    """Store an administrator's rules; rows equal to the defaults are dropped."""
    visibility.ensure_admin(actor=actor)
    valid = set(visibility.Scope.values)
    for (role, object_type), (view_scope, edit_scope) in rules.items():
        if (
            role not in visibility.Role.values
            or object_type not in visibility.OBJECT_TYPES
        ):
            raise DomainError(_("Unknown role or object type."))
        if view_scope not in valid or edit_scope not in valid:
            raise DomainError(_("Unknown scope."), field=f"{role}-{object_type}")
        if _SCOPE_ORDER.index(edit_scope) > _SCOPE_ORDER.index(view_scope):
            raise DomainError(
                _("A role cannot change more records than it sees."),
                field=f"{role}-{object_type}",
            )
        if visibility.default_scopes(role, object_type) == (view_scope, edit_scope):
            VisibilityRule.objects.filter(role=role, object_type=object_type).delete()
            continue
        VisibilityRule.objects.update_or_create(
            role=role,
            object_type=object_type,
            defaults={"view_scope": view_scope, "edit_scope": edit_scope},
        )
    transaction.on_commit(visibility.forget_overrides)
    visibility.forget_overrides()


# --- saved views ------------------------------------------------------------------


@transaction.atomic
def saved_view_save(*, actor, list_key: str, name: str, query: str) -> SavedView:
    """Save (or overwrite) the actor's named view of a list."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the view a name."), field="name")
    view, _created = SavedView.objects.update_or_create(
        user=actor, list_key=list_key, name=name[:100], defaults={"query": query}
    )
    return view


@transaction.atomic
def saved_view_delete(*, actor, view: SavedView) -> None:
    if view.user_id != actor.pk:
        raise Forbidden()
    view.delete()


# --- notifications ----------------------------------------------------------------


def notification_send(
    *, user, title: str, body: str = "", url: str = "", email: bool = True
) -> Notification:
    """Notify a user in the application and, when they have an address, by e-mail.

    The letter goes after the transaction commits, so a rolled-back change sends
    nothing; a failing mail server is logged and does not undo the notification.
    """
    notification = Notification.objects.create(
        user=user, title=title, body=body, url=url
    )
    if email and user.email:
        from django.conf import settings

        link = f"{settings.CRM_BASE_URL.rstrip('/')}{url}" if url else ""
        text = "\n\n".join(part for part in (body, link) if part)

        def send():
            try:
                send_mail(title, text, None, [user.email])
            except OSError:
                logger.exception("Could not e-mail notification %s", notification.pk)

        transaction.on_commit(send)
    return notification


def notifications_mark_read(*, actor, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
