"""Input checks shared by the services of activities: dates, texts, choices, the
client a record is attached to, and how a user reads a date."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from crm.core import visibility
from crm.core.errors import DomainError, NotFound
from crm.customers.models import Company, Contact, Employment


def clean_datetime(value: Any, *, field: str) -> dt.datetime | None:
    """A date and time from a form, the API or code; naive values are the user's."""
    if value in (None, ""):
        return None
    parsed: dt.datetime | None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time(9, 0))
    else:
        try:
            parsed = parse_datetime(str(value).strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise DomainError(
            _("Enter a date and time, like 2025-03-14 15:30."), field=field
        )
    result = parsed
    if timezone.is_naive(result):
        result = timezone.make_aware(result)
    return result


def clean_text(value: Any, *, field: str, model, required: bool = False) -> str:
    text = ("" if value is None else str(value)).strip()
    if required and not text:
        raise DomainError(_("This field is required."), field=field)
    limit = model._meta.get_field(field).max_length
    if limit and len(text) > limit:
        raise DomainError(
            _("At most %(limit)d characters.") % {"limit": limit}, field=field
        )
    return text


def clean_choice(value: Any, *, field: str, choices, default: str = "") -> str:
    if value in (None, ""):
        return default
    if value not in choices.values:
        raise DomainError(
            _("Choose one of: %(values)s.")
            % {"values": ", ".join(str(label) for label in choices.labels)},
            field=field,
        )
    return value


def _pk(value: Any, *, field: str) -> int | None:
    if value in (None, ""):
        return None
    if hasattr(value, "pk"):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Choose a record from the list."), field=field) from None


def visible_client(actor, model, value: Any, *, field: str):
    """The company or contact the actor may see; NotFound for a hidden or missing one.

    A hidden record and a missing one answer alike, so an id reveals nothing.
    """
    pk = _pk(value, field=field)
    if pk is None:
        return None
    obj = (
        value
        if isinstance(value, model) and value.deleted_at is None
        else visibility.visible(model.objects.all(), actor).filter(pk=pk).first()
    )
    if obj is None or not visibility.can(actor, obj):
        raise NotFound()
    return obj


def active_user(value: Any, *, field: str = "assignee"):
    pk = _pk(value, field=field)
    if pk is None:
        raise DomainError(_("Choose who does the task."), field=field)
    user_model = get_user_model()
    user = (
        value
        if isinstance(value, user_model)
        else user_model.objects.filter(pk=pk).first()
    )
    if user is None or not user.is_active:
        raise DomainError(_("Choose an active user."), field=field)
    return user


def main_company(contact: Contact) -> Company | None:
    """The company a person mainly works for: the primary position, or the only one."""
    employments = list(
        Employment.objects.filter(contact=contact, company__deleted_at__isnull=True)
        .select_related("company")
        .order_by("-is_primary", "id")[:2]
    )
    if not employments:
        return None
    if employments[0].is_primary or len(employments) == 1:
        return employments[0].company
    return None


def attach_clients(obj, actor, data: dict[str, Any]) -> None:
    """Set company/contact from the input; a contact brings their main company."""
    if "company" in data:
        obj.company = visible_client(actor, Company, data["company"], field="company")
    if "contact" in data:
        obj.contact = visible_client(actor, Contact, data["contact"], field="contact")
        if obj.contact is not None and obj.company is None:
            # So the record shows on the contact's card and on their company's.
            obj.company = main_company(obj.contact)


def local_text(user, value: dt.datetime | None) -> str:
    """A date and time as the user reads it: their language and time zone."""
    if value is None:
        return ""
    zone = None
    if getattr(user, "time_zone", ""):
        try:
            zone = zoneinfo.ZoneInfo(user.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = None
    local = timezone.localtime(value, zone)
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def language_of(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE
