"""The duplicates queue and merges in the HTTP API (`/api/v1/duplicates…`)."""

from __future__ import annotations

from ninja import Query, Router, Status

from crm.core.schemas import paginate
from crm.core.validation import format_phone
from crm.customers.schemas import LikelyDuplicateOut
from crm.duplicates import selectors, services
from crm.duplicates.reasons import reason_labels
from crm.duplicates.schemas import (
    DuplicateCheckIn,
    MergeIn,
    MergeListOut,
    MergeOut,
    PairFilter,
    PairListOut,
    PairOut,
    ScanIn,
    ScanOut,
)
from crm.duplicates.services.queue import entity_of

router = Router(tags=["duplicates"])


def _brief(record) -> dict | None:
    if record is None:
        return None
    name = getattr(record, "full_name", None) or str(record)
    return {
        "id": record.pk,
        "name": name,
        "email": record.email,
        "phone": format_phone(record.phone),
        "url": record.get_absolute_url(),
    }


def _pair_out(pair) -> dict:
    return {
        "id": pair.pk,
        "entity": pair.entity,
        "a_id": pair.a_id,
        "b_id": pair.b_id,
        "score": pair.score,
        "decision": pair.decision,
        "status": pair.status,
        "reasons": pair.reasons,
        "reason_labels": reason_labels(pair.reasons),
        "a": _brief(getattr(pair, "a", None)),
        "b": _brief(getattr(pair, "b", None)),
    }


def likely_duplicate_out(item: selectors.LikelyDuplicate) -> dict:
    return {
        "id": item.id,
        "name": item.name,
        "url": item.record.get_absolute_url(),
        "score": item.score,
        "decision": item.decision,
        "reasons": list(item.reasons),
        "reason_labels": reason_labels(item.reasons),
    }


def record_check(*, actor, obj) -> list[dict]:
    """The finder registered in `core.duplicate_check`: what the API's create
    answers of companies and contacts carry as `likely_duplicates`."""
    found = selectors.record_likely_duplicates(actor=actor, obj=obj)
    return [likely_duplicate_out(item) for item in found]


@router.post(
    "/duplicates/check",
    response=list[LikelyDuplicateOut],
    operation_id="likely_duplicates",
)
def check(request, payload: DuplicateCheckIn):
    """Records you can see that look like the one you are about to save, best first
    (at most 5). Nothing is saved or queued."""
    found = selectors.likely_duplicates(
        actor=request.user,
        entity=payload.entity,
        values=payload.values,
        exclude_id=payload.exclude_id,
    )
    return [likely_duplicate_out(item) for item in found]


@router.get("/duplicates", response=PairListOut, operation_id="pair_list")
def list_pairs(request, filters: Query[PairFilter]):
    """Likely duplicates where you can see both records, best score first."""
    queryset = selectors.pair_list(
        actor=request.user,
        filters={
            "entity": filters.entity,
            "decision": filters.decision,
            "status": filters.status,
        },
    )
    page = paginate(queryset, page=filters.page, page_size=filters.page_size)
    page["items"] = [_pair_out(p) for p in selectors.attach_records(page["items"])]
    return page


@router.post(
    "/duplicates/merge", response={201: MergeOut}, operation_id="duplicates_merge"
)
def merge(request, payload: MergeIn):
    """Merge two or more records; everything related moves to the survivor."""
    entity = entity_of(payload.entity)
    records = selectors.records_get(
        actor=request.user, entity=entity, ids=payload.ids or []
    )
    if payload.survivor_id is not None:
        survivor_id = payload.survivor_id
    else:
        survivor_id = min(records, key=lambda r: (r.created_at, r.pk)).pk
    result = services.duplicates_merge(
        actor=request.user,
        entity=entity,
        survivor=survivor_id,
        others=[r.pk for r in records if r.pk != survivor_id],
        field_choices=payload.field_choices,
    )
    return Status(201, result)


@router.post(
    "/duplicates/scan", response={202: ScanOut}, operation_id="duplicates_scan"
)
def scan(request, payload: ScanIn):
    """Start a full scan in the background (administrators)."""
    from crm.core import visibility
    from crm.duplicates.tasks import duplicates_scan_all

    visibility.ensure_admin(actor=request.user)
    entity = entity_of(payload.entity)
    duplicates_scan_all(entity)
    return Status(202, {"entity": entity, "queued": True})


@router.get("/duplicates/merges", response=MergeListOut, operation_id="merge_list")
def list_merges(request, entity: str | None = None, page: int = 1, page_size: int = 50):
    """Merges, newest first (administrators)."""
    queryset = selectors.merge_list(actor=request.user, filters={"entity": entity})
    return paginate(queryset, page=page, page_size=page_size)


@router.post(
    "/duplicates/merges/{merge_id}/undo",
    response=MergeOut,
    operation_id="duplicates_merge_undo",
)
def undo_merge(request, merge_id: int):
    """Undo a merge: the merged records come back with their related rows."""
    merge = selectors.merge_get(actor=request.user, merge_id=merge_id)
    return services.duplicates_merge_undo(actor=request.user, merge=merge)


@router.get("/duplicates/{pair_id}", response=PairOut, operation_id="pair_get")
def read_pair(request, pair_id: int):
    pair = selectors.pair_get(actor=request.user, pair_id=pair_id)
    return _pair_out(selectors.attach_records([pair])[0])


@router.post(
    "/duplicates/{pair_id}/dismiss", response=PairOut, operation_id="pair_dismiss"
)
def dismiss(request, pair_id: int):
    """Not a duplicate: the pair leaves the queue and is never proposed again."""
    pair = selectors.pair_get(actor=request.user, pair_id=pair_id)
    pair = services.pair_dismiss(actor=request.user, pair=pair)
    return _pair_out(selectors.attach_records([pair])[0])


@router.post(
    "/duplicates/{pair_id}/reopen", response=PairOut, operation_id="pair_reopen"
)
def reopen(request, pair_id: int):
    pair = selectors.pair_get(actor=request.user, pair_id=pair_id)
    pair = services.pair_reopen(actor=request.user, pair=pair)
    return _pair_out(selectors.attach_records([pair])[0])
