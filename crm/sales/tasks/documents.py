"""Background jobs of documents: letters with documents attached, and the product
affinity behind cross-sell suggestions (nightly and after orders change)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from crm.sales.services.documents import document_letter_deliver
from crm.sales.services.documents.affinity import product_affinity_recompute

logger = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=60)
def product_affinity_refresh() -> int:
    """Recompute product affinity now (scheduled after orders and sales change).

    One at a time: a second run waits for the first (retried later) instead of
    rebuilding the table twice at once.
    """
    with HUEY.lock_task("sales-product-affinity"):
        return product_affinity_recompute()


@db_periodic_task(crontab(hour="1", minute="30"))
def product_affinity_nightly() -> int:
    """Recompute product affinity every night, whatever happened in the day."""
    with HUEY.lock_task("sales-product-affinity"):
        return product_affinity_recompute()


@db_task(retries=3, retry_delay=120)
def document_letter_send(letter: dict) -> bool:
    """Send a letter with a document attached (queued after the send is saved).

    `letter` holds the document's kind and id, the addresses, subject and text, and
    the id of its timeline entry. Retried when the mail server fails; a letter
    already delivered is not sent again on a re-run.
    """
    return document_letter_deliver(letter=letter)
