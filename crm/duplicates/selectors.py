"""Reads of the duplicates queue, with record visibility applied once.

A pair is shown only when the reader may see both records: a manager with "own"
visibility never learns, through the queue, that a colleague's client resembles
theirs. Open pairs hold live records only (a move to the trash drops them), so a
reader who sees everything lists the queue straight from its index.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.db.models import F, Func, Q, QuerySet
from django.db.models.lookups import In

from crm.core import visibility
from crm.core.errors import NotFound
from crm.duplicates.models import DuplicatePair, Merge, MergedRecord, PairStatus
from crm.duplicates.services.queue import entity_of, model_of


class _NotIndexed(Func):
    """`+column`: the same value, but the planner may not look it up in an index.

    With `a_id IN (…) AND b_id IN (…)` SQLite probes the (entity, a_id, b_id)
    index with every combination of the two lists: 30,000 clients each side made
    a count of the queue take 30 s. One side unindexed, it walks one list.
    """

    template = "+%(expressions)s"
    output_field = models.BigIntegerField()


def _visible_ids(actor, entity: str):
    """The ids of live records the actor sees, as a subquery; None when the actor
    sees every record (then no join at all: the queue holds live records only,
    since a record's move to the trash drops its open pairs)."""
    model = model_of(entity)
    q = visibility.scope_q(actor, model)
    if q is None:
        return None
    return model.objects.order_by().filter(q).values("pk")


def pair_list(*, actor, filters: Mapping[str, Any] | None = None) -> QuerySet:
    """Pairs of one entity (`contact` by default), open ones unless `status` says
    otherwise, best score first; `decision` narrows to duplicates or possible ones."""
    filters = filters or {}
    entity = entity_of(filters.get("entity") or "contact")
    status = filters.get("status") or PairStatus.OPEN
    qs = DuplicatePair.objects.filter(entity=entity, status=status)
    if filters.get("decision"):
        qs = qs.filter(decision=filters["decision"])
    ids = _visible_ids(actor, entity)
    if ids is not None:
        qs = qs.filter(Q(a_id__in=ids), Q(In(_NotIndexed(F("b_id")), ids)))
    return qs.order_by("-score", "id")


def pair_get(*, actor, pair_id: int) -> DuplicatePair:
    pair = DuplicatePair.objects.filter(pk=pair_id).first()
    if pair is None:
        raise NotFound()
    ids = set(
        visibility.visible(model_of(pair.entity).objects, actor)
        .filter(pk__in=[pair.a_id, pair.b_id])
        .values_list("pk", flat=True)
    )
    if ids != {pair.a_id, pair.b_id}:
        raise NotFound()
    return pair


def attach_records(pairs: Iterable[DuplicatePair]) -> list[DuplicatePair]:
    """Put the two records on each pair (`pair.a`, `pair.b`) with one query per
    entity, so a page of pairs costs no query per row."""
    pairs = list(pairs)
    by_entity: dict[str, set[int]] = {}
    for pair in pairs:
        by_entity.setdefault(pair.entity, set()).update((pair.a_id, pair.b_id))
    records = {}
    for entity, ids in by_entity.items():
        for record in model_of(entity).all_objects.filter(pk__in=ids):
            records[(entity, record.pk)] = record
    for pair in pairs:
        pair.a = records.get((pair.entity, pair.a_id))
        pair.b = records.get((pair.entity, pair.b_id))
    return pairs


def records_get(*, actor, entity: str, ids: Iterable[int]) -> list:
    """Live records the actor may see, in the order of `ids` (NotFound otherwise)."""
    model = model_of(entity)
    ids = [int(i) for i in ids]
    found = {
        r.pk: r for r in visibility.visible(model.objects, actor).filter(pk__in=ids)
    }
    if len(found) != len(set(ids)):
        raise NotFound()
    return [found[i] for i in ids]


def pairs_for_record(*, actor, entity: str, record_id: int, limit: int = 5) -> list:
    """Open pairs of one record with records the actor may see, the other record
    attached as `pair.other` (for the card's warning)."""
    entity = entity_of(entity)
    ids = _visible_ids(actor, entity)
    if ids is None:
        q = Q(a_id=record_id) | Q(b_id=record_id)
    else:
        q = Q(a_id=record_id, b_id__in=ids) | Q(b_id=record_id, a_id__in=ids)
    qs = (
        DuplicatePair.objects.filter(entity=entity, status=PairStatus.OPEN)
        .filter(q)
        .order_by("-score", "id")[:limit]
    )
    pairs = attach_records(qs)
    for pair in pairs:
        pair.other = pair.b if pair.a_id == record_id else pair.a
    return [p for p in pairs if p.other is not None and p.other.deleted_at is None]


def merged_into(*, entity: str, record_id: int) -> MergedRecord | None:
    """The live merge that put this record in the trash, if any."""
    return (
        MergedRecord.objects.filter(
            entity=entity_of(entity), object_id=record_id, merge__undone_at__isnull=True
        )
        .select_related("merge")
        .first()
    )


def merge_list(*, actor, filters: Mapping[str, Any] | None = None) -> QuerySet:
    """The merges, newest first (administrators only: they are who undo them)."""
    visibility.ensure_admin(actor=actor)
    filters = filters or {}
    qs = Merge.objects.select_related("actor", "undone_by")
    if filters.get("entity"):
        qs = qs.filter(entity=entity_of(filters["entity"]))
    if filters.get("survivor_id"):
        qs = qs.filter(survivor_id=filters["survivor_id"])
    return qs


def merge_get(*, actor, merge_id: int) -> Merge:
    visibility.ensure_admin(actor=actor)
    merge = Merge.objects.filter(pk=merge_id).first()
    if merge is None:
        raise NotFound()
    return merge
