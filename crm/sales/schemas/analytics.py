"""API schemas of sales analytics: the forecast and the figures of closed deals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class AnalyticsQuery(Schema):
    period: str | None = Field(
        None,
        description=(
            "this-month, last-month, this-quarter, this-year, last-12-months, "
            "next-12-months, a year (2025), a month (2025-03), a quarter (2025-Q1) "
            "or dates (2025-01-15..2025-02-15); all time when absent."
        ),
    )
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    pipeline: int | None = None
    team: int | None = None
    manager: int | None = None
    currency: str | None = Field(None, description="RUB when absent.")


class ForecastMonthOut(Schema):
    month: str | None = Field(..., description="YYYY-MM; null: no expected date.")
    deals: int
    amount: Decimal
    weighted: Decimal


class ForecastManagerOut(Schema):
    manager_id: int
    manager: str
    deals: int
    amount: Decimal
    weighted: Decimal


class ForecastOut(Schema):
    currency: str
    date_from: dt.date | None
    date_to: dt.date | None
    deals: int
    amount: Decimal
    weighted: Decimal
    months: list[ForecastMonthOut]
    managers: list[ForecastManagerOut]


class WinFiguresOut(Schema):
    won: int
    lost: int
    win_rate: Decimal | None = Field(..., description="Won of closed, %.")
    won_amount: Decimal
    average_won: Decimal | None
    cycle_median_days: Decimal | None
    cycle_mean_days: Decimal | None


class PipelineFiguresOut(WinFiguresOut):
    pipeline_id: int
    pipeline: str


class ManagerFiguresOut(WinFiguresOut):
    manager_id: int
    manager: str


class StageFiguresOut(Schema):
    stage_id: int
    stage: str
    pipeline_id: int
    reached: int
    moved_on: int
    won: int
    to_next: Decimal | None = Field(..., description="Went on to a later stage, %.")
    to_won: Decimal | None = Field(..., description="Were won, %.")
    stays: int
    time_median_days: Decimal | None
    time_mean_days: Decimal | None


class SalesAnalyticsOut(Schema):
    currency: str
    date_from: dt.date | None
    date_to: dt.date | None
    total: WinFiguresOut
    pipelines: list[PipelineFiguresOut]
    managers: list[ManagerFiguresOut]
    stages: list[StageFiguresOut]
