"""Factories of typical sales models, deals' plans and closed deals for the tests of
playbooks and analytics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from crm.sales.models import (
    Deal,
    DealPlanStep,
    DealStageChange,
    DealStatus,
    SalesModel,
    SalesModelStep,
    Stage,
    StageKind,
)
from crm.sales.tests.factories import DealFactory


class SalesModelFactory(DjangoModelFactory):
    class Meta:
        model = SalesModel

    name = factory.Sequence(lambda n: f"Типовая продажа {n}")


class SalesModelStepFactory(DjangoModelFactory):
    class Meta:
        model = SalesModelStep

    model = factory.SubFactory(SalesModelFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Шаг {n}")
    offset_days = 0
    is_required = True


class DealPlanStepFactory(DjangoModelFactory):
    """A step of a deal's plan without a task (pass `deal` and `responsible`)."""

    class Meta:
        model = DealPlanStep

    title = factory.Sequence(lambda n: f"Шаг плана {n}")
    due_date = factory.LazyFunction(timezone.localdate)
    position = factory.Sequence(lambda n: n + 1)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    """A moment of a day in the site's time zone."""
    return dt.datetime.combine(
        day, dt.time(hour, 0), tzinfo=timezone.get_current_timezone()
    )


def stage_of(pipeline, kind: str = StageKind.OPEN, position: int | None = None):
    stages = Stage.objects.filter(pipeline=pipeline, kind=kind).order_by("position")
    if position is not None:
        stages = stages.filter(position=position)
    return stages.first()


def closed_deal(
    *,
    owner,
    won: bool,
    created: dt.datetime,
    closed: dt.datetime,
    amount: Decimal = Decimal("0"),
    path: list | None = None,
    **fields,
) -> Deal:
    """A won or lost deal created and closed at the given moments, with its stage
    history: creation in the first stage of `path` (the deal's first open stage by
    default), then each further stage of `path` as (stage, moment), then the close."""
    deal = DealFactory(owner=owner, amount=amount, created_at=created, **fields)
    first = deal.stage
    moves = list(path or [])
    if moves and not isinstance(moves[0], tuple):
        first = moves.pop(0)
    kind = StageKind.WON if won else StageKind.LOST
    final = stage_of(deal.pipeline, kind)
    DealStageChange.objects.create(deal=deal, to_stage=first, changed_at=created)
    previous = first
    for stage, moment in moves:
        DealStageChange.objects.create(
            deal=deal, from_stage=previous, to_stage=stage, changed_at=moment
        )
        previous = stage
    DealStageChange.objects.create(
        deal=deal, from_stage=previous, to_stage=final, changed_at=closed
    )
    Deal.all_objects.filter(pk=deal.pk).update(
        stage=final,
        status=DealStatus.WON if won else DealStatus.LOST,
        closed_at=closed,
        probability=final.probability,
        created_at=created,
    )
    deal.refresh_from_db()
    return deal
