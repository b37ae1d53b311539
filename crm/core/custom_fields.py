"""Values of administrator-defined fields: checking, form fields and list filters.

Values are stored in the record's `custom_fields` JSON as JSON scalars: text and
choice as strings, numbers as strings of a Decimal (exact, locale-free), dates as ISO
strings, yes/no as booleans. Keys of inactive or deleted fields are kept untouched.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _

from crm.core.errors import DomainError
from crm.core.models import CustomField, CustomFieldKind

FORM_PREFIX = "cf_"


def fields_for(entity: str) -> list[CustomField]:
    return list(CustomField.objects.filter(entity=entity, is_active=True))


def clean_value(field: CustomField, value: Any) -> Any:
    """Check and normalise one value; raises DomainError naming the field."""
    name = f"custom_fields.{field.key}"
    if value in (None, ""):
        if field.is_required:
            raise DomainError(_("This field is required."), field=name)
        return None
    kind = field.kind
    if kind == CustomFieldKind.TEXT:
        value = str(value).strip()
        if len(value) > 1000:
            raise DomainError(_("At most 1000 characters."), field=name)
        return value
    if kind == CustomFieldKind.NUMBER:
        try:
            number = Decimal(str(value).replace(" ", "").replace(",", "."))
        except InvalidOperation:
            raise DomainError(_("Enter a number."), field=name) from None
        if not number.is_finite():
            raise DomainError(_("Enter a number."), field=name)
        return str(number)
    if kind == CustomFieldKind.DATE:
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise DomainError(_("Enter a date as YYYY-MM-DD."), field=name) from None
    if kind == CustomFieldKind.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on", "да"):
            return True
        if text in ("0", "false", "no", "off", "нет"):
            return False
        raise DomainError(_("Answer yes or no."), field=name)
    if kind == CustomFieldKind.CHOICE:
        if str(value) not in field.choices:
            raise DomainError(
                _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(field.choices)},
                field=name,
            )
        return str(value)
    raise DomainError(_("Unknown field type."), field=name)


def clean_values(
    entity: str, values: dict[str, Any] | None, *, current: dict | None = None
) -> dict[str, Any]:
    """Merge submitted values into the current ones, checking every active field."""
    values = dict(values or {})
    result = dict(current or {})
    fields = {f.key: f for f in fields_for(entity)}
    unknown = set(values) - set(fields)
    if unknown:
        raise DomainError(
            _("Unknown field: %(key)s.") % {"key": sorted(unknown)[0]},
            field=f"custom_fields.{sorted(unknown)[0]}",
        )
    errors: dict[str, list] = {}
    for key, field in fields.items():
        if key not in values and current is not None:
            value = result.get(key)
            if field.is_required and value in (None, ""):
                errors[f"custom_fields.{key}"] = [_("This field is required.")]
            continue
        try:
            cleaned = clean_value(field, values.get(key))
        except DomainError as error:
            errors[error.field] = [error.message]
            continue
        if cleaned is None:
            result.pop(key, None)
        else:
            result[key] = cleaned
    if errors:
        raise DomainError.from_errors(errors)
    return result


def form_field(field: CustomField) -> forms.Field:
    """A Django form field for a custom field."""
    common = {"label": field.label, "required": field.is_required}
    kind = field.kind
    if kind == CustomFieldKind.NUMBER:
        return forms.DecimalField(**common, localize=True)
    if kind == CustomFieldKind.DATE:
        return forms.DateField(**common, widget=forms.DateInput(attrs={"type": "date"}))
    if kind == CustomFieldKind.BOOLEAN:
        return forms.BooleanField(label=field.label, required=False)
    if kind == CustomFieldKind.CHOICE:
        choices = [("", "—"), *[(c, c) for c in field.choices]]
        return forms.ChoiceField(**common, choices=choices)
    return forms.CharField(**common, max_length=1000)


def filter_q(field: CustomField, value: str) -> Q:
    """A list filter on a custom field: exact for choices, yes/no, numbers and dates;
    case-insensitive containment for text."""
    lookup = f"custom_fields__{field.key}"
    if field.kind == CustomFieldKind.TEXT:
        return Q(**{f"{lookup}__icontains": value})
    if field.kind == CustomFieldKind.BOOLEAN:
        return Q(**{lookup: value in ("1", "true", "yes", "on")})
    try:
        return Q(**{lookup: clean_value(field, value)})
    except DomainError:
        return Q(pk__in=[])
