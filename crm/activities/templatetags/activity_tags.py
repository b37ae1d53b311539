"""Template filters of the activities pages."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import formats, timezone

from crm.core import visibility

register = template.Library()

PRIORITY_CLASSES = {"urgent": "danger", "high": "warning", "low": "secondary"}


@register.filter
def audit_value(value):
    """A value of the change history as the reader reads it.

    The history keeps dates and times as ISO text (they must outlive any format);
    shown, they follow the reader's time zone and language.
    """
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-":
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if len(value) == 10:
            return formats.date_format(moment.date(), "SHORT_DATE_FORMAT")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, dt.UTC)
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    return value


@register.filter
def priority_class(priority: str) -> str:
    """The Bootstrap colour of a task priority's badge."""
    return PRIORITY_CLASSES.get(priority, "light")


@register.filter
def editable_by(record, user) -> bool:
    """Whether the user may change the record (buttons are shown only then)."""
    return visibility.can(user, record, "edit")
