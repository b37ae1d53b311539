"""Record events for higher apps: webhooks, duplicate checks, exchange.

Every audited change (create, update, delete, restore) becomes an event named
`<entity>.<action>` — `company.created`, `deal.updated` — and a service may emit
its own (`deal.stage_changed`). Listeners run after the transaction commits, so a
rolled-back change never reaches them, and a listener's failure never undoes a
change the user made; listeners that do slow work enqueue a background job.

Lower apps cannot import the higher ones that care (see `registry`), so higher apps
`subscribe()` in their `AppConfig.ready()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)

ACTION_EVENTS = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "restore": "restored",
}


@dataclass(frozen=True)
class Event:
    """What happened: `name` is `<entity>.<what>`; `entity` is the model's name in
    lower case (`company`, `deal`); `changes` maps a field to its old and new value."""

    name: str
    entity: str
    object_id: Any
    actor_id: int | None = None
    changes: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)


_listeners: list[Callable[[Event], None]] = []
# Events people can subscribe to (webhooks), by name, with a label for the pages.
_catalogue: dict[str, Any] = {}


def register_event(name: str, label: Any) -> None:
    """Offer an event to subscribers: an app that emits `request.status_changed`
    registers the name here in its `AppConfig.ready()`, and webhooks can carry it."""
    _catalogue.setdefault(name, label)


def event_catalogue() -> dict[str, Any]:
    """The registered events in the order they were registered (by entity, then
    created / updated / deleted …), which is how people read them."""
    return dict(_catalogue)


def subscribe(listener: Callable[[Event], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def entity_name(obj_or_model) -> str:
    return obj_or_model._meta.model_name


def emit(
    name: str,
    obj,
    *,
    actor=None,
    changes: dict | None = None,
    data: dict | None = None,
) -> None:
    """Tell the listeners about `obj` once the current transaction commits."""
    if not _listeners:
        return
    event = Event(
        name=name,
        entity=entity_name(obj),
        object_id=obj.pk,
        actor_id=getattr(actor, "pk", None)
        if actor is not None and getattr(actor, "is_authenticated", False)
        else None,
        changes=changes or {},
        data=data or {},
    )
    transaction.on_commit(lambda: _deliver(event))


def emit_batch(name: str, model, ids: list, *, actor=None, data: dict | None = None):
    """Tell the listeners about many rows written at once (an import's batch).

    Bulk writes skip the per-row services, so they announce themselves here, e.g.
    `contact.imported` with `data={"ids": [...]}` and `object_id=None`.
    """
    if not _listeners or not ids:
        return
    event = Event(
        name=name,
        entity=entity_name(model),
        object_id=None,
        actor_id=getattr(actor, "pk", None)
        if actor is not None and getattr(actor, "is_authenticated", False)
        else None,
        data={**(data or {}), "ids": list(ids)},
    )
    transaction.on_commit(lambda: _deliver(event))


def _deliver(event: Event) -> None:
    for listener in list(_listeners):
        try:
            listener(event)
        except Exception:
            # The change is committed; a listener's bug must not turn it into an error
            # page. It is logged with the event so it can be replayed.
            log.exception("Event listener %r failed on %s", listener, event)
