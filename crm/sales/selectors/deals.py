"""Reads of deals that pages and the API share, visibility applied once.

A deal is visible by the rules of the `deal` object type (its owner is the one
responsible); hidden and missing deals both raise `NotFound`. Lists come with what
their rows show already loaded, so a page costs the same number of queries whatever
the number of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone

from crm.core import search, visibility
from crm.core.errors import NotFound
from crm.sales.models import (
    ApprovalRequest,
    ApprovalStatus,
    Deal,
    DealLine,
    DealParticipant,
    DealStageChange,
    DiscountLimit,
    LostReason,
    Pipeline,
    Stage,
)

# Cards per board column before "show more": a board of ten thousand deals shows
# the newest arrivals of each stage and the right counts and sums.
BOARD_COLUMN_SIZE = 50
# Deals a company's or contact's card lists before "all deals".
CARD_DEALS = 10


def _id(value: Any) -> int | None:
    value = getattr(value, "pk", value)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound from None


# --- pipelines and stages -------------------------------------------------------------


def pipeline_list(*, actor, include_inactive: bool = False) -> QuerySet[Pipeline]:
    """Pipelines in their order, each with its stages (`stages.all()` is loaded)."""
    queryset = Pipeline.objects.all()
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    return queryset.prefetch_related(
        Prefetch("stages", queryset=Stage.objects.order_by("position", "id"))
    )


def pipeline_get(*, actor, pipeline_id: Any, include_inactive: bool = True) -> Pipeline:
    """One pipeline with its stages."""
    pk = _id(pipeline_id)
    found = (
        pipeline_list(actor=actor, include_inactive=include_inactive)
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound
    return found


def stage_get(*, actor, stage_id: Any) -> Stage:
    pk = _id(stage_id)
    found = Stage.objects.select_related("pipeline").filter(pk=pk).first()
    if found is None:
        raise NotFound
    return found


def lost_reason_list(*, actor, include_inactive: bool = False) -> QuerySet[LostReason]:
    queryset = LostReason.objects.all()
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    return queryset


def discount_limit_map(*, actor) -> dict[str, Decimal]:
    """The largest discount without approval, by role (roles without a row: 0)."""
    return dict(DiscountLimit.objects.values_list("role", "max_percent"))


def lost_reason_get(*, actor, reason_id: Any) -> LostReason:
    found = LostReason.objects.filter(pk=_id(reason_id)).first()
    if found is None:
        raise NotFound
    return found


# --- deals ------------------------------------------------------------------------------


def visible_deals(actor) -> QuerySet[Deal]:
    """Live deals the actor may see."""
    return visibility.visible(Deal.objects.all(), actor)


def _filters_q(filters: Mapping[str, Any]) -> Q:
    q = Q()
    if filters.get("status"):
        statuses = filters["status"]
        if isinstance(statuses, str):
            statuses = [statuses]
        q &= Q(status__in=list(statuses))
    for name in ("pipeline", "stage", "owner", "company", "contact", "source"):
        if filters.get(name):
            q &= Q(**{f"{name}_id": _id(filters[name])})
    if filters.get("currency"):
        q &= Q(currency=filters["currency"])
    if filters.get("expected_from"):
        q &= Q(expected_close_date__gte=filters["expected_from"])
    if filters.get("expected_to"):
        q &= Q(expected_close_date__lte=filters["expected_to"])
    if filters.get("amount_min") is not None:
        q &= Q(amount__gte=filters["amount_min"])
    if filters.get("amount_max") is not None:
        q &= Q(amount__lte=filters["amount_max"])
    return q


def deal_list(*, actor, filters: Mapping[str, Any] | None = None) -> QuerySet[Deal]:
    """Deals the actor sees, filtered, with what a row shows loaded.

    Filters: `q` (title, external ID), `status` (one or a list), `pipeline`,
    `stage`, `owner`, `company`, `contact`, `source`, `currency`,
    `expected_from`/`expected_to` (dates), `amount_min`/`amount_max` (Decimals).
    """
    filters = filters or {}
    queryset = visible_deals(actor).filter(_filters_q(filters))
    if filters.get("q"):
        queryset = search.matching(queryset, filters["q"])
    return queryset.select_related(
        "company", "contact", "owner", "pipeline", "stage", "lost_reason"
    )


def deal_get(*, actor, deal_id: Any) -> Deal:
    """One deal the actor sees; a hidden one is as missing as a deleted one."""
    found = deal_list(actor=actor).filter(pk=_id(deal_id)).first()
    if found is None:
        raise NotFound
    return found


def deal_detail_queryset(actor) -> QuerySet[Deal]:
    """Deals with their lines, participants, approvals and stage history loaded."""
    return (
        deal_list(actor=actor)
        .select_related("price_list", "source", "lead", "created_by")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=DealLine.objects.select_related("product").order_by(
                    "position", "id"
                ),
            ),
            Prefetch(
                "participants",
                queryset=DealParticipant.objects.select_related(
                    "user", "contact", "company"
                ).order_by("side", "id"),
            ),
            Prefetch(
                "approvals",
                queryset=ApprovalRequest.objects.select_related(
                    "requested_by", "approver"
                ).order_by("-requested_at", "-id"),
            ),
            Prefetch(
                "stage_changes",
                queryset=DealStageChange.objects.select_related(
                    "from_stage", "to_stage", "changed_by"
                ).order_by("changed_at", "id"),
            ),
        )
    )


def deal_card(*, actor, deal_id: Any) -> Deal:
    """A deal with everything its card shows (lines, participants, approvals,
    stage history) in a fixed number of queries."""
    found = deal_detail_queryset(actor).filter(pk=_id(deal_id)).first()
    if found is None:
        raise NotFound
    return found


def deal_line_get(*, actor, deal: Deal, line_id: Any) -> DealLine:
    found = DealLine.objects.select_related("product").filter(
        pk=_id(line_id), deal=deal
    )
    line = found.first()
    if line is None:
        raise NotFound
    return line


def deal_participant_get(*, actor, deal: Deal, participant_id: Any) -> DealParticipant:
    found = (
        DealParticipant.objects.select_related("user", "contact", "company")
        .filter(pk=_id(participant_id), deal=deal)
        .first()
    )
    if found is None:
        raise NotFound
    return found


def deal_search(*, actor, query: str, limit: int = 8) -> list[Deal]:
    """A few deals for the global search, newest first among the matches."""
    if not search.is_searchable(query):
        return []
    hits = list(
        search.matching(visible_deals(actor), query)
        .select_related("company", "contact", "stage")
        .order_by()[:limit]
    )
    return sorted(hits, key=lambda d: (d.title.lower(), d.pk))


def client_deals(
    *, actor, entity: str, client: Any, limit: int = CARD_DEALS
) -> tuple[list[Deal], int]:
    """Open deals of a company or a contact the actor sees, and how many there are."""
    queryset = visible_deals(actor).filter(**{f"{entity}_id": client.pk}, status="open")
    deals = list(
        queryset.select_related("stage", "owner").order_by("-created_at", "-id")[:limit]
    )
    count = len(deals) if len(deals) < limit else queryset.count()
    return deals, count


@dataclass
class Totals:
    net: Decimal
    vat: Decimal
    total: Decimal


def deal_totals(deal: Deal) -> Totals:
    """The composition's totals from the (loaded) lines."""
    lines = list(deal.lines.all())
    return Totals(
        net=sum((line.net_amount for line in lines), Decimal(0)),
        vat=sum((line.vat_amount for line in lines), Decimal(0)),
        total=sum((line.total_amount for line in lines), Decimal(0)),
    )


# --- stage history ----------------------------------------------------------------------


@dataclass
class StageSpan:
    """A stretch of a deal's life in one stage: when it came, who moved it, how
    long it stayed (until now for the stage it is in)."""

    change: DealStageChange
    started_at: dt.datetime
    ended_at: dt.datetime | None
    duration: dt.timedelta
    is_current: bool


def stage_history(deal: Deal, *, now: dt.datetime | None = None) -> list[StageSpan]:
    """The deal's stages in order with the time spent in each (from the loaded
    `stage_changes`, so the card pays no extra query)."""
    now = now or timezone.now()
    changes = list(deal.stage_changes.all())
    spans = []
    for index, change in enumerate(changes):
        following = changes[index + 1] if index + 1 < len(changes) else None
        ended = following.changed_at if following else None
        spans.append(
            StageSpan(
                change=change,
                started_at=change.changed_at,
                ended_at=ended,
                duration=(ended or now) - change.changed_at,
                is_current=following is None,
            )
        )
    return spans


# --- the board ----------------------------------------------------------------------------


@dataclass
class Column:
    stage: Stage
    count: int = 0
    # Per currency: deals of one column may be priced in several.
    sums: dict[str, Decimal] = field(default_factory=dict)
    cards: list[Deal] = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(self.count - len(self.cards), 0)


@dataclass
class Board:
    pipeline: Pipeline
    columns: list[Column]


def board_queryset(
    *, actor, pipeline: Pipeline, filters: Mapping[str, Any] | None = None
) -> QuerySet[Deal]:
    filters = dict(filters or {})
    filters.pop("pipeline", None)
    queryset = (
        visible_deals(actor).filter(pipeline=pipeline).filter(_filters_q(filters))
    )
    if filters.get("q"):
        queryset = search.matching(queryset, filters["q"])
    return queryset


def _money(value) -> Decimal:
    # SQLite sums decimals as floats' text ("350.5"): back to kopecks.
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _card_order() -> list:
    return [F("stage_changed_at").desc(), F("id").desc()]


def deal_board(
    *,
    actor,
    pipeline: Pipeline,
    filters: Mapping[str, Any] | None = None,
    per_column: int = BOARD_COLUMN_SIZE,
) -> Board:
    """A pipeline's board: per stage the count and sums of the deals the actor sees
    and the first `per_column` cards (the newest arrivals).

    A fixed number of queries whatever the number of deals: stages, counts and sums
    grouped by stage, and one query per stage that has cards.
    """
    stages = list(pipeline.stages.all())
    columns = {stage.pk: Column(stage=stage) for stage in stages}
    queryset = board_queryset(actor=actor, pipeline=pipeline, filters=filters)
    for row in (
        queryset.order_by()
        .values("stage_id", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
    ):
        column = columns.get(row["stage_id"])
        if column is None:
            continue
        column.count += row["n"]
        column.sums[row["currency"]] = _money(row["total"])
    # One small query per stage, each walking the board index (pipeline, stage,
    # newest arrival) and stopping after `per_column` rows: faster than a window
    # function that sorts the whole pipeline, and the count follows the stages,
    # not the deals.
    cards = queryset.select_related("company", "contact", "owner").order_by(
        *_card_order()
    )
    for stage in stages:
        column = columns[stage.pk]
        if column.count:
            column.cards = list(cards.filter(stage=stage)[:per_column])
    return Board(pipeline=pipeline, columns=list(columns.values()))


def deal_column_cards(
    *,
    actor,
    pipeline: Pipeline,
    stage: Stage,
    filters: Mapping[str, Any] | None = None,
    offset: int = 0,
    limit: int = BOARD_COLUMN_SIZE,
) -> list[Deal]:
    """The next cards of one board column ("show more")."""
    if stage.pipeline_id != pipeline.pk:
        raise NotFound
    offset = max(int(offset), 0)
    return list(
        board_queryset(actor=actor, pipeline=pipeline, filters=filters)
        .filter(stage=stage)
        .select_related("company", "contact", "owner")
        .order_by(*_card_order())[offset : offset + limit]
    )


def board_column_summary(
    *, actor, pipeline: Pipeline, stage_ids: list[int]
) -> dict[int, Column]:
    """Counts and sums of some columns (after a move, to refresh their headers)."""
    columns = {
        stage.pk: Column(stage=stage)
        for stage in pipeline.stages.all()
        if stage.pk in stage_ids
    }
    for row in (
        board_queryset(actor=actor, pipeline=pipeline)
        .filter(stage_id__in=stage_ids)
        .order_by()
        .values("stage_id", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
    ):
        column = columns[row["stage_id"]]
        column.count += row["n"]
        column.sums[row["currency"]] = _money(row["total"])
    return columns


# --- approvals --------------------------------------------------------------------------


def approval_list(
    *, actor, filters: Mapping[str, Any] | None = None
) -> QuerySet[ApprovalRequest]:
    """Discount approval requests the actor may see: those sent to them, those they
    sent, and those of deals they see. `awaiting_me` narrows to the pending ones
    sent to the actor; `status` and `deal` filter further."""
    filters = filters or {}
    queryset = ApprovalRequest.objects.filter(deal__deleted_at__isnull=True)
    deal_scope = visibility.scope_q(actor, Deal, prefix="deal__")
    if deal_scope is not None:
        queryset = queryset.filter(
            Q(approver=actor) | Q(requested_by=actor) | deal_scope
        )
    if filters.get("awaiting_me"):
        queryset = queryset.filter(approver=actor, status=ApprovalStatus.PENDING)
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("deal"):
        queryset = queryset.filter(deal_id=_id(filters["deal"]))
    return queryset.select_related(
        "deal", "deal__company", "deal__contact", "requested_by", "approver"
    ).order_by("-requested_at", "-id")


def approval_get(*, actor, approval_id: Any) -> ApprovalRequest:
    found = approval_list(actor=actor).filter(pk=_id(approval_id)).first()
    if found is None:
        raise NotFound
    return found


def approvals_awaiting_count(*, actor) -> int:
    return ApprovalRequest.objects.filter(
        approver=actor, status=ApprovalStatus.PENDING, deal__deleted_at__isnull=True
    ).count()
