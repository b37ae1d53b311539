"""Filling the review queue: a full scan of one entity, or a check of new records.

Both write `DuplicatePair` rows with the same rules: a pair is stored once (a < b);
a pair someone marked "not a duplicate" or merged keeps its status whatever a later
scan finds; an open pair gets the newest score and reasons.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import search, visibility
from crm.core.errors import DomainError
from crm.customers.models import Company, Contact, ContactPoint
from crm.duplicates.matching import Candidate, candidates_against, find_pairs, spec
from crm.duplicates.matching import normalise as n
from crm.duplicates.models import DuplicatePair, Entity, PairSource, PairStatus

MODELS = {Entity.CONTACT: Contact, Entity.COMPANY: Company}
# Names the CLI and the API accept for an entity.
ENTITY_ALIASES = {
    "contact": Entity.CONTACT,
    "contacts": Entity.CONTACT,
    "company": Entity.COMPANY,
    "companies": Entity.COMPANY,
}
BATCH = 5000
LOOKUP_LIMIT = 200


def entity_of(value: str) -> str:
    """The entity named by `contacts`/`companies` (or the singular)."""
    entity = ENTITY_ALIASES.get((value or "").strip().lower())
    if entity is None:
        raise DomainError(_("Choose contacts or companies."), field="entity")
    return entity


def model_of(entity: str):
    return MODELS[entity_of(entity)]


@dataclass
class ScanResult:
    entity: str
    records: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept_dismissed: int = 0
    load_seconds: float = 0.0
    match_seconds: float = 0.0
    store_seconds: float = 0.0
    stats: dict = field(default_factory=dict)


def load_rows(entity: str) -> list[tuple]:
    """Every live record of the entity as plain tuples, read in one pass."""
    model = model_of(entity)
    columns = spec(entity).columns
    return list(
        model.objects.order_by().values_list(*columns).iterator(chunk_size=BATCH)
    )


def duplicates_scan(*, entity: str, actor=None) -> ScanResult:
    """Compare every live record of the entity and bring the queue up to date.

    Idempotent: run twice, the queue is the same. Open pairs that the scan no longer
    finds (a record was corrected or trashed) leave the queue; dismissed and merged
    pairs stay as they are, so "not a duplicate" is never proposed again. Only an
    administrator (or the command line, with no actor) scans the whole base.
    """
    entity = entity_of(entity)
    if actor is not None:
        visibility.ensure_admin(actor=actor)
    result = ScanResult(entity=entity)
    started = time.perf_counter()
    rows = load_rows(entity)
    result.records = len(rows)
    result.load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result.candidates = find_pairs(entity, rows, stats=result.stats)
    del rows
    result.match_seconds = time.perf_counter() - started
    started = time.perf_counter()
    _store(result, entity)
    result.store_seconds = time.perf_counter() - started
    return result


@transaction.atomic
def _store(result: ScanResult, entity: str) -> None:
    existing = {
        (a, b): (pk, status, score, decision, reasons)
        for pk, a, b, status, score, decision, reasons in DuplicatePair.objects.filter(
            entity=entity
        ).values_list("pk", "a_id", "b_id", "status", "score", "decision", "reasons")
    }
    now = timezone.now()
    new, changed, seen = [], [], set()
    for c in result.candidates:
        key = (c.a, c.b)
        seen.add(key)
        row = existing.get(key)
        if row is None:
            new.append(
                DuplicatePair(
                    entity=entity,
                    a_id=c.a,
                    b_id=c.b,
                    score=c.score,
                    decision=c.decision,
                    reasons=list(c.reasons),
                    created_at=now,
                    updated_at=now,
                )
            )
        elif row[1] != PairStatus.OPEN:
            result.kept_dismissed += row[1] == PairStatus.DISMISSED
        elif (row[2], row[3], row[4]) != (c.score, c.decision, list(c.reasons)):
            changed.append(
                DuplicatePair(
                    pk=row[0],
                    score=c.score,
                    decision=c.decision,
                    reasons=list(c.reasons),
                    updated_at=now,
                )
            )
    DuplicatePair.objects.bulk_create(new, batch_size=BATCH)
    DuplicatePair.objects.bulk_update(
        changed, ["score", "decision", "reasons", "updated_at"], batch_size=BATCH
    )
    stale = [
        row[0]
        for key, row in existing.items()
        if key not in seen and row[1] == PairStatus.OPEN
    ]
    for start in range(0, len(stale), BATCH):
        DuplicatePair.objects.filter(pk__in=stale[start : start + BATCH]).delete()
    result.created, result.updated, result.removed = len(new), len(changed), len(stale)


def _prefix_q(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, written as a range that an index walks (a
    LIKE uses none on SQLite, nor on PostgreSQL without a pattern index)."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


def _title(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


def _contact_name_lookups(row: tuple) -> list[Q]:
    """Filters that find a person's namesakes through the contact list's index
    `(deleted_at, last_name, first_name, id)`: the first four letters of the last
    name with the first letter of the first name, as typed, in the other script,
    and with the two swapped. Each reads a narrow range of the index and no table
    row: a fraction of a millisecond at a million contacts, where a search-index
    query for a one-letter prefix took 50 ms.

    Pitfall: names are compared from their start and as written in the base
    (capitalised): a typo in the first letters finds no namesake here; the
    e-mail and phone lookups still find such a copy.
    """
    last, first = (row[1] or "").strip(), (row[2] or "").strip()
    if not first:
        return []
    if not last:
        return [Q(last_name="") & _prefix_q("first_name", _title(first[:4]))]
    forms = {(last, first), (_title(last), _title(first))}
    if n.has_cyrillic(last):
        forms.add((_title(n.to_latin(last)), _title(n.to_latin(first))))
    else:
        # One guess of several spellings: its first three letters only.
        forms.add((_title(n.to_cyrillic(last)[:3]), _title(n.to_cyrillic(first))))
    lookups = [
        _prefix_q("last_name", a[:4]) & _prefix_q("first_name", b[:1])
        for a, b in sorted(forms)
        if a and b
    ]
    lookups.append(
        _prefix_q("last_name", _title(first)[:4])
        & _prefix_q("first_name", _title(last)[:1])
    )
    return lookups


def _company_name_queries(row: tuple) -> list[str]:
    """Word-prefix queries of the global search that find a company's namesakes in
    either script (the search index makes them fast at a million rows; a company
    name starts with its legal form, so the list index would not do)."""
    queries = []
    words = [w for w in n.company_words(row[1] or "") if len(w) >= 3]
    raw_words = [
        w for w in search.words(row[1] or "") if w not in n.LEGAL_FORMS and len(w) >= 3
    ]
    if raw_words:
        longest = max(raw_words, key=len)
        queries.append(longest[:5])
        queries.append(
            n.to_latin(longest)[:5]
            if n.has_cyrillic(longest)
            else n.to_cyrillic(longest)[:4]
        )
    elif words:
        queries.append(words[0][:5])
    return queries


def candidate_ids(entity: str, rows: list[tuple]) -> tuple[set[int], dict]:
    """Ids of live records that may be duplicates of `rows` (in `spec` columns):
    the same e-mail, phone or INN (indexed columns, further contact points
    included) or a namesake (a person's through the list index, a company's
    through the search index); and, for records found by
    a further phone or e-mail, that value (`{id: {"email": …, "phone": …}}`), so
    they are scored as if it were their main one.

    Every lookup reads an index and stops at `LOOKUP_LIMIT`: a few milliseconds at
    a million records, whatever the values. Visibility is not applied here.
    """
    model = model_of(entity)
    columns = spec(entity).columns
    live = model.objects.order_by()
    # Trashed rows are dropped when the candidates are read (`live_rows`): with
    # `deleted_at IS NULL` here, SQLite without fresh statistics walks the list
    # index of every live company instead of the e-mail, phone or INN index.
    every = model.all_objects.order_by()
    ids: set[int] = set()
    emails = {r[columns.index("email")] for r in rows} - {""}
    phones = {r[columns.index("phone")] for r in rows} - {""}
    emails |= {e.strip().lower() for e in emails}
    exact = Q()
    if emails:
        exact |= Q(email__in=emails)
    if phones:
        exact |= Q(phone__in=phones)
    if entity == Entity.COMPANY:
        inns = {r[columns.index("inn")] for r in rows} - {""}
        if inns:
            exact |= Q(inn__in=inns)
    if exact:
        ids.update(every.filter(exact).values_list("pk", flat=True)[:LOOKUP_LIMIT])
    owner = "contact_id" if entity == Entity.CONTACT else "company_id"
    points: dict[int, dict[str, str]] = {}
    by_point = Q()
    for kind, values in (("email", emails), ("phone", phones)):
        if values:
            # By (kind, value): the index starts with the kind.
            by_point |= Q(kind=kind, value__in=values)
    if by_point:
        found = (
            ContactPoint.objects.order_by()
            .filter(by_point, **{f"{owner}__isnull": False})
            .values_list(owner, "kind", "value")[:LOOKUP_LIMIT]
        )
        for pk, kind, value in found:
            ids.add(pk)
            points.setdefault(pk, {})[kind] = value
    for row in rows:
        if entity == Entity.CONTACT:
            for lookup in _contact_name_lookups(row):
                ids.update(
                    live.filter(lookup).values_list("pk", flat=True)[:LOOKUP_LIMIT]
                )
            continue
        for query in _company_name_queries(row):
            if search.is_searchable(query):
                ids.update(
                    search.matching(every, query).values_list("pk", flat=True)[
                        :LOOKUP_LIMIT
                    ]
                )
    ids -= {r[0] for r in rows}
    return ids, points


def with_point(entity: str, row: tuple, point: dict[str, str] | None) -> tuple:
    """A record's row with the further e-mail or phone that was looked up put in
    place of its main one (a copy that has it as a further one is still a copy)."""
    if not point:
        return row
    columns = spec(entity).columns
    values = list(row)
    for kind, value in point.items():
        values[columns.index(kind)] = value
    return tuple(values)


def live_rows(entity: str, ids, scope: Q | None = None) -> list[tuple]:
    """The `spec` rows of the live records among `ids` (and within `scope`).

    Read by primary key with the trash filtered here, not in SQL: with `deleted_at
    IS NULL`, SQLite without fresh statistics walks the list index instead.
    """
    columns = spec(entity).columns
    found = model_of(entity).all_objects.order_by().filter(pk__in=ids)
    if scope is not None:
        found = found.filter(scope)
    return [
        row[:-1] for row in found.values_list(*columns, "deleted_at") if row[-1] is None
    ]


def _lookup_rows(entity: str, rows: list[tuple]) -> list[tuple]:
    """Existing records that may be duplicates of `rows`, as `spec` rows."""
    ids, points = candidate_ids(entity, rows)
    if not ids:
        return []
    return [
        with_point(entity, row, points.get(row[0])) for row in live_rows(entity, ids)
    ]


def duplicates_check_new(
    *, entity: str, ids: Iterable[int], source: str = PairSource.NEW
) -> list[DuplicatePair]:
    """Compare newly created (or changed) records with the existing ones and queue
    the likely duplicates; returns the open pairs found.

    Runs in a background job after a record is created by hand, by the API or by an
    import (a batch's ids at once). Looks candidates up by indexed columns and the
    search index rather than scanning, so it costs milliseconds per record.
    """
    entity = entity_of(entity)
    model = model_of(entity)
    columns = spec(entity).columns
    ids = list(dict.fromkeys(int(i) for i in ids))
    found: list[DuplicatePair] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = list(model.objects.filter(pk__in=chunk).order_by().values_list(*columns))
        if not rows:
            continue
        others = _lookup_rows(entity, rows)
        found.extend(_upsert(entity, candidates_against(entity, rows, others), source))
    return found


@transaction.atomic
def _upsert(entity: str, candidates: list[Candidate], source: str) -> list:
    if not candidates:
        return []
    wanted = {(c.a, c.b): c for c in candidates}
    a_ids = {c.a for c in candidates}
    existing = {
        (p.a_id, p.b_id): p
        for p in DuplicatePair.objects.filter(entity=entity, a_id__in=a_ids)
        if (p.a_id, p.b_id) in wanted
    }
    now = timezone.now()
    result = []
    for key, c in wanted.items():
        pair = existing.get(key)
        if pair is None:
            pair = DuplicatePair.objects.create(
                entity=entity,
                a_id=c.a,
                b_id=c.b,
                score=c.score,
                decision=c.decision,
                reasons=list(c.reasons),
                source=source,
                created_at=now,
                updated_at=now,
            )
        elif pair.status == PairStatus.OPEN:
            pair.score, pair.decision = c.score, c.decision
            pair.reasons, pair.updated_at = list(c.reasons), now
            pair.save(update_fields=["score", "decision", "reasons", "updated_at"])
        else:
            continue
        result.append(pair)
    return result


def pairs_forget_record(*, entity: str, record_id: int) -> int:
    """Drop the open pairs of a record that went to the trash.

    Keeps the queue to live records, so that listing it needs no join with a
    million contacts; "not a duplicate" and merged pairs stay as the memory of a
    decision. A restored record is checked again like a new one.
    """
    entity = entity_of(entity)
    return DuplicatePair.objects.filter(
        Q(a_id=record_id) | Q(b_id=record_id),
        entity=entity,
        status=PairStatus.OPEN,
    ).delete()[0]


def _ensure_pair_editable(actor, pair: DuplicatePair) -> None:
    model = model_of(pair.entity)
    for pk in (pair.a_id, pair.b_id):
        obj = model.all_objects.filter(pk=pk).first()
        if obj is not None:
            visibility.ensure_can_edit(actor=actor, obj=obj)


@transaction.atomic
def pair_dismiss(*, actor, pair: DuplicatePair) -> DuplicatePair:
    """Mark a pair "not a duplicate": no scan proposes it again.

    The actor must be allowed to change both records (the same right as merging
    them), so a manager cannot hide a colleague's duplicates.
    """
    _ensure_pair_editable(actor, pair)
    if pair.status == PairStatus.MERGED:
        raise DomainError(_("These records are merged already."), field="status")
    pair.status = PairStatus.DISMISSED
    pair.resolved_by = actor
    pair.updated_at = timezone.now()
    pair.save(update_fields=["status", "resolved_by", "updated_at"])
    return pair


@transaction.atomic
def pair_reopen(*, actor, pair: DuplicatePair) -> DuplicatePair:
    """Put a dismissed pair back in the queue (a mistaken "not a duplicate")."""
    _ensure_pair_editable(actor, pair)
    if pair.status != PairStatus.DISMISSED:
        raise DomainError(_("Only a dismissed pair can be reopened."), field="status")
    pair.status = PairStatus.OPEN
    pair.resolved_by = None
    pair.updated_at = timezone.now()
    pair.save(update_fields=["status", "resolved_by", "updated_at"])
    return pair
