"""Background jobs of activities: task reminders every minute, and a morning nudge
about overdue tasks."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from crm.activities.services import task_overdue_nudges_send, task_reminders_send

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def task_reminders_deliver() -> int:
    """Send the task reminders that are due.

    Safe to run on several workers at once and to re-run after a crash: the service
    claims each reminder before sending it.
    """
    sent = task_reminders_send()
    if sent:
        logger.info("Sent %d task reminder(s)", sent)
    return sent


def _utc_hour_of_local(hour: int) -> str:
    """The UTC hour at which it is `hour` o'clock in the site's time zone.

    Huey's schedules are in UTC; people expect the nudge at nine their time.
    """
    offset = dt.datetime.now(zoneinfo.ZoneInfo(settings.TIME_ZONE)).utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset else 0
    return str((hour - hours) % 24)


@db_periodic_task(crontab(hour=_utc_hour_of_local(9), minute="0"))
def task_overdue_nudges_deliver() -> int:
    """Each morning, tell everyone with overdue tasks how many there are."""
    sent = task_overdue_nudges_send()
    if sent:
        logger.info("Sent %d overdue-task nudge(s)", sent)
    return sent
