"""What a user's calendar feed shows: their tasks with a due time and their meetings.

The feed is read by calendar programs every few minutes to hours, without a
session, so the reads are bounded: the last `PAST_DAYS` days and the future, at
most `LIMIT` rows of each kind, from the assignee's and the author's indexes.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from crm.activities.models import (
    OPEN_STATUSES,
    Activity,
    ActivityKind,
    CalendarFeed,
    Task,
    TaskStatus,
)

PAST_DAYS = 90
LIMIT = 2000


def calendar_feed_owner(*, token: str):
    """The active user whose feed `token` opens, or None (a reset or unknown
    token, or a deactivated user)."""
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        return None
    return feed.user


def calendar_feed_get(*, actor) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=actor).first()


def calendar_tasks(*, user, now: dt.datetime | None = None) -> list[Task]:
    """The user's own tasks (as assignee) due from PAST_DAYS ago on; cancelled
    ones are left out, done ones stay so the past looks as it was."""
    since = (now or timezone.now()) - dt.timedelta(days=PAST_DAYS)
    return list(
        Task.objects.filter(
            assignee=user,
            status__in=[*OPEN_STATUSES, TaskStatus.DONE],
            due_at__gte=since,
        )
        .select_related("company", "contact")
        .order_by("due_at", "pk")[:LIMIT]
    )


def calendar_meetings(*, user, now: dt.datetime | None = None) -> list[Activity]:
    """The meetings the user logged or planned, from PAST_DAYS ago on."""
    since = (now or timezone.now()) - dt.timedelta(days=PAST_DAYS)
    return list(
        Activity.objects.filter(
            created_by=user, kind=ActivityKind.MEETING, occurred_at__gte=since
        )
        .select_related("company", "contact")
        .order_by("-occurred_at", "-pk")[:LIMIT]
    )
