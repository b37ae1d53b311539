"""Reads of the exchange: the log of files and their reports.

Only users who may exchange (administrators, the exchange user) see the log: it
names records of the whole catalogue and customer base.
"""

from __future__ import annotations

from django.db.models import QuerySet

from crm.core.errors import NotFound
from crm.exchange.models import ExchangeRun
from crm.exchange.services.access import can_exchange


def exchange_run_list(*, actor) -> QuerySet[ExchangeRun]:
    """The newest files first, with their session and who sent them."""
    if not can_exchange(actor):
        return ExchangeRun.objects.none()
    return ExchangeRun.objects.select_related("session", "session__user").order_by(
        "-started_at", "-id"
    )


def exchange_run_get(*, actor, run_id: int) -> ExchangeRun:
    run = exchange_run_list(actor=actor).filter(pk=run_id).first()
    if run is None:
        raise NotFound()
    return run
