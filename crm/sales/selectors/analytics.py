"""Reads of sales analytics: the forecast (weighted pipeline) and the figures of
closed deals — win rate, average deal size, sales-cycle time, conversion between
stages and time spent in each stage.

Everything is aggregated in the database, so the pages stay fast at 100 000 deals:
grouped counts and sums, and for medians a histogram of whole days per group (a few
hundred rows at most) from which the median is read. Day arithmetic is one small
expression (`DaysBetween`) written for SQLite and for PostgreSQL, because Django's
own emulation of date subtraction on SQLite calls Python for every row.

Every figure counts only the deals the actor may see (`core.visibility`): a sales
manager their own, a head of department their team's, an administrator all.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Lead, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core import visibility
from crm.core.errors import DomainError
from crm.sales.models import (
    Currency,
    Deal,
    DealStageChange,
    DealStatus,
    Pipeline,
    Stage,
    StageKind,
)

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
HUNDRED = Decimal(100)


class DaysBetween(Func):
    """Whole days elapsed from `start` to `end` (an integer, truncated).

    Dates count from their midnight in UTC on both databases. SQLite subtracts
    Julian day numbers (native, no Python per row); PostgreSQL takes the epoch of
    the interval between the two values as timestamps.
    """

    output_field = IntegerField()
    arity = 2

    def _operands(self, compiler) -> tuple[str, str, tuple]:
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return end_sql, start_sql, (*end_params, *start_params)

    def as_sql(  # type: ignore[override]
        self,
        compiler,
        connection,
        function=None,
        template=None,
        arg_joiner=None,
        **extra_context,
    ):
        end, start, params = self._operands(compiler)
        sql = (
            "CAST(TRUNC(EXTRACT(EPOCH FROM ("
            f"CAST({end} AS TIMESTAMP WITH TIME ZONE)"
            f" - CAST({start} AS TIMESTAMP WITH TIME ZONE)"
            ")) / 86400) AS INTEGER)"
        )
        return sql, params

    def as_sqlite(self, compiler, connection, **extra_context):
        end, start, params = self._operands(compiler)
        return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)", params


# --- small arithmetic over histograms ------------------------------------------------


def histogram_median(histogram: Mapping[int, int]) -> Decimal | None:
    """The median of values given as {value: how many times}; None when empty."""
    total = sum(histogram.values())
    if not total:
        return None
    wanted = {(total - 1) // 2, total // 2}
    found: list[int] = []
    seen = 0
    for value, count in sorted(histogram.items()):
        for index in sorted(wanted):
            if seen <= index < seen + count:
                found.append(value)
        seen += count
    return (Decimal(sum(found)) / len(found)).quantize(TENTH, rounding=ROUND_HALF_UP)


def histogram_mean(histogram: Mapping[int, int]) -> Decimal | None:
    total = sum(histogram.values())
    if not total:
        return None
    weighted = sum(value * count for value, count in histogram.items())
    return (Decimal(weighted) / total).quantize(TENTH, rounding=ROUND_HALF_UP)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / whole).quantize(TENTH, rounding=ROUND_HALF_UP)


def _merge(into: dict[int, int], histogram: Mapping[int, int]) -> None:
    for value, count in histogram.items():
        into[value] = into.get(value, 0) + count


# --- filters --------------------------------------------------------------------------

PERIODS = {
    "this-month": gettext_lazy("This month"),
    "last-month": gettext_lazy("Last month"),
    "this-quarter": gettext_lazy("This quarter"),
    "this-year": gettext_lazy("This year"),
    "last-12-months": gettext_lazy("Last 12 months"),
    "next-12-months": gettext_lazy("Next 12 months"),
}
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})?\.\.(\d{4}-\d{2}-\d{2})?$")


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_bounds(
    period: str | None, *, today: dt.date | None = None
) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day of a period, both included.

    A period is a name (`this-month`, `last-month`, `this-quarter`, `this-year`,
    `last-12-months`, `next-12-months`), a year (`2025`), a month (`2025-03`), a
    quarter (`2025-Q1`) or a range of dates (`2025-01-15..2025-02-15`, either end
    may be left out). Empty means all time.
    """
    text = (period or "").strip()
    if not text:
        return None, None
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    try:
        if text == "this-month":
            return month_start, _month_end(today.year, today.month)
        if text == "last-month":
            start = _add_months(month_start, -1)
            return start, month_start - dt.timedelta(days=1)
        if text == "this-quarter":
            start = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
            return start, _add_months(start, 3) - dt.timedelta(days=1)
        if text == "this-year":
            return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
        if text == "last-12-months":
            return _add_months(month_start, -11), _month_end(today.year, today.month)
        if text == "next-12-months":
            return month_start, _add_months(month_start, 12) - dt.timedelta(days=1)
        if match := _YEAR.match(text):
            year = int(match[1])
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if match := _MONTH.match(text):
            year, month = int(match[1]), int(match[2])
            return dt.date(year, month, 1), _month_end(year, month)
        if match := _QUARTER.match(text):
            start = dt.date(int(match[1]), (int(match[2]) - 1) * 3 + 1, 1)
            return start, _add_months(start, 3) - dt.timedelta(days=1)
        if match := _RANGE.match(text):
            first = dt.date.fromisoformat(match[1]) if match[1] else None
            last = dt.date.fromisoformat(match[2]) if match[2] else None
            if first and last and first > last:
                raise ValueError
            return first, last
    except ValueError:
        pass
    raise DomainError(
        _(
            "Enter a period: this-month, last-month, this-quarter, this-year, "
            "last-12-months, next-12-months, a year (2025), a month (2025-03), a "
            "quarter (2025-Q1) or dates (2025-01-15..2025-02-15)."
        ),
        field="period",
    )


@dataclass(frozen=True)
class AnalyticsFilters:
    """What the figures are narrowed to; dates are days, both ends included."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    pipeline: int | None = None
    team: int | None = None
    manager: int | None = None
    currency: str = Currency.RUB


def _id(value: Any, name: str) -> int | None:
    value = getattr(value, "pk", value)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number <= 0:
        raise DomainError(_("Choose a value from the list."), field=name)
    return number


def analytics_filters(
    *,
    period: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    pipeline: Any = None,
    team: Any = None,
    manager: Any = None,
    currency: str | None = None,
    today: dt.date | None = None,
) -> AnalyticsFilters:
    """Check the filters of the analytics pages and API; explicit dates win over
    the period's."""
    start, end = period_bounds(period, today=today)
    start = date_from or start
    end = date_to or end
    if start and end and start > end:
        raise DomainError(_("The period ends before it starts."), field="date_to")
    currency = (currency or Currency.RUB).upper()
    if currency not in Currency.values:
        raise DomainError(
            _("Choose one of: %(values)s.") % {"values": ", ".join(Currency.values)},
            field="currency",
        )
    return AnalyticsFilters(
        date_from=start,
        date_to=end,
        pipeline=_id(pipeline, "pipeline"),
        team=_id(team, "team"),
        manager=_id(manager, "manager"),
        currency=currency,
    )


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _within(prefix: str, filters: AnalyticsFilters) -> Q:
    """Moments (a datetime field) inside the period, in the user's time zone."""
    q = Q()
    if filters.date_from:
        q &= Q(**{f"{prefix}__gte": _day_start(filters.date_from)})
    if filters.date_to:
        end = _day_start(filters.date_to + dt.timedelta(days=1))
        q &= Q(**{f"{prefix}__lt": end})
    return q


def analytics_deals(*, actor, filters: AnalyticsFilters) -> QuerySet[Deal]:
    """Live deals the actor may see, narrowed to a pipeline, a team or a manager."""
    deals = visibility.visible(Deal.objects.all(), actor)
    if filters.pipeline:
        deals = deals.filter(pipeline_id=filters.pipeline)
    if filters.team:
        deals = deals.filter(owner__team_id=filters.team)
    if filters.manager:
        deals = deals.filter(owner_id=filters.manager)
    return deals.order_by()


def analytics_managers(*, actor) -> QuerySet:
    """The people whose figures the actor may see, for the manager filter."""
    users = get_user_model().objects.filter(is_active=True)
    scope = visibility.scope_of(actor, Deal.object_type)
    if scope == visibility.Scope.ALL:
        return users
    if scope == visibility.Scope.TEAM:
        return users.filter(pk__in=visibility.team_member_ids(actor))
    return users.filter(pk=actor.pk)


def _names(user_ids: Iterable[int]) -> dict[int, str]:
    ids = [pk for pk in set(user_ids) if pk is not None]
    if not ids:
        return {}
    return {user.pk: str(user) for user in get_user_model().objects.filter(pk__in=ids)}


# --- the forecast ---------------------------------------------------------------------


@dataclass
class ForecastRow:
    """Open deals of a month (or a manager): how many, their amount and the amount
    weighted by each deal's probability."""

    key: Any
    label: str
    deals: int = 0
    amount: Decimal = Decimal("0.00")
    weighted: Decimal = Decimal("0.00")


@dataclass
class Forecast:
    currency: str
    months: list[ForecastRow] = field(default_factory=list)
    managers: list[ForecastRow] = field(default_factory=list)
    total: ForecastRow = field(default_factory=lambda: ForecastRow(None, ""))


# Sum of amount × probability, divided by 100 once in Python: exact in Decimal.
_FORECAST_FIGURES = {
    "deals": Count("pk"),
    "amount_sum": Sum("amount"),
    "weighted_x100": Sum(
        F("amount") * F("probability"),
        output_field=DecimalField(max_digits=24, decimal_places=2),
    ),
}


def _forecast_row(key, label, row) -> ForecastRow:
    weighted = (row["weighted_x100"] or Decimal(0)) / HUNDRED
    return ForecastRow(
        key=key,
        label=label,
        deals=row["deals"],
        amount=(row["amount_sum"] or Decimal(0)).quantize(CENT),
        weighted=weighted.quantize(CENT, rounding=ROUND_HALF_UP),
    )


def deal_forecast(*, actor, filters: AnalyticsFilters) -> Forecast:
    """The weighted pipeline: open deals in the currency by month of their expected
    close date (deals without one last) and by manager.

    The period narrows the expected close date; without a period, every open deal
    counts, those without a date included. Three queries, whatever the number of
    deals.
    """
    deals = analytics_deals(actor=actor, filters=filters).filter(
        status=DealStatus.OPEN, currency=filters.currency
    )
    if filters.date_from:
        deals = deals.filter(expected_close_date__gte=filters.date_from)
    if filters.date_to:
        deals = deals.filter(expected_close_date__lte=filters.date_to)
    forecast = Forecast(currency=filters.currency)
    months = (
        deals.annotate(month=TruncMonth("expected_close_date"))
        .values("month")
        .annotate(**_FORECAST_FIGURES)
        .order_by(F("month").asc(nulls_last=True))
    )
    for month in months:
        forecast.months.append(_forecast_row(month["month"], "", month))
    by_manager = list(
        deals.values("owner").annotate(**_FORECAST_FIGURES).order_by("owner")
    )
    names = _names(row["owner"] for row in by_manager)
    forecast.managers = sorted(
        (
            _forecast_row(row["owner"], names.get(row["owner"], ""), row)
            for row in by_manager
        ),
        key=lambda r: (-r.weighted, r.label),
    )
    total = forecast.total
    for figures in forecast.months:
        total.deals += figures.deals
        total.amount += figures.amount
        total.weighted += figures.weighted
    return forecast


# --- closed deals: win rate, size, cycle -------------------------------------------------


@dataclass
class WinFigures:
    """Closed deals of a pipeline, a manager or all: won and lost, the win rate (%),
    the won amount in the currency and its average per won deal, and the sales
    cycle of won deals (whole days from creation to closing)."""

    key: Any
    label: str
    won: int = 0
    lost: int = 0
    won_amount: Decimal = Decimal("0.00")
    won_in_currency: int = 0
    cycle_histogram: dict[int, int] = field(default_factory=dict, repr=False)

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def win_rate(self) -> Decimal | None:
        return _percent(self.won, self.closed)

    @property
    def average_won(self) -> Decimal | None:
        if not self.won_in_currency:
            return None
        return (self.won_amount / self.won_in_currency).quantize(
            CENT, rounding=ROUND_HALF_UP
        )

    @property
    def cycle_median(self) -> Decimal | None:
        return histogram_median(self.cycle_histogram)

    @property
    def cycle_mean(self) -> Decimal | None:
        return histogram_mean(self.cycle_histogram)


@dataclass
class StageFigures:
    """A stage of a pipeline: of the deals opened in the period, how many reached it,
    went on to a later stage and were won; and how long deals stayed in it."""

    stage_id: int
    name: str
    pipeline_id: int
    pipeline: str
    position: int
    reached: int = 0
    moved_on: int = 0
    won: int = 0
    time_histogram: dict[int, int] = field(default_factory=dict, repr=False)

    @property
    def to_next(self) -> Decimal | None:
        return _percent(self.moved_on, self.reached)

    @property
    def to_won(self) -> Decimal | None:
        return _percent(self.won, self.reached)

    @property
    def stays(self) -> int:
        return sum(self.time_histogram.values())

    @property
    def time_median(self) -> Decimal | None:
        return histogram_median(self.time_histogram)

    @property
    def time_mean(self) -> Decimal | None:
        return histogram_mean(self.time_histogram)


@dataclass
class SalesAnalytics:
    currency: str
    total: WinFigures
    pipelines: list[WinFigures] = field(default_factory=list)
    managers: list[WinFigures] = field(default_factory=list)
    stages: list[StageFigures] = field(default_factory=list)


def _win_figures(closed: QuerySet, key: str, currency: str) -> dict[Any, WinFigures]:
    """Won/lost counts and won amounts per `key`, then the cycle histograms."""
    groups: dict[Any, WinFigures] = {}
    rows = (
        closed.values(key, "status")
        .annotate(
            n=Count("pk"),
            in_currency=Count("pk", filter=Q(currency=currency)),
            amount_sum=Sum("amount", filter=Q(currency=currency)),
        )
        .order_by()
    )
    for row in rows:
        figures = groups.setdefault(row[key], WinFigures(key=row[key], label=""))
        if row["status"] == DealStatus.WON:
            figures.won += row["n"]
            figures.won_in_currency += row["in_currency"]
            figures.won_amount += (row["amount_sum"] or Decimal(0)).quantize(CENT)
        else:
            figures.lost += row["n"]
    cycles = (
        closed.filter(status=DealStatus.WON)
        .annotate(days=DaysBetween(F("closed_at"), F("created_at")))
        .values(key, "days")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in cycles:
        histogram = groups[row[key]].cycle_histogram
        day = max(row["days"] or 0, 0)
        histogram[day] = histogram.get(day, 0) + row["n"]
    return groups


def _stage_funnel(
    deals: QuerySet, filters: AnalyticsFilters, stages: dict[int, StageFigures]
) -> None:
    """Reached / moved on / won per stage for the deals opened in the period.

    A deal reached every stage up to the furthest it ever entered (skipping a stage
    passes through it): the furthest position comes from the stage history, or the
    current stage; a lost stage does not count as progress.
    """
    furthest = (
        DealStageChange.objects.filter(deal=OuterRef("pk"))
        .exclude(to_stage__kind=StageKind.LOST)
        .order_by()
        .values("deal")
        .annotate(position=Max("to_stage__position"))
        .values("position")
    )
    cohort = deals.filter(_within("created_at", filters))
    rows = (
        cohort.annotate(
            history=Subquery(furthest, output_field=IntegerField()),
            current=Case(
                When(stage__kind=StageKind.LOST, then=Value(None)),
                default=F("stage__position"),
                output_field=IntegerField(),
            ),
        )
        .values("pipeline", "history", "current", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_pipeline: dict[int, list[StageFigures]] = {}
    for figures in stages.values():
        by_pipeline.setdefault(figures.pipeline_id, []).append(figures)
    for row in rows:
        reach = max(
            (p for p in (row["history"], row["current"]) if p is not None),
            default=None,
        )
        if reach is None:
            continue
        for figures in by_pipeline.get(row["pipeline"], []):
            if reach >= figures.position:
                figures.reached += row["n"]
                if row["status"] == DealStatus.WON:
                    figures.won += row["n"]
            if reach > figures.position:
                figures.moved_on += row["n"]


def _time_in_stages(
    deals: QuerySet, filters: AnalyticsFilters, stages: dict[int, StageFigures]
) -> None:
    """Whole days between entering a stage and the deal's next move, per stage.

    The next move comes from a window function (LEAD over each deal's history,
    ordered by time) in one pass over the history. Django cannot group by a window
    expression, so the ORM's query becomes a derived table and the grouping is plain
    SQL around it, which reads the same on SQLite and PostgreSQL. Stays still going
    (no next move) are not counted; the period narrows when the stay began.
    """
    history = (
        DealStageChange.objects.filter(deal__in=deals.values("pk"))
        .annotate(
            days=DaysBetween(
                Window(
                    Lead("changed_at"),
                    partition_by=[F("deal_id")],
                    order_by=[F("changed_at").asc(), F("id").asc()],
                ),
                F("changed_at"),
            )
        )
        .values("to_stage_id", "changed_at", "days")
        .order_by()
    )
    inner, params = history.query.sql_with_params()
    conditions = ["sub.days IS NOT NULL"]
    extra: list[Any] = []
    ops = connection.ops
    if filters.date_from:
        conditions.append("sub.changed_at >= %s")
        extra.append(ops.adapt_datetimefield_value(_day_start(filters.date_from)))
    if filters.date_to:
        conditions.append("sub.changed_at < %s")
        end = _day_start(filters.date_to + dt.timedelta(days=1))
        extra.append(ops.adapt_datetimefield_value(end))
    sql = (
        f"SELECT sub.to_stage_id, sub.days, COUNT(*) FROM ({inner}) sub "  # noqa: S608
        f"WHERE {' AND '.join(conditions)} GROUP BY sub.to_stage_id, sub.days"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, *extra))
        for stage_id, days, count in cursor.fetchall():
            figures = stages.get(stage_id)
            if figures is None:
                continue
            day = max(int(days), 0)
            figures.time_histogram[day] = figures.time_histogram.get(day, 0) + count


def sales_analytics(*, actor, filters: AnalyticsFilters) -> SalesAnalytics:
    """Win rate, average won deal, sales cycle per pipeline and manager; conversion
    and time per stage.

    Won/lost figures count the deals closed in the period (all, without one); the
    average size and won amounts only those in the chosen currency. Conversion
    follows the deals opened in the period through the stage history; time in stage
    counts the stays that began in it. A fixed number of queries (nine).
    """
    deals = analytics_deals(actor=actor, filters=filters)
    closed = deals.filter(
        Q(status__in=(DealStatus.WON, DealStatus.LOST)) & _within("closed_at", filters)
    )
    pipeline_rows = Pipeline.objects.all()
    if filters.pipeline:
        pipeline_rows = pipeline_rows.filter(pk=filters.pipeline)
    pipelines = {pipeline.pk: pipeline.name for pipeline in pipeline_rows}
    by_pipeline = _win_figures(closed, "pipeline", filters.currency)
    by_manager = _win_figures(closed, "owner", filters.currency)
    names = _names(by_manager)
    total = WinFigures(key=None, label=_("All deals"))
    for key, figures in by_pipeline.items():
        figures.label = pipelines.get(key, "")
        total.won += figures.won
        total.lost += figures.lost
        total.won_amount += figures.won_amount
        total.won_in_currency += figures.won_in_currency
        _merge(total.cycle_histogram, figures.cycle_histogram)
    for key, figures in by_manager.items():
        figures.label = names.get(key, "")
    stages = {
        stage.pk: StageFigures(
            stage_id=stage.pk,
            name=stage.name,
            pipeline_id=stage.pipeline_id,
            pipeline=pipelines.get(stage.pipeline_id, ""),
            position=stage.position,
        )
        for stage in Stage.objects.filter(
            pipeline_id__in=list(pipelines), kind=StageKind.OPEN
        ).order_by("pipeline__position", "pipeline_id", "position", "id")
    }
    _stage_funnel(deals, filters, stages)
    _time_in_stages(deals, filters, stages)
    return SalesAnalytics(
        currency=filters.currency,
        total=total,
        pipelines=sorted(by_pipeline.values(), key=lambda f: f.label),
        managers=sorted(by_manager.values(), key=lambda f: (-f.won, f.label)),
        stages=list(stages.values()),
    )
