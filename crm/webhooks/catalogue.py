"""The events a webhook can carry: the record events of every entity known today.

Names follow `core.events`: `<entity>.<action>` for audited changes, plus events a
service emits itself (`deal.stage_changed`) and the batch events of imports
(`contact.imported`, whose `data.ids` lists the rows). An app added later offers its
own events with `core.events.register_event("request.status_changed", label)`.
"""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.core.events import event_catalogue, register_event

ENTITIES = {
    "company": _("Company"),
    "contact": _("Contact"),
    "task": _("Task"),
    "activity": _("Activity"),
    "lead": _("Lead"),
    "deal": _("Deal"),
    "product": _("Product"),
    "proposal": _("Proposal"),
    "order": _("Order"),
    "invoice": _("Invoice"),
}
ACTIONS = {
    "created": _("created"),
    "updated": _("changed"),
    "deleted": _("deleted"),
    "restored": _("restored from the trash"),
    "imported": _("imported (a batch)"),
}
# Events a service emits itself, shown after the entity's record events.
SPECIAL = {"deal": {"stage_changed": _("Deal: moved to another stage")}}
PING = "webhook.ping"


def register_defaults() -> None:
    for entity, entity_label in ENTITIES.items():
        for action, action_label in ACTIONS.items():
            register_event(
                f"{entity}.{action}", format_lazy("{}: {}", entity_label, action_label)
            )
        for action, label in SPECIAL.get(entity, {}).items():
            register_event(f"{entity}.{action}", label)


def events() -> dict:
    """Every event name on offer, with its label, grouped by entity."""
    return event_catalogue()


def grouped() -> list[tuple[str, list[tuple[str, object]]]]:
    """Events by entity for the subscription form: [(entity, [(name, label)])]."""
    groups: dict[str, list] = {}
    for name, label in events().items():
        groups.setdefault(name.split(".", 1)[0], []).append((name, label))
    return list(groups.items())
