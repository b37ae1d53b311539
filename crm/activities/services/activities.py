"""Writes of activities: calls, meetings, notes and letters logged on a card."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.activities.models import (
    Activity,
    ActivityKind,
    Direction,
)
from crm.activities.services.records import (
    attach_clients,
    clean_choice,
    clean_datetime,
    clean_text,
)
from crm.core import audit, visibility
from crm.core.errors import DomainError
from crm.core.services import claim_version, record_trash
from crm.customers.services import client_touch

ACTIVITY_FIELDS = (
    "kind",
    "subject",
    "body",
    "occurred_at",
    "ends_at",
    "direction",
    "duration_minutes",
    "outcome",
    "location",
    "company",
    "contact",
)
# Kinds people log by hand; a "file" activity is made by uploading a file.
LOGGABLE_KINDS = (
    ActivityKind.CALL,
    ActivityKind.MEETING,
    ActivityKind.NOTE,
    ActivityKind.EMAIL,
)
MAX_DURATION_MINUTES = 60 * 24 * 7


def _clean_activity(activity: Activity, data: dict[str, Any], actor) -> None:
    if "kind" in data:
        kind = clean_choice(data["kind"], field="kind", choices=ActivityKind)
        if not kind:
            raise DomainError(_("Choose what happened."), field="kind")
        if kind == ActivityKind.FILE and activity.kind != ActivityKind.FILE:
            raise DomainError(_("Upload a file to add a file."), field="kind")
        if activity.kind == ActivityKind.FILE and kind != ActivityKind.FILE:
            raise DomainError(_("A file stays a file."), field="kind")
        activity.kind = kind
    for name in ("subject", "outcome", "location"):
        if name in data:
            setattr(activity, name, clean_text(data[name], field=name, model=Activity))
    if "body" in data:
        activity.body = (data["body"] or "").strip()
    if "occurred_at" in data:
        activity.occurred_at = (
            clean_datetime(data["occurred_at"], field="occurred_at") or timezone.now()
        )
    if "ends_at" in data:
        activity.ends_at = clean_datetime(data["ends_at"], field="ends_at")
    if "direction" in data:
        activity.direction = clean_choice(
            data["direction"], field="direction", choices=Direction
        )
    if "duration_minutes" in data:
        activity.duration_minutes = _clean_duration(data["duration_minutes"])
    attach_clients(activity, actor, data)
    if activity.ends_at and activity.ends_at < activity.occurred_at:
        raise DomainError(_("The end must come after the start."), field="ends_at")
    if activity.company_id is None and activity.contact_id is None:
        raise DomainError(_("Choose a company or a contact."), field="company")
    if activity.kind == ActivityKind.NOTE and not (activity.body or activity.subject):
        raise DomainError(_("Write the note."), field="body")


def _clean_duration(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(
            _("Enter the duration in whole minutes."), field="duration_minutes"
        ) from None
    if minutes < 0 or minutes > MAX_DURATION_MINUTES:
        raise DomainError(
            _("Enter a duration between 0 and %(max)d minutes.")
            % {"max": MAX_DURATION_MINUTES},
            field="duration_minutes",
        )
    return minutes


def touch_clients(activity: Activity) -> None:
    """Move the client's "last activity" forward to this one (if it is not planned)."""
    if activity.occurred_at <= timezone.now():
        client_touch(
            company_id=activity.company_id,
            contact_id=activity.contact_id,
            at=activity.occurred_at,
        )


def clients_last_activity_rebuild(*, company_ids=None, contact_ids=None) -> None:
    """Recompute the clients' "last activity" from their activities, in SQL.

    For bulk loads (demo data, imports), which write activities without services.
    Without ids every client is recomputed.
    """
    from django.db import connection

    from crm.customers.models import Company, Contact

    now = timezone.now()
    for model, column, ids in (
        (Company, "company_id", company_ids),
        (Contact, "contact_id", contact_ids),
    ):
        table = connection.ops.quote_name(model._meta.db_table)
        where, params = "", [now]
        if ids is not None:
            if not ids:
                continue
            where = f" WHERE id IN ({', '.join(['%s'] * len(ids))})"
            params += list(ids)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET last_activity_at = ("  # noqa: S608 - names from meta
                f"SELECT MAX(a.occurred_at) FROM activities_activity a "
                f"WHERE a.{column} = {table}.id AND a.deleted_at IS NULL "
                f"AND a.occurred_at <= %s){where}",
                params,
            )


@transaction.atomic
def activity_log(*, actor, kind: str, **data) -> Activity:
    """Log a call, meeting, note or letter on a company's or contact's card.

    Logged on a person with a main company, the activity is attached to that company
    too, so it shows on both cards.
    """
    visibility.ensure_can_create(actor=actor, object_type="activity")
    unknown = set(data) - set(ACTIVITY_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    if kind not in LOGGABLE_KINDS:
        raise DomainError(
            _("Choose a call, a meeting, a note or an e-mail."), field="kind"
        )
    activity = Activity(created_by=actor, kind=kind)
    _clean_activity(activity, {**data, "kind": kind}, actor)
    activity.search_text = activity.build_search_text()
    activity.save()
    audit.record_create(actor, activity)
    touch_clients(activity)
    return activity


@transaction.atomic
def activity_update(
    *, actor, activity: Activity, version: int | None = None, **data
) -> Activity:
    """Change a logged activity; a stale `version` is refused."""
    visibility.ensure_can_edit(actor=actor, obj=activity)
    unknown = set(data) - set(ACTIVITY_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    before = audit.snapshot(activity)
    _clean_activity(activity, data, actor)
    activity.search_text = activity.build_search_text()
    claim_version(activity, expected_version=version)
    activity.save()
    audit.record_update(actor, activity, before)
    touch_clients(activity)
    return activity


@transaction.atomic
def activity_delete(*, actor, activity: Activity) -> Activity:
    """Move an activity (and with it its files) to the trash."""
    visibility.ensure_can_edit(actor=actor, obj=activity)
    record_trash(actor=actor, obj=activity)
    return activity
