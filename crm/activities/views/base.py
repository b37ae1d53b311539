"""What the pages of activities share: errors to status codes, htmx, dates."""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils import formats, timezone

from crm.core.errors import Forbidden, NotFound

# Form errors of a stale save belong above the form, not on the hidden field.
FIELD_MAP = {"version": None}


def domain_errors(view):
    """Answer a hidden or missing record with 404 and a forbidden change with 403."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except Forbidden as error:
            raise PermissionDenied(error.message) from None

    return wrapper


def is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def local(value, fmt: str = "SHORT_DATETIME_FORMAT") -> str:
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value), fmt)


def with_trigger(response: HttpResponse, event: str = "timeline-changed"):
    response["HX-Trigger"] = event
    return response
