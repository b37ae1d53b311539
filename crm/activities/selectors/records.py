"""What every read of activities shares: who sees a task or an activity, the
clients they hang on, calendar days in the user's zone, a record's own history.

A task or an activity is visible to the actor when the rules let them see it as a
record of its own (their own, their team's, all: see `core.visibility`), or when it
is attached to a company or contact they can see — the history of a client belongs
to whoever works with the client."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from crm.core import audit, visibility
from crm.core.errors import NotFound
from crm.core.models import AuditEntry
from crm.customers.models import Company, Contact
from crm.customers.selectors import company_search, contact_search

ENTITIES: dict[str, Any] = {"company": Company, "contact": Contact}
ACTIVE = "active"  # the status filter meaning "not done yet" (open or in progress)


def visible_q(actor, model) -> Q | None:
    """Rows of a task or activity model the actor may see; None means all of them."""
    own = visibility.scope_q(actor, model)
    if own is None:
        return None
    condition = own
    for name, client_model in (("company", Company), ("contact", Contact)):
        client = visibility.scope_q(actor, client_model)
        if client is None:
            condition |= Q(**{f"{name}__isnull": False})
        else:
            # A subquery per branch keeps each side of the OR on its own index.
            condition |= Q(
                **{f"{name}_id__in": client_model.objects.filter(client).values("pk")}
            )
    return condition


def visible_records(queryset: QuerySet, actor) -> QuerySet:
    condition = visible_q(actor, queryset.model)
    return queryset if condition is None else queryset.filter(condition)


def can_see_record(actor, obj) -> bool:
    """Whether the actor may see one task or activity (no query for most roles)."""
    if visibility.can(actor, obj):
        return True
    for name in ("company", "contact"):
        if getattr(obj, f"{name}_id") is None:
            continue
        client = getattr(obj, name)
        if client.deleted_at is None and visibility.can(actor, client):
            return True
    return False


def client_get(*, actor, entity: str, client_id: int):
    """A company or contact the actor may see (NotFound for hidden and missing)."""
    model = ENTITIES.get(entity)
    if model is None:
        raise NotFound()
    obj = visibility.visible(model.objects.all(), actor).filter(pk=client_id).first()
    if obj is None:
        raise NotFound()
    return obj


def client_search(*, actor, entity: str, query: str, limit: int = 20) -> list:
    """Companies or contacts whose name, e-mail or phone match, for pickers in forms."""
    if entity == "company":
        return company_search(actor=actor, query=query, limit=limit)
    if entity == "contact":
        return contact_search(actor=actor, query=query, limit=limit)
    return []


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of a calendar day in the current (the user's) time zone."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, start + dt.timedelta(days=1)


def as_bound(value, *, end: bool = False) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, dt.date):
        start, finish = day_bounds(value)
        return finish if end else start
    return None


@dataclass
class HistoryItem:
    """An entry of a record's own history with its (label, old, new) rows."""

    entry: AuditEntry
    rows: list


def record_history(*, actor, obj, limit: int = 50) -> list[HistoryItem]:
    """The newest entries of a task's or activity's own change history.

    The caller has loaded `obj` through `task_get`/`activity_get`, which checked that
    the actor may see it; this checks again so no page can forget.
    """
    if not can_see_record(actor, obj):
        raise NotFound()
    content_type = ContentType.objects.get_for_model(type(obj))
    entries = list(
        AuditEntry.objects.filter(content_type=content_type, object_id=obj.pk)
        .select_related("actor", "content_type")
        .order_by("-at", "-id")[:limit]
    )
    return [HistoryItem(entry, audit.describe(entry)) for entry in entries]
