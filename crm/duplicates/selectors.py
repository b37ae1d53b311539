"""Reads of the duplicates queue, with record visibility applied once.

A pair is shown only when the reader may see both records: a manager with "own"
visibility never learns, through the queue, that a colleague's client resembles
theirs. Open pairs hold live records only (a move to the trash drops them), so a
reader who sees everything lists the queue straight from its index.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import models
from django.db.models import F, Func, Q, QuerySet
from django.db.models.lookups import In

from crm.core import visibility
from crm.core.errors import DomainError, NotFound
from crm.core.validation import clean_email, clean_phone
from crm.duplicates.matching import candidates_against, spec
from crm.duplicates.models import (
    DuplicatePair,
    Merge,
    MergedRecord,
    PairStatus,
)
from crm.duplicates.services.queue import (
    candidate_ids,
    entity_of,
    live_rows,
    model_of,
    with_point,
)


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


# --- the check of one record as it is typed -----------------------------------------

CHECK_LIMIT = 5
# The id of a record not saved yet: no row has it.
UNSAVED = 0


@dataclass(frozen=True)
class LikelyDuplicate:
    """A visible record that looks like the one being typed or saved."""

    record: Any
    score: float
    decision: str
    reasons: tuple[str, ...]

    @property
    def id(self) -> int:
        return self.record.pk

    @property
    def name(self) -> str:
        return getattr(self.record, "full_name", None) or str(self.record)


def _text(value: Any, limit: int = 300) -> str:
    return "" if value is None else str(value).strip()[:limit]


def _digits(value: Any, lengths: tuple[int, ...]) -> str:
    digits = "".join(c for c in _text(value) if c.isdigit())
    return digits if len(digits) in lengths else ""


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return forms.DateField().clean(_text(value)) or None
    except forms.ValidationError:
        return None


def _typed(value: Any, clean) -> str:
    """A value as the services would store it, or "" while it is incomplete (a
    half-typed e-mail or phone must not be looked up, nor count as different)."""
    try:
        return clean(_text(value))
    except DomainError:
        return ""


def checked_fields(entity: str) -> tuple[str, ...]:
    """The fields `likely_duplicates` reads of `values`: those the matching
    compares (other keys are ignored, so a client may send the body it is about to
    create the record with)."""
    return spec(entity_of(entity)).columns[1:]


def typed_row(entity: str, values: Mapping[str, Any], record_id: int = UNSAVED):
    """The `spec` row of a record from the values of a form or an API body."""
    cleaned = {
        "email": _typed(values.get("email"), clean_email),
        "phone": _typed(values.get("phone"), clean_phone),
        "inn": _digits(values.get("inn"), (10, 12)),
        "kpp": _digits(values.get("kpp"), (9,)),
        "birth_date": _date(values.get("birth_date")),
    }
    return (
        record_id,
        *(
            cleaned[name] if name in cleaned else _text(values.get(name), 500)
            for name in checked_fields(entity)
        ),
    )


# Further phones and e-mails of a record being typed that the check looks at.
FURTHER_LIMIT = 5
_FURTHER_FIELD = re.compile(r"^(phones|emails)-(\d+)-value$")


def _further(values: Mapping[str, Any], kind: str) -> list[str]:
    """The further phones or e-mails (`kind`) of a form's rows (`phones-0-value`…)
    or of a body's list (`"phones": [...]`), at most FURTHER_LIMIT."""
    given = values.get(f"{kind}s")
    if isinstance(given, list | tuple):
        found = [str(v) for v in given]
    else:
        rows = sorted(
            (int(match[2]), key)
            for key in values
            if (match := _FURTHER_FIELD.match(key)) and match[1] == f"{kind}s"
        )
        found = [str(values.get(key) or "") for _n, key in rows]
    return [v for v in found if v.strip()][:FURTHER_LIMIT]


def typed_rows(entity: str, values: Mapping[str, Any], record_id: int = UNSAVED):
    """The record's `spec` row and, for each further phone or e-mail, the row with
    it in place of the main one: a copy often shares only its second number."""
    row = typed_row(entity, values, record_id)
    columns = spec(entity_of(entity)).columns
    rows = [row]
    for kind, clean in (("email", clean_email), ("phone", clean_phone)):
        index = columns.index(kind)
        for value in _further(values, kind):
            typed = _typed(value, clean)
            if typed and typed != row[index]:
                rows.append((*row[:index], typed, *row[index + 1 :]))
    return rows


def likely_duplicates(
    *,
    actor,
    entity: str,
    values: Mapping[str, Any],
    exclude_id: int | None = None,
    limit: int = CHECK_LIMIT,
) -> list[LikelyDuplicate]:
    """Records the actor may see that look like a record being typed, best first.

    `values` are the fields as a form or an API body gives them (unsaved); for a
    saved record being edited, `exclude_id` leaves it out of its own duplicates.
    Candidates come from the same indexed lookups as the check after a save (e-mail,
    phone and INN, further phones and e-mails, namesakes through an index) and are
    scored as a full scan scores them; a half-typed e-mail or phone is left
    out rather than counted as different. Reads only indexes and at most a few
    hundred rows, so it can run on every keystroke pause at a million contacts.

    Pitfall: visibility is applied to the candidates before scoring, so a record
    the actor may not see is never named, nor hinted at by a score.
    """
    entity = entity_of(entity)
    rows = typed_rows(entity, values, exclude_id or UNSAVED)
    if not any(value for row in rows for value in row[1:]):
        return []
    ids, points = candidate_ids(entity, rows)
    ids.discard(UNSAVED)
    if not ids:
        return []
    model = model_of(entity)
    columns = spec(entity).columns
    # Not from the owner's index: a manager's 140,000 clients would be walked to
    # find these few hundred ids.
    scope = visibility.scope_q(actor, model, indexed=False)
    others = [
        with_point(entity, other, points.get(other[0]))
        for other in live_rows(entity, ids, scope)
    ]
    own = rows[0][0]
    # Each of the typed rows against the candidates; a record keeps its best score.
    scored: dict[int, Any] = {}
    for row in rows:
        for c in candidates_against(entity, [row], others):
            pk = c.b if c.a == own else c.a
            if pk not in scored or c.score > scored[pk].score:
                scored[pk] = c
    best = sorted(scored.items(), key=lambda item: (-item[1].score, item[0]))[:limit]
    if not best:
        return []
    found = model.all_objects.only(*columns).in_bulk([pk for pk, _c in best])
    return [
        LikelyDuplicate(found[pk], c.score, c.decision, c.reasons)
        for pk, c in best
        if pk in found
    ]


def record_likely_duplicates(*, actor, obj) -> list[LikelyDuplicate]:
    """`likely_duplicates` of a saved company or contact (an API create answer)."""
    entity = entity_of(obj._meta.model_name)
    values: dict[str, Any] = {
        name: getattr(obj, name) for name in checked_fields(entity)
    }
    for kind in ("phone", "email"):
        values[f"{kind}s"] = list(
            obj.contact_points.filter(kind=kind)
            .order_by("id")
            .values_list("value", flat=True)[:FURTHER_LIMIT]
        )
    return likely_duplicates(
        actor=actor, entity=entity, values=values, exclude_id=obj.pk
    )
