"""Background jobs of webhooks: send a delivery now, and retry the due ones."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from crm.webhooks.services.sending import deliveries_send_due, delivery_attempt

logger = logging.getLogger(__name__)


@db_task()
def delivery_send(delivery_id: int) -> None:
    """First attempt of a delivery (or a resend); retries come from the periodic job."""
    delivery_attempt(delivery_id=delivery_id)


@db_periodic_task(crontab(minute="*"))
def deliveries_retry() -> int:
    """Attempt the deliveries whose retry time has come.

    The schedule lives in the database (`Delivery.next_attempt_at`), so retries
    survive a restart of the worker or of the queue.
    """
    sent = deliveries_send_due()
    if sent:
        logger.info("Attempted %d webhook deliveries", sent)
    return sent
