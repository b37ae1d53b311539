"""What an import did: counts per kind of record and the records it refused."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.contenttypes.models import ContentType

from crm.core import audit, events
from crm.core.models import AuditAction, AuditEntry

MAX_ERRORS = 200


class Report:
    """Counts created/updated/unchanged/refused per kind, and the refusals.

    Only the first MAX_ERRORS refusals are kept word for word (a file of a million
    bad rows must not become a million-row log); the counts stay exact.
    """

    def __init__(self) -> None:
        self.stats: dict[str, dict[str, int]] = defaultdict(
            lambda: {"created": 0, "updated": 0, "unchanged": 0, "refused": 0}
        )
        self.errors: list[dict[str, str]] = []

    def count(self, kind: str, outcome: str, number: int = 1) -> None:
        self.stats[kind][outcome] += number

    def refuse(self, kind: str, record: str, message: Any) -> None:
        self.stats[kind]["refused"] += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"record": record, "message": str(message)})

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {kind: dict(counts) for kind, counts in self.stats.items()}


def audit_bulk(actor, created: list, updated: list[tuple[Any, dict]]) -> None:
    """Write the history of rows written in bulk and announce them as a batch.

    `updated` holds (row, snapshot before). The entries are the ones
    `core.audit` would write row by row; the listeners get one `<entity>.imported`
    event per batch instead of one per row (see `events.emit_batch`).
    """
    rows = [*created, *(row for row, _before in updated)]
    if not rows:
        return
    model = type(rows[0])
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=True)
    who = actor if actor is not None and actor.is_authenticated else None
    entries = [
        AuditEntry(
            content_type=content_type,
            object_id=row.pk,
            object_repr=str(row)[:300],
            action=AuditAction.CREATE,
            actor=who,
            changes=audit.diff({}, audit.snapshot(row)),
        )
        for row in created
    ]
    for row, before in updated:
        changes = audit.diff(before, audit.snapshot(row))
        if changes:
            entries.append(
                AuditEntry(
                    content_type=content_type,
                    object_id=row.pk,
                    object_repr=str(row)[:300],
                    action=AuditAction.UPDATE,
                    actor=who,
                    changes=changes,
                )
            )
    AuditEntry.objects.bulk_create(entries, batch_size=500)
    events.emit_batch(
        f"{events.entity_name(model)}.imported",
        model,
        [row.pk for row in rows],
        actor=actor,
        data={
            "source": "1c",
            "created": [row.pk for row in created],
            "updated": [row.pk for row, _before in updated],
        },
    )
