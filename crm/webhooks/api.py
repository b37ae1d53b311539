"""The `webhooks` API: subscriptions and their deliveries, for administrators only
(anyone else gets 403)."""

from __future__ import annotations

from ninja import Query, Router, Status

from crm.core.schemas import paginate
from crm.core.visibility import ensure_admin
from crm.webhooks import catalogue, selectors, services
from crm.webhooks.schemas import (
    DeliveryDetailOut,
    DeliveryFilter,
    DeliveryListOut,
    EventOut,
    WebhookCreatedOut,
    WebhookIn,
    WebhookListOut,
    WebhookOut,
    WebhookPatch,
    WebhookSecretOut,
)

router = Router(tags=["webhooks"])


@router.get("/webhooks/events", response=list[EventOut], operation_id="webhook_events")
def list_events(request):
    """The events a webhook can subscribe to."""
    ensure_admin(actor=request.user)
    return [
        {"name": name, "label": str(label)}
        for name, label in catalogue.events().items()
    ]


@router.get("/webhooks", response=WebhookListOut, operation_id="webhook_list")
def list_webhooks(request, page: int = 1, page_size: int = 50):
    """Every webhook subscription."""
    return paginate(
        selectors.webhook_list(actor=request.user), page=page, page_size=page_size
    )


@router.post(
    "/webhooks", response={201: WebhookCreatedOut}, operation_id="webhook_create"
)
def create_webhook(request, payload: WebhookIn):
    """Subscribe an address to events; the answer carries the secret, once."""
    subscription, secret = services.webhook_create(actor=request.user, **payload.dict())
    subscription.secret = secret
    return Status(201, subscription)


@router.get("/webhooks/{webhook_id}", response=WebhookOut, operation_id="webhook_get")
def get_webhook(request, webhook_id: int):
    """One webhook subscription (without its secret)."""
    return selectors.webhook_get(actor=request.user, webhook_id=webhook_id)


@router.patch(
    "/webhooks/{webhook_id}", response=WebhookOut, operation_id="webhook_update"
)
def update_webhook(request, webhook_id: int, payload: WebhookPatch):
    """Change the name, address, events or `is_active` (true re-enables it)."""
    subscription = selectors.webhook_get(actor=request.user, webhook_id=webhook_id)
    return services.webhook_update(
        actor=request.user,
        subscription=subscription,
        **payload.dict(exclude_unset=True, exclude_none=True),
    )


@router.delete(
    "/webhooks/{webhook_id}", response={204: None}, operation_id="webhook_delete"
)
def delete_webhook(request, webhook_id: int):
    """Delete a subscription and its delivery log."""
    subscription = selectors.webhook_get(actor=request.user, webhook_id=webhook_id)
    services.webhook_delete(actor=request.user, subscription=subscription)
    return Status(204, None)


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    response=WebhookSecretOut,
    operation_id="webhook_secret_rotate",
)
def rotate_secret(request, webhook_id: int):
    """Replace the signing secret; the new one is returned once."""
    subscription = selectors.webhook_get(actor=request.user, webhook_id=webhook_id)
    secret = services.webhook_secret_rotate(
        actor=request.user, subscription=subscription
    )
    return {"secret": secret}


@router.post(
    "/webhooks/{webhook_id}/ping",
    response={202: DeliveryDetailOut},
    operation_id="webhook_ping",
)
def ping(request, webhook_id: int):
    """Send a `webhook.ping` test event now."""
    subscription = selectors.webhook_get(actor=request.user, webhook_id=webhook_id)
    delivery = services.webhook_ping(actor=request.user, subscription=subscription)
    delivery.refresh_from_db()
    return Status(202, delivery)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response=DeliveryListOut,
    operation_id="delivery_list",
)
def list_deliveries(request, webhook_id: int, filters: Query[DeliveryFilter]):
    """The delivery log of a subscription, newest first."""
    subscription = selectors.webhook_get(actor=request.user, webhook_id=webhook_id)
    deliveries = selectors.delivery_list(
        actor=request.user, subscription=subscription, status=filters.status
    )
    return paginate(deliveries, page=filters.page, page_size=filters.page_size)


@router.get(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}",
    response=DeliveryDetailOut,
    operation_id="delivery_get",
)
def get_delivery(request, webhook_id: int, delivery_id: int):
    """One delivery with its payload and the receiver's response."""
    subscription = selectors.webhook_get(actor=request.user, webhook_id=webhook_id)
    return selectors.delivery_get(
        actor=request.user, subscription=subscription, delivery_id=delivery_id
    )


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/resend",
    response={202: DeliveryDetailOut},
    operation_id="delivery_resend",
)
def resend_delivery(request, webhook_id: int, delivery_id: int):
    """Send a delivery again with the same id and body."""
    subscription = selectors.webhook_get(actor=request.user, webhook_id=webhook_id)
    delivery = selectors.delivery_get(
        actor=request.user, subscription=subscription, delivery_id=delivery_id
    )
    return Status(202, services.delivery_resend(actor=request.user, delivery=delivery))
