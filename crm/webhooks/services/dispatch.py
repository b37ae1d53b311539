"""From a record event to deliveries: who is subscribed, and what they receive.

The listener runs after the change is committed (see `core.events`) in whatever
process made it — a page, the API, an import job. It only writes `Delivery` rows and
enqueues their sending; the HTTP calls happen in the worker, never in the user's
request.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from crm.core import visibility
from crm.core.events import Event
from crm.webhooks import catalogue
from crm.webhooks.models import Delivery, WebhookSubscription

log = logging.getLogger(__name__)

# Fields a payload never carries: internal bookkeeping and anything secret.
HIDDEN_FIELDS = {"search_text", "password", "secret", "token", "key", "key_hash"}


def _models_by_entity() -> dict[str, type[models.Model]]:
    found: dict[str, type[models.Model]] = {}
    for model in apps.get_models():
        if model.__module__.startswith("crm."):
            found.setdefault(model._meta.model_name, model)
    return found


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    return value


def represent(obj: models.Model) -> dict[str, Any]:
    """A compact, JSON-ready picture of a record: its own columns, related rows by
    id (`company_id`), plus `name` and an absolute `url` to its card."""
    data: dict[str, Any] = {"type": obj._meta.model_name, "id": obj.pk}
    data["name"] = str(obj)
    if hasattr(obj, "get_absolute_url"):
        try:
            data["url"] = settings.CRM_BASE_URL.rstrip("/") + obj.get_absolute_url()
        except Exception:  # a card without a page is not worth failing the event
            log.debug("No URL for %r", obj, exc_info=True)
    for field in obj._meta.concrete_fields:
        if field.name in HIDDEN_FIELDS or field.primary_key:
            continue
        data[field.attname] = _value(getattr(obj, field.attname))
    return data


def _object(event: Event) -> dict[str, Any]:
    if event.object_id is None:
        return {"type": event.entity, "id": None, "ids": event.data.get("ids", [])}
    model = _models_by_entity().get(event.entity)
    obj = None
    if model is not None:
        obj = model._base_manager.filter(pk=event.object_id).first()
    if obj is None:
        return {"type": event.entity, "id": event.object_id}
    return represent(obj)


def _actor(actor_id: int | None) -> dict[str, Any] | None:
    if actor_id is None:
        return None
    user = get_user_model().objects.filter(pk=actor_id).first()
    if user is None:
        return {"id": actor_id}
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
        "email": user.email,
    }


def build_payload(event: Event, *, occurred_at: dt.datetime) -> dict[str, Any]:
    """The body of every delivery of `event` (each delivery adds its own `id`)."""
    data = dict(event.data)
    if event.object_id is None:
        data.pop("ids", None)
    return {
        "event": event.name,
        "occurred_at": occurred_at.isoformat(),
        "actor": _actor(event.actor_id),
        "object": _object(event),
        "changes": event.changes,
        "data": {k: _value(v) for k, v in data.items()},
    }


def _subscribers(name: str) -> list[WebhookSubscription]:
    # One small query per event: subscriptions are few, and a cache would go stale
    # across processes (the default cache is per process).
    return [
        s
        for s in WebhookSubscription.objects.filter(is_active=True).only("id", "events")
        if name in s.events
    ]


def _enqueue(deliveries: list[Delivery]) -> None:
    from crm.webhooks.tasks import delivery_send

    for delivery in deliveries:
        delivery_send(delivery.pk)


def create_deliveries(
    subscriptions: list[WebhookSubscription], payload: dict[str, Any]
) -> list[Delivery]:
    now = timezone.now()
    deliveries = []
    for subscription in subscriptions:
        delivery_id = uuid.uuid4()
        deliveries.append(
            Delivery(
                uuid=delivery_id,
                subscription_id=subscription.pk,
                event=payload["event"],
                payload={"id": str(delivery_id), **payload},
                next_attempt_at=now,
                created_at=now,
            )
        )
    created = Delivery.objects.bulk_create(deliveries)
    if not all(d.pk for d in created):  # backends that return no ids
        created = list(Delivery.objects.filter(uuid__in=[d.uuid for d in deliveries]))
    return created


def webhook_event_dispatch(event: Event) -> list[Delivery]:
    """Queue a delivery of `event` to every active subscription that wants it.

    Called by `core.events` after the commit, in the process that made the change;
    the rows are written in their own short transaction and the sending is left to
    the worker (in tests Huey runs it at once).
    """
    subscriptions = _subscribers(event.name)
    if not subscriptions:
        return []
    payload = build_payload(event, occurred_at=timezone.now())
    deliveries = create_deliveries(subscriptions, payload)
    _enqueue(deliveries)
    return deliveries


def webhook_ping(*, actor, subscription: WebhookSubscription) -> Delivery:
    """Send a test event to one subscription, whatever events it chose."""
    visibility.ensure_admin(actor=actor)
    payload = {
        "event": catalogue.PING,
        "occurred_at": timezone.now().isoformat(),
        "actor": _actor(actor.pk),
        "object": {"type": "webhook", "id": subscription.pk, "name": subscription.name},
        "changes": {},
        "data": {},
    }
    [delivery] = create_deliveries([subscription], payload)
    _enqueue([delivery])
    return delivery
