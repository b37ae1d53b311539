"""Sessions of the exchange protocol that 1C uses with sites.

`checkauth` signs 1C in (HTTP Basic) and opens a session whose token 1C returns
as a cookie on every later call; `query`/`success` of orders move the watermark
`ExchangeSettings.sale_exchanged_at` only when 1C confirms it took the documents,
so an exchange broken off half-way sends the same documents again next time.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone

from crm.exchange.models import ExchangeSession, ExchangeSettings, SessionKind
from crm.exchange.services.access import ensure_can_exchange, exchange_settings
from crm.exchange.services.export import documents_xml

COOKIE = "crm_1c_exchange"
SESSION_HOURS = 24


def session_start(*, actor, kind: str) -> ExchangeSession:
    """Open a session for a user allowed to exchange (checkauth, or an upload)."""
    ensure_can_exchange(actor=actor)
    if kind not in SessionKind.values:
        kind = SessionKind.CATALOG
    return ExchangeSession.objects.create(
        token=secrets.token_hex(20), kind=kind, user=actor
    )


def session_find(token: str | None) -> ExchangeSession | None:
    """The open session of a cookie value; None when unknown or older than a day."""
    if not token:
        return None
    session = ExchangeSession.objects.select_related("user").filter(token=token).first()
    if session is None:
        return None
    if session.started_at < timezone.now() - dt.timedelta(hours=SESSION_HOURS):
        return None
    ExchangeSession.objects.filter(pk=session.pk).update(last_seen_at=timezone.now())
    return session


def sale_query(*, actor, session: ExchangeSession) -> Iterator[str]:
    """The orders and invoices changed since the last confirmed exchange."""
    ensure_can_exchange(actor=actor)
    now = timezone.now()
    session.queried_at = now
    session.save(update_fields=["queried_at"])
    return documents_xml(actor=actor, since=exchange_settings().sale_exchanged_at)


@transaction.atomic
def sale_success(*, actor, session: ExchangeSession) -> ExchangeSettings:
    """1C took what `query` sent: the next query starts from that moment."""
    ensure_can_exchange(actor=actor)
    row = exchange_settings()
    if session.queried_at is not None:
        row.sale_exchanged_at = session.queried_at
        row.save(update_fields=["sale_exchanged_at"])
    session.finished_at = timezone.now()
    session.save(update_fields=["finished_at"])
    return row
