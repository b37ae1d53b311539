"""Background jobs of activities: task reminders, every minute."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from crm.activities.services import task_reminders_send

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
