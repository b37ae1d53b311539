"""Reads of webhooks: subscriptions and their delivery log, for administrators only.

Deliveries carry record data of every user, so the log is an administrator's page
like the subscriptions themselves: others get `Forbidden` (403), not an empty list,
since hiding the existence of webhooks would only confuse them.
"""

from __future__ import annotations

from django.db.models import QuerySet

from crm.core import visibility
from crm.core.errors import NotFound
from crm.webhooks.models import Delivery, DeliveryStatus, WebhookSubscription


def webhook_list(*, actor) -> QuerySet[WebhookSubscription]:
    """Every subscription, by name (administrators only)."""
    visibility.ensure_admin(actor=actor)
    return WebhookSubscription.objects.all()


def webhook_get(*, actor, webhook_id) -> WebhookSubscription:
    visibility.ensure_admin(actor=actor)
    subscription = WebhookSubscription.objects.filter(pk=webhook_id).first()
    if subscription is None:
        raise NotFound
    return subscription


def delivery_list(
    *, actor, subscription: WebhookSubscription, status: str | None = None
) -> QuerySet[Delivery]:
    """A subscription's deliveries, newest first, optionally of one status.

    Reads the log index `(subscription, -created_at, -id)`; the payload and the
    response are deferred, since a page of the log shows neither.
    """
    visibility.ensure_admin(actor=actor)
    deliveries = Delivery.objects.filter(subscription=subscription)
    if status in DeliveryStatus.values:
        deliveries = deliveries.filter(status=status)
    return deliveries.defer("payload", "response_body").order_by("-created_at", "-id")


def delivery_get(*, actor, subscription: WebhookSubscription, delivery_id) -> Delivery:
    visibility.ensure_admin(actor=actor)
    delivery = (
        Delivery.objects.select_related("subscription")
        .filter(subscription=subscription, pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise NotFound
    return delivery
