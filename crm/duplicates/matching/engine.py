"""Blocking and pair generation over a whole table, and checks of a few new rows.

Comparing every pair of a million contacts is 5·10¹¹ comparisons; blocking compares
only records that share a key (an e-mail, a phone, a birth date with initials, a
company's INN, web domain or name…). A block larger than `BLOCK_CAP` says
little (a shared office phone) and is walked with a sliding window over its members
sorted by name instead, so its size costs O(n), not O(n²).

Scoring runs in `workers` processes (fork) when there are many pairs: the pairs are
split by index and the prepared rows are inherited, not pickled.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from crm.duplicates.matching import companies, contacts
from crm.duplicates.matching.scoring import DUPLICATE

BLOCK_CAP = 40
WINDOW = 6


class Candidate(NamedTuple):
    a: int
    b: int
    score: float
    decision: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Spec:
    columns: tuple[str, ...]
    prepare: Callable[[Any], Any]
    keys: Callable[[Any], list[str]]
    sort_key: Callable[[Any], tuple]
    score: Callable[[Any, Any], Any]
    linkable: Callable[[Any, Any], bool]


ENTITIES = {
    "contact": Spec(
        contacts.COLUMNS,
        contacts.prepare,
        contacts.keys,
        contacts.sort_key,
        contacts.score,
        contacts.linkable,
    ),
    "company": Spec(
        companies.COLUMNS,
        companies.prepare,
        companies.keys,
        companies.sort_key,
        companies.score,
        companies.linkable,
    ),
}


def spec(entity: str) -> Spec:
    return ENTITIES[entity]


def candidate_pairs(items: list, s: Spec, stats: dict | None = None) -> set[int]:
    """Index pairs (i·n + j, i < j) that share a blocking key."""
    blocks: dict[str, list[int]] = {}
    get = blocks.get
    for index, item in enumerate(items):
        for key in s.keys(item):
            block = get(key)
            if block is None:
                blocks[key] = [index]
            else:
                block.append(index)
    size = len(items)
    pairs: set[int] = set()
    add = pairs.add
    big = 0
    for block in blocks.values():
        count = len(block)
        if count < 2:
            continue
        if count > BLOCK_CAP:
            big += 1
            block = sorted(block, key=lambda i: s.sort_key(items[i]))
            for x in range(count):
                i = block[x]
                for y in range(x + 1, min(x + 1 + WINDOW, count)):
                    j = block[y]
                    add(i * size + j if i < j else j * size + i)
            continue
        for x in range(count):
            i = block[x]
            for y in range(x + 1, count):
                j = block[y]
                add(i * size + j if i < j else j * size + i)
    if stats is not None:
        stats["blocks"] = len(blocks)
        stats["large_blocks"] = big
        stats["pairs_compared"] = len(pairs)
    return pairs


_shared: dict[str, Any] = {}


def _score_chunk(chunk: list[int]) -> list[Candidate]:
    items, s = _shared["items"], _shared["spec"]
    size = len(items)
    out = []
    for code in chunk:
        a, b = items[code // size], items[code % size]
        verdict = s.score(a, b)
        if verdict is not None:
            first, second = (a.id, b.id) if a.id < b.id else (b.id, a.id)
            out.append(Candidate(first, second, *verdict))
    return out


def find_pairs(
    entity: str,
    rows: Iterable,
    *,
    workers: int | None = None,
    stats: dict | None = None,
) -> list[Candidate]:
    """Every likely duplicate pair among `rows` (tuples in `spec(entity).columns`
    order), ordered by (a, b)."""
    s = spec(entity)
    items = [s.prepare(row) for row in rows]
    pairs = sorted(candidate_pairs(items, s, stats))
    workers = workers or min(2, os.cpu_count() or 1)
    _shared["items"], _shared["spec"] = items, s
    try:
        if workers > 1 and len(pairs) > 200_000:
            import multiprocessing

            step = -(-len(pairs) // (workers * 4))
            chunks = [pairs[i : i + step] for i in range(0, len(pairs), step)]
            del pairs
            context = multiprocessing.get_context("fork")
            with context.Pool(workers) as pool:
                found = [c for part in pool.map(_score_chunk, chunks) for c in part]
        else:
            found = _score_chunk(pairs)
    finally:
        _shared.clear()
    found = link_through_others(found, {item.id: item for item in items}, s)
    found.sort()
    if stats is not None:
        stats["candidates"] = len(found)
    return found


LINK_GROUP_LIMIT = 10


def link_through_others(found: list[Candidate], by_id: dict, s: Spec) -> list:
    """Call two records duplicates when each is a duplicate of a third one and
    nothing contradicts (alike names, no different birth dates or INN).

    A copy typed from memory and another imported from a file may share nothing
    but the name, while each shares an e-mail or a phone with the original.
    Groups larger than `LINK_GROUP_LIMIT` are left alone: chains that long are
    more likely a shared office phone than one person.
    """
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for c in found:
        if c.decision == "duplicate":
            parent.setdefault(c.a, c.a)
            parent.setdefault(c.b, c.b)
            ra, rb = root(c.a), root(c.b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for x in parent:
        groups.setdefault(root(x), []).append(x)
    pairs = {(c.a, c.b): c for c in found}
    for members in groups.values():
        if not 3 <= len(members) <= LINK_GROUP_LIMIT:
            continue
        members.sort()
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                known = pairs.get((a, b))
                if known is not None and known.decision == "duplicate":
                    continue
                if not s.linkable(by_id[a], by_id[b]):
                    continue
                reasons = (*(known.reasons if known else ()), "linked_through_another")
                score = max(known.score if known else 0.0, DUPLICATE)
                pairs[(a, b)] = Candidate(a, b, score, "duplicate", reasons)
    return list(pairs.values())


def candidates_against(
    entity: str, new_rows: Iterable, existing_rows: Iterable
) -> list[Candidate]:
    """Pairs between a few new records and the existing ones found for them (by the
    database lookups of the caller), scored the same way as a full scan."""
    s = spec(entity)
    new = [s.prepare(row) for row in new_rows]
    known = {item.id: item for item in (s.prepare(row) for row in existing_rows)}
    for item in new:
        known.pop(item.id, None)
    found: dict[tuple[int, int], Candidate] = {}
    pool = list(known.values()) + new
    for a in new:
        for b in pool:
            if a.id == b.id:
                continue
            verdict = s.score(a, b)
            if verdict is None:
                continue
            first, second = (a.id, b.id) if a.id < b.id else (b.id, a.id)
            found[(first, second)] = Candidate(first, second, *verdict)
    return sorted(found.values())
