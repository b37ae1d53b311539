"""What a deal's services write besides the deal itself: entries in the deal's audit
history for changes that are not fields of the deal (lines, participants, approvals),
and notes on the client's timeline for the steps a client's story is made of."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType

from crm.activities.models import Activity, ActivityKind
from crm.core import audit
from crm.core.models import AuditAction, AuditEntry
from crm.sales.models import Deal


def deal_log(
    *, actor, deal: Deal, key: str, old: Any = None, new: Any = None
) -> AuditEntry:
    """Record a change of something that belongs to the deal in the deal's history.

    `key` names a relation of the deal (`lines`, `participants`, `approvals`), so the
    history shows it under that relation's translated name; `old`/`new` are display
    texts.
    """
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Deal),
        object_id=deal.pk,
        object_repr=str(deal)[:300],
        action=AuditAction.UPDATE,
        actor=actor if actor is not None and actor.is_authenticated else None,
        changes={key: {"old": old, "new": new}},
    )


def deal_timeline_note(*, actor, deal: Deal, subject: str, body: str = "") -> None:
    """Put a note about the deal on its client's timeline (company and contact).

    Written by the system on the actor's behalf, so it does not ask whether the
    actor may log activities: it is a consequence of a change they were allowed to
    make. A deal without a client has no timeline to write on.
    """
    if deal.company_id is None and deal.contact_id is None:
        return
    note = Activity(
        kind=ActivityKind.NOTE,
        subject=subject[:300],
        body=body,
        company_id=deal.company_id,
        contact_id=deal.contact_id,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    note.search_text = note.build_search_text()
    note.save()
    audit.record_create(actor, note)
