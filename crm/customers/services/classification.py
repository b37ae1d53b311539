"""Writes of tags and of the reference lists (industries, sources, positions…)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from crm.core import audit, visibility
from crm.core.errors import DomainError, Forbidden
from crm.core.models import ReferenceItem
from crm.core.services import claim_version
from crm.customers.models import REFERENCE_MODELS, Company, Contact, LegalForm, Tag
from crm.customers.services.records import (
    Errors,
    add_error,
    forget_related,
    raise_errors,
    resolve_tags,
)

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_TAG_COLOR = "#6c757d"


def _name_taken(queryset, field: str, name: str) -> bool:
    """Whether a name is used, ignoring case in any alphabet.

    Compared here, not in SQL: SQLite folds only Latin letters, so «Ключ» and «ключ»
    would pass as different there. Tags and list items are a few hundred rows.
    """
    wanted = name.casefold()
    return any(
        (other or "").casefold() == wanted
        for other in queryset.values_list(field, flat=True).iterator()
    )


def _clean_tag(tag: Tag, errors: Errors) -> None:
    tag.name = " ".join((tag.name or "").split())
    tag.color = (tag.color or DEFAULT_TAG_COLOR).strip().lower()
    if not tag.name:
        add_error(errors, "name", _("Enter the tag's name."))
    elif len(tag.name) > 50:
        add_error(errors, "name", _("At most %(count)d characters.") % {"count": 50})
    elif _name_taken(Tag.objects.exclude(pk=tag.pk), "name", tag.name):
        add_error(errors, "name", _("A tag with this name already exists."))
    if not _COLOR.match(tag.color):
        add_error(errors, "color", _("Enter a colour like #1a73e8."))


def _ensure_can_tag(actor) -> None:
    if not (
        visibility.can_create(actor, "company")
        or visibility.can_create(actor, "contact")
    ):
        raise Forbidden(_("Your role may not create tags."))


@transaction.atomic
def tag_create(*, actor, name: str, color: str = DEFAULT_TAG_COLOR) -> Tag:
    """Create a tag; anyone who may create companies or contacts may add tags."""
    _ensure_can_tag(actor)
    tag = Tag(name=name, color=color)
    errors: Errors = {}
    _clean_tag(tag, errors)
    raise_errors(errors)
    tag.save()
    audit.record_create(actor, tag)
    return tag


@transaction.atomic
def tag_update(
    *, actor, tag: Tag, name: str | None = None, color: str | None = None
) -> Tag:
    """Rename or recolour a tag everywhere it is used (administrators only)."""
    visibility.ensure_admin(actor=actor)
    before = audit.snapshot(tag)
    if name is not None:
        tag.name = name
    if color is not None:
        tag.color = color
    errors: Errors = {}
    _clean_tag(tag, errors)
    raise_errors(errors)
    tag.save()
    audit.record_update(actor, tag, before)
    return tag


@transaction.atomic
def tag_delete(*, actor, tag: Tag) -> None:
    """Delete a tag and take it off every record (administrators only).

    Records keep the tag in their history; the tag itself is not restorable.
    """
    visibility.ensure_admin(actor=actor)
    audit.record_delete(actor, tag)
    tag.delete()


def _tags_set(*, actor, obj: Company | Contact, tag_ids: Iterable) -> None:
    visibility.ensure_can_edit(actor=actor, obj=obj)
    errors: Errors = {}
    tags = resolve_tags(tag_ids, errors)
    raise_errors(errors)
    before = audit.snapshot(obj)
    # The edit form sends the tags too: a form opened before this change must not
    # silently put the old tags back, so the version moves on.
    claim_version(obj)
    obj.tags.set(tags or [])
    forget_related(obj)
    audit.record_update(actor, obj, before)


@transaction.atomic
def company_tags_set(*, actor, company: Company, tag_ids: Iterable) -> Company:
    """Make the company's tags exactly `tag_ids`."""
    _tags_set(actor=actor, obj=company, tag_ids=tag_ids)
    return company


@transaction.atomic
def contact_tags_set(*, actor, contact: Contact, tag_ids: Iterable) -> Contact:
    """Make the contact's tags exactly `tag_ids`."""
    _tags_set(actor=actor, obj=contact, tag_ids=tag_ids)
    return contact


# --- reference lists --------------------------------------------------------------

REFERENCE_FIELDS = ("name_en", "name_ru", "position", "is_active", "short_name")


def reference_model(kind: str) -> type[ReferenceItem]:
    """The model of a reference list by its slug (`industries`, `sources`…)."""
    try:
        return REFERENCE_MODELS[kind]
    except KeyError:
        raise DomainError(_("Unknown reference list."), field="kind") from None


def _clean_item(item: ReferenceItem, fields: dict[str, Any], errors: Errors) -> None:
    unknown = set(fields) - set(REFERENCE_FIELDS)
    if "short_name" in fields and not isinstance(item, LegalForm):
        unknown.add("short_name")
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError(_("Unknown field: %(name)s.") % {"name": name}, field=name)
    for name, value in fields.items():
        if name in ("name_en", "name_ru", "short_name"):
            value = " ".join(str(value or "").split())
            limit = getattr(item._meta.get_field(name), "max_length", None) or 200
            if len(value) > limit:
                add_error(
                    errors, name, _("At most %(count)d characters.") % {"count": limit}
                )
        elif name == "position":
            try:
                value = int(value or 0)
            except (TypeError, ValueError):
                add_error(errors, name, _("Enter a whole number."))
                continue
            if value < 0:
                add_error(errors, name, _("Enter a whole number."))
                continue
        elif name == "is_active":
            value = bool(value)
        setattr(item, name, value)
    if not (item.name_en or item.name_ru):
        add_error(errors, "name_en", _("Give the item a name."))
    model = type(item)
    for name in ("name_en", "name_ru"):
        value = getattr(item, name)
        if (
            value
            and name not in errors
            and _name_taken(model._default_manager.exclude(pk=item.pk), name, value)
        ):
            add_error(errors, name, _("This list already has an item with this name."))


@transaction.atomic
def reference_item_create(*, actor, kind: str, **fields: Any) -> ReferenceItem:
    """Add an item to a reference list (administrators only).

    `fields`: `name_en`, `name_ru` (at least one), `position`, and `short_name` for
    legal forms.
    """
    visibility.ensure_admin(actor=actor)
    item = reference_model(kind)()
    errors: Errors = {}
    _clean_item(item, fields, errors)
    raise_errors(errors)
    item.save()
    audit.record_create(actor, item)
    return item


@transaction.atomic
def reference_item_update(
    *, actor, item: ReferenceItem, **fields: Any
) -> ReferenceItem:
    """Rename, reorder, retire or bring back a reference item (administrators only)."""
    visibility.ensure_admin(actor=actor)
    before = audit.snapshot(item)
    errors: Errors = {}
    _clean_item(item, fields, errors)
    raise_errors(errors)
    item.save()
    audit.record_update(actor, item, before)
    return item


@transaction.atomic
def reference_item_deactivate(*, actor, item: ReferenceItem) -> ReferenceItem:
    """Retire an item: no longer offered, but records that use it keep it.

    Items are never deleted, because companies and contacts and their history
    refer to them.
    """
    return reference_item_update(actor=actor, item=item, is_active=False)
