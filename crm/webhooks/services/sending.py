"""Sending deliveries: signing, one HTTP attempt, retries with backoff, switch-off.

The signature (documented for receivers in README):
`X-CRM-Signature: sha256=<hex HMAC-SHA256 of "<X-CRM-Timestamp>.<raw body>" with
the subscription's secret>`. The timestamp (Unix seconds) is inside the signed
string, so a captured request cannot be replayed later with a fresh timestamp; a
receiver refuses timestamps more than five minutes old and may remember
`X-CRM-Delivery` ids it has seen (a resend keeps the id).

All state lives in the `Delivery` row. A worker first *claims* a due delivery by
moving its `next_attempt_at` forward in one conditional UPDATE, so two workers
never send it twice at once and a worker killed mid-attempt leaves a delivery that
becomes due again after the lease. The periodic job (`deliveries_send_due`) picks up
every due delivery, so retries survive restarts of the queue.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.core import visibility
from crm.core.errors import DomainError
from crm.core.services import notification_send
from crm.webhooks.addresses import resolve_allowed
from crm.webhooks.models import Delivery, DeliveryStatus, WebhookSubscription

log = logging.getLogger(__name__)

# Waits before the 2nd, 3rd, … attempt: 1 min, 5 min, 30 min, 2 h, 6 h. After the
# last one fails, the delivery is marked failed.
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
)
# A claimed attempt that has not reported back within this time is tried again.
LEASE = dt.timedelta(minutes=2)
RESPONSE_EXCERPT = 2000
USER_AGENT = "CRM-Webhooks/1"


def max_failures() -> int:
    """Failed attempts in a row after which a subscription is switched off."""
    return getattr(settings, "CRM_WEBHOOK_MAX_FAILURES", 10)


def timeout() -> float:
    return float(getattr(settings, "CRM_WEBHOOK_TIMEOUT", 10))


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(
        delivery.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    ).encode("utf-8")


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """`sha256=<hex>` over `<timestamp>.<body>` with the secret."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would send the signed body somewhere the administrator never named.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(
    url: str, body: bytes, headers: dict[str, str]
) -> tuple[int | None, str, str]:
    """(status code, response excerpt, error) of one POST."""
    resolve_allowed(url)
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 — http(s) only, checked by check_url
    try:
        with _opener.open(request, timeout=timeout()) as response:
            text = response.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
            return response.status, text, ""
    except urllib.error.HTTPError as error:
        text = error.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
        return error.code, text, ""


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    return bool(
        Delivery.objects.filter(
            pk=delivery_id,
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
        ).update(next_attempt_at=now + LEASE)
    )


def delivery_attempt(
    *, delivery_id: int, now: dt.datetime | None = None
) -> Delivery | None:
    """Make one attempt at a due delivery; None when it is not due or taken.

    Idempotent for the queue: a task re-run for a delivery already sent, failed or
    claimed by another worker does nothing. The HTTP call runs outside any
    transaction; the outcome is written in one.
    """
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = (
        Delivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    )
    if delivery is None:
        return None
    subscription = delivery.subscription
    if not subscription.is_active:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED,
            next_attempt_at=None,
            error=_("The webhook is switched off."),
        )
        return delivery
    body = body_of(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-CRM-Event": delivery.event,
        "X-CRM-Delivery": str(delivery.uuid),
        "X-CRM-Timestamp": str(timestamp),
        "X-CRM-Signature": signature(subscription.secret, timestamp, body),
    }
    started = time.monotonic()
    code, text, error = None, "", ""
    try:
        code, text, error = _post(subscription.url, body, headers)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        error = str(reason) or exc.__class__.__name__
    duration = int((time.monotonic() - started) * 1000)
    succeeded = code is not None and 200 <= code < 300
    if not succeeded and not error:
        error = _("The receiver answered %(code)s.") % {"code": code}
    return _record(
        delivery,
        succeeded=succeeded,
        code=code,
        text=text,
        error=error,
        duration=duration,
        now=timezone.now(),
    )


@transaction.atomic
def _record(
    delivery: Delivery,
    *,
    succeeded: bool,
    code: int | None,
    text: str,
    error: str,
    duration: int,
    now: dt.datetime,
) -> Delivery:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = code
    delivery.response_body = text[:RESPONSE_EXCERPT]
    delivery.error = "" if succeeded else error[:2000]
    delivery.duration_ms = duration
    subscriptions = WebhookSubscription.objects.filter(pk=delivery.subscription_id)
    if succeeded:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        subscriptions.update(failure_count=0, last_success_at=now)
    else:
        if delivery.attempts <= len(BACKOFF):
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        else:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        subscriptions.update(failure_count=F("failure_count") + 1, last_failure_at=now)
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "response_code",
            "response_body",
            "error",
            "duration_ms",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    if not succeeded:
        _switch_off_if_failing(delivery.subscription_id, now=now)
    return delivery


def _switch_off_if_failing(subscription_id: int, *, now: dt.datetime) -> None:
    """Switch a subscription off after too many failures in a row, once, and tell
    the administrators; its waiting deliveries stop (they can be resent later)."""
    limit = max_failures()
    switched = WebhookSubscription.objects.filter(
        pk=subscription_id, is_active=True, failure_count__gte=limit
    ).update(
        is_active=False,
        disabled_at=now,
        disabled_reason=f"failures:{limit}",
    )
    if not switched:
        return
    Delivery.objects.filter(
        subscription_id=subscription_id, status=DeliveryStatus.PENDING
    ).update(
        status=DeliveryStatus.FAILED,
        next_attempt_at=None,
        error=_("The webhook was switched off after repeated failures."),
    )
    subscription = WebhookSubscription.objects.get(pk=subscription_id)
    _notify_admins(subscription, limit)


def _notify_admins(subscription: WebhookSubscription, failures: int) -> None:
    from django.contrib.auth import get_user_model

    from crm.core.visibility import Role

    admins = get_user_model().objects.filter(
        Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True
    )
    for admin in admins:
        with translation.override(getattr(admin, "language", "") or None):
            notification_send(
                user=admin,
                title=_("Webhook “%(name)s” switched off") % {"name": subscription},
                body=_(
                    "%(count)s deliveries in a row failed, so the CRM stopped "
                    "sending to %(url)s. Fix the receiver, switch the webhook on and "
                    "resend the failed deliveries from its log."
                )
                % {"count": failures, "url": subscription.url},
                url=subscription.get_absolute_url(),
            )


def deliveries_send_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Attempt every delivery that is due (the periodic job); returns how many."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            subscription__is_active=True,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for delivery_id in due:
        if delivery_attempt(delivery_id=delivery_id, now=now) is not None:
            sent += 1
    return sent


def delivery_resend(*, actor, delivery: Delivery) -> Delivery:
    """Send a delivery again now, with the same id and body (receivers deduplicate
    by `X-CRM-Delivery`); its retry schedule starts over."""
    visibility.ensure_admin(actor=actor)
    if not delivery.subscription.is_active:
        raise DomainError(
            _("Switch the webhook on before resending its deliveries."),
            field="subscription",
        )
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, error=""
    )
    from crm.webhooks.tasks import delivery_send

    transaction.on_commit(lambda: delivery_send(delivery.pk))
    delivery.refresh_from_db()
    return delivery


def payload_text(delivery: Delivery) -> str:
    """The payload as people read it in the log."""
    return json.dumps(delivery.payload, ensure_ascii=False, indent=2, sort_keys=True)
