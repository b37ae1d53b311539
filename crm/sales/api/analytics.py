"""API routes of sales analytics: the forecast and the figures of closed deals,
the same the pages show."""

from __future__ import annotations

from ninja import Query, Router

from crm.sales.schemas.analytics import (
    AnalyticsQuery,
    ForecastOut,
    SalesAnalyticsOut,
)
from crm.sales.selectors.analytics import (
    AnalyticsFilters,
    WinFigures,
    analytics_filters,
    deal_forecast,
    sales_analytics,
)

router = Router(tags=["analytics"])


def _filters(query: AnalyticsQuery) -> AnalyticsFilters:
    return analytics_filters(**query.dict())


def _win(figures: WinFigures) -> dict:
    return {
        "won": figures.won,
        "lost": figures.lost,
        "win_rate": figures.win_rate,
        "won_amount": figures.won_amount,
        "average_won": figures.average_won,
        "cycle_median_days": figures.cycle_median,
        "cycle_mean_days": figures.cycle_mean,
    }


@router.get("/forecast", response=ForecastOut, operation_id="deal_forecast")
def forecast(request, query: Query[AnalyticsQuery]):
    """The weighted pipeline of open deals by month of expected close and by
    manager; the period narrows the expected close date."""
    filters = _filters(query)
    result = deal_forecast(actor=request.user, filters=filters)
    return {
        "currency": result.currency,
        "date_from": filters.date_from,
        "date_to": filters.date_to,
        "deals": result.total.deals,
        "amount": result.total.amount,
        "weighted": result.total.weighted,
        "months": [
            {
                "month": row.key.strftime("%Y-%m") if row.key else None,
                "deals": row.deals,
                "amount": row.amount,
                "weighted": row.weighted,
            }
            for row in result.months
        ],
        "managers": [
            {
                "manager_id": row.key,
                "manager": row.label,
                "deals": row.deals,
                "amount": row.amount,
                "weighted": row.weighted,
            }
            for row in result.managers
        ],
    }


@router.get(
    "/analytics/sales", response=SalesAnalyticsOut, operation_id="sales_analytics"
)
def sales(request, query: Query[AnalyticsQuery]):
    """Win rate, average won deal and sales cycle per pipeline and manager;
    conversion and time spent per stage."""
    filters = _filters(query)
    result = sales_analytics(actor=request.user, filters=filters)
    return {
        "currency": result.currency,
        "date_from": filters.date_from,
        "date_to": filters.date_to,
        "total": _win(result.total),
        "pipelines": [
            {**_win(f), "pipeline_id": f.key, "pipeline": f.label}
            for f in result.pipelines
        ],
        "managers": [
            {**_win(f), "manager_id": f.key, "manager": f.label}
            for f in result.managers
        ],
        "stages": [
            {
                "stage_id": s.stage_id,
                "stage": s.name,
                "pipeline_id": s.pipeline_id,
                "reached": s.reached,
                "moved_on": s.moved_on,
                "won": s.won,
                "to_next": s.to_next,
                "to_won": s.to_won,
                "stays": s.stays,
                "time_median_days": s.time_median,
                "time_mean_days": s.time_mean,
            }
            for s in result.stages
        ],
    }
