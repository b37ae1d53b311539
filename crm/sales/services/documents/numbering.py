"""Numbers of documents: per kind and per year, with no gaps and no repeats."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from crm.sales.models import Invoice, NumberSequence, Order, Proposal

NUMBERED: dict[str, Any] = {"proposal": Proposal, "order": Order, "invoice": Invoice}


def number_take(*, kind: str, year: int) -> int:
    """Take the next number of a kind of document in a year.

    Must run inside the transaction that saves the document: the sequence row stays
    locked (`SELECT … FOR UPDATE` on PostgreSQL; on SQLite the IMMEDIATE transaction
    already holds the write lock) until that transaction ends, so two documents
    issued at once get consecutive numbers, and a failed issue rolls the number back
    with everything else — no gaps, no repeats. A year's sequence starts after the
    highest number already used that year (documents imported from elsewhere), else
    at 1.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_take() must run inside the document's transaction")
    model = NUMBERED[kind]
    sequence = (
        NumberSequence.objects.select_for_update().filter(kind=kind, year=year).first()
    )
    if sequence is None:
        used = model.objects.filter(year=year).aggregate(top=Max("number"))["top"]
        # get_or_create: on PostgreSQL a second transaction creating the same row
        # waits on the unique index, then finds and locks the first one's row.
        sequence, _created = NumberSequence.objects.select_for_update().get_or_create(
            kind=kind, year=year, defaults={"last_number": used or 0}
        )
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def number_release(*, kind: str, year: int, number: int) -> bool:
    """Give back the last number of a year when its document is deleted.

    Only the latest number can go back without leaving a gap; the caller refuses
    deleting any other. Runs inside the deleting transaction.
    """
    return bool(
        NumberSequence.objects.filter(kind=kind, year=year, last_number=number).update(
            last_number=number - 1
        )
    )
