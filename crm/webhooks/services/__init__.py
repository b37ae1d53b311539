"""Every write of webhooks: subscriptions, dispatching events, sending deliveries."""

from crm.webhooks.services.dispatch import webhook_event_dispatch, webhook_ping
from crm.webhooks.services.sending import (
    deliveries_send_due,
    delivery_attempt,
    delivery_resend,
    signature,
)
from crm.webhooks.services.subscriptions import (
    webhook_create,
    webhook_delete,
    webhook_secret_rotate,
    webhook_update,
)

__all__ = [
    "deliveries_send_due",
    "delivery_attempt",
    "delivery_resend",
    "signature",
    "webhook_create",
    "webhook_delete",
    "webhook_event_dispatch",
    "webhook_ping",
    "webhook_secret_rotate",
    "webhook_update",
]
