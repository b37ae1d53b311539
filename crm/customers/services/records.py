"""What company and contact services share: checking typed values, further phones
and e-mails, tags and the search text.

Every checker adds to an `errors` dict (field → messages) instead of raising at the
first problem, so a form shows each mistake on its own field at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext as _

from crm.core import custom_fields as core_custom_fields
from crm.core import validation
from crm.core.errors import DomainError
from crm.customers.models import Company, Contact, ContactPoint, ContactPointKind, Tag

Errors = dict[str, list]

# Cleaners of typed values, by field name; each returns the normalised value.
VALIDATORS = {
    "email": validation.clean_email,
    "phone": validation.clean_phone,
    "inn": validation.clean_inn,
    "kpp": validation.clean_kpp,
    "ogrn": validation.clean_ogrn,
    "okpo": validation.clean_okpo,
    "website": validation.clean_url,
}


def add_error(errors: Errors, field: str, message) -> None:
    errors.setdefault(field, []).append(message)


def raise_errors(errors: Errors) -> None:
    if errors:
        raise DomainError.from_errors(errors)


def pk_of(value: Any) -> Any:
    """An id from an id or a model instance (forms give instances, the API ids)."""
    if isinstance(value, models.Model):
        return value.pk
    if value in ("", None):
        return None
    return value


def clean_scalar(model, name: str, value: Any, errors: Errors) -> Any:
    """Check one plain field of `model`: text length, choices, typed values."""
    field = model._meta.get_field(name)
    if isinstance(field, models.BooleanField):
        return bool(value)
    if isinstance(field, models.DateField):
        return value or None
    value = "" if value is None else str(value).strip()
    cleaner = VALIDATORS.get(name)
    if cleaner is not None:
        try:
            value = cleaner(value, field=name)
        except DomainError as error:
            add_error(errors, name, error.message)
            return value
    if field.choices and value and value not in dict(field.flatchoices):
        add_error(errors, name, _("Choose one of the offered values."))
    elif field.max_length and len(value) > field.max_length:
        add_error(
            errors,
            name,
            _("At most %(count)d characters.") % {"count": field.max_length},
        )
    return value


def resolve_reference(
    model, name: str, value: Any, current_id: Any, errors: Errors
) -> Any:
    """An item of a reference list by id; retired items stay only where they were."""
    item_id = pk_of(value)
    if item_id is None:
        return None
    try:
        item_id = int(item_id)
    except (TypeError, ValueError):
        add_error(errors, name, _("Choose one of the offered values."))
        return None
    item = model.objects.filter(pk=item_id).first()
    if item is None or (not item.is_active and item_id != current_id):
        add_error(errors, name, _("Choose one of the offered values."))
        return None
    return item


def resolve_curator(value: Any, current_id: Any, errors: Errors) -> Any:
    """The curator: an active user (a former one stays only where already set)."""
    user_id = pk_of(value)
    if user_id is None:
        return None
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        add_error(errors, "curator_id", _("Choose a user."))
        return None
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or (not user.is_active and user_id != current_id):
        add_error(errors, "curator_id", _("Choose an active user."))
        return None
    return user


def clean_custom_fields(
    entity: str, values: Mapping | None, current: dict | None, errors: Errors
) -> dict:
    try:
        return core_custom_fields.clean_values(
            entity, dict(values) if values is not None else None, current=current
        )
    except DomainError as error:
        for field, messages in error.all_errors.items():
            for message in messages:
                add_error(errors, field or "custom_fields", message)
        return dict(current or {})


def get_value(item: Any, name: str) -> Any:
    """A value from a dict (API, tests) or an object with attributes (schemas)."""
    if isinstance(item, Mapping):
        return item.get(name)
    return getattr(item, name, None)


def clean_points(
    kind: str, items: Iterable | None, errors: Errors
) -> list[tuple[str, str]] | None:
    """Further phones or e-mails as (label, value), normalised, without repeats.

    Rows with an empty value are dropped, so a form may send blank rows. Errors are
    named `phones.<i>.value` after the row's place in the input.
    """
    if items is None:
        return None
    prefix = "phones" if kind == ContactPointKind.PHONE else "emails"
    cleaner = (
        validation.clean_phone
        if kind == ContactPointKind.PHONE
        else validation.clean_email
    )
    result: dict[str, str] = {}
    for index, item in enumerate(items):
        label = str(get_value(item, "label") or "").strip()
        raw = str(get_value(item, "value") or "").strip()
        if not raw:
            continue
        try:
            value = cleaner(raw, field=f"{prefix}.{index}.value")
        except DomainError as error:
            add_error(errors, error.field or f"{prefix}.{index}.value", error.message)
            continue
        if len(label) > 50:
            add_error(
                errors,
                f"{prefix}.{index}.label",
                _("At most %(count)d characters.") % {"count": 50},
            )
            continue
        result.setdefault(value, label)
    return [(label, value) for value, label in result.items()]


def owner_filter(obj: Company | Contact) -> dict[str, Any]:
    """The ContactPoint lookup of the record's own points."""
    if isinstance(obj, Company):
        return {"company": obj}
    return {"contact": obj}


def replace_points(
    obj: Company | Contact,
    phones: list[tuple[str, str]] | None,
    emails: list[tuple[str, str]] | None,
) -> None:
    """Make the record's further phones (or e-mails) exactly the given ones."""
    owner = owner_filter(obj)
    for kind, points in (
        (ContactPointKind.PHONE, phones),
        (ContactPointKind.EMAIL, emails),
    ):
        if points is None:
            continue
        ContactPoint.objects.filter(kind=kind, **owner).delete()
        ContactPoint.objects.bulk_create(
            ContactPoint(kind=kind, label=label, value=value, **owner)
            for label, value in points
        )


def point_values(obj: Company | Contact) -> tuple[list[str], list[str]]:
    """The stored further (e-mails, phones) of a saved record."""
    emails: list[str] = []
    phones: list[str] = []
    rows = ContactPoint.objects.filter(**owner_filter(obj)).values_list("kind", "value")
    for kind, value in rows:
        (phones if kind == ContactPointKind.PHONE else emails).append(value)
    return emails, phones


def set_search_text(
    obj: Company | Contact,
    phones: list[tuple[str, str]] | None = None,
    emails: list[tuple[str, str]] | None = None,
) -> None:
    """Compute what the global search finds the record by, further points included.

    `phones`/`emails` are the points about to be stored; None reads the stored ones.
    """
    stored_emails, stored_phones = (
        point_values(obj) if obj.pk and (phones is None or emails is None) else ([], [])
    )
    obj.search_text = obj.build_search_text(
        emails=stored_emails if emails is None else [v for _label, v in emails],
        phones=stored_phones if phones is None else [v for _label, v in phones],
    )


def refresh_search_text(obj: Company | Contact) -> None:
    """Recompute and store the search text after the further points changed."""
    set_search_text(obj)
    type(obj).all_objects.filter(pk=obj.pk).update(search_text=obj.search_text)


def resolve_tags(tag_ids: Iterable | None, errors: Errors) -> list[Tag] | None:
    if tag_ids is None:
        return None
    ids = []
    for value in tag_ids:
        try:
            ids.append(int(pk_of(value)))
        except (TypeError, ValueError):
            add_error(errors, "tag_ids", _("Choose existing tags."))
            return None
    tags = list(Tag.objects.filter(pk__in=set(ids)))
    if len(tags) != len(set(ids)):
        add_error(errors, "tag_ids", _("Choose existing tags."))
        return None
    return tags


def forget_related(obj: models.Model) -> None:
    """Drop prefetched relations so the history snapshot reads what was just saved."""
    cache = getattr(obj, "_prefetched_objects_cache", None)
    if cache:
        cache.clear()


def client_touch(*, company_id=None, contact_id=None, at) -> None:
    """Note that something happened with a client at `at` (a call, a letter…).

    Derived data, not an edit: no version, no history. Only moves forward, so an
    activity logged for last month does not hide today's.
    """
    from django.db.models import Q

    from crm.customers.models import Company, Contact

    for model, pk in ((Company, company_id), (Contact, contact_id)):
        if pk is None:
            continue
        model.all_objects.filter(pk=pk).filter(
            Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=at)
        ).update(last_activity_at=at)
