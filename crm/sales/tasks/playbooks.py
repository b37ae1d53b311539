"""Background jobs of deals' action plans: the morning notice of overdue steps."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from crm.sales.services.playbooks import plan_step_overdue_notices_send

logger = logging.getLogger(__name__)


def _utc_hour_of_local(hour: int) -> str:
    """The UTC hour at which it is `hour` o'clock in the site's time zone (Huey's
    schedules are in UTC; people expect the notice in their morning)."""
    offset = dt.datetime.now(zoneinfo.ZoneInfo(settings.TIME_ZONE)).utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset else 0
    return str((hour - hours) % 24)


@db_periodic_task(crontab(hour=_utc_hour_of_local(9), minute="5"))
def plan_step_overdue_notices_deliver() -> int:
    """Each morning, tell every responsible how many of their plan steps are overdue.

    Idempotent: the service sends one notice per person and day, so a second run
    (another worker, a restart) sends nothing more.
    """
    sent = plan_step_overdue_notices_send()
    if sent:
        logger.info("Sent %d overdue plan step notice(s)", sent)
    return sent
