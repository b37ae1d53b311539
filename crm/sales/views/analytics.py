"""Pages of sales analytics: the forecast (weighted pipeline) and the figures of
closed deals, each a chart beside its table, with filters by period, pipeline, team,
manager and currency. The figures come from the selectors the API uses."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from crm.core import registry
from crm.core.errors import DomainError
from crm.core.forms import apply_domain_error
from crm.sales.forms.analytics import AnalyticsFilterForm
from crm.sales.selectors.analytics import (
    AnalyticsFilters,
    analytics_filters,
    analytics_managers,
    deal_forecast,
    sales_analytics,
)


def _filters(request) -> tuple[AnalyticsFilterForm, AnalyticsFilters]:
    """The filter form and what it filters; a refused value filters nothing and is
    shown on its field."""
    form = AnalyticsFilterForm(
        request.GET or None, managers=analytics_managers(actor=request.user)
    )
    values = form.values() if request.GET else {}
    try:
        filters = analytics_filters(**values)
    except DomainError as error:
        apply_domain_error(form, error)
        filters = analytics_filters()
    return form, filters


def _number(value) -> str | None:
    # The Decimal's exact text: Chart.js reads numeric strings; None leaves a gap.
    return None if value is None else str(value)


def _chart(kind: str, labels: list, datasets: list[tuple[str, list]], **options):
    return {
        "type": kind,
        "labels": [str(label) for label in labels],
        "datasets": [
            {"label": str(label), "data": [_number(v) for v in values]}
            for label, values in datasets
        ],
        **options,
    }


@require_GET
@login_required
def analytics_home(request):
    return redirect("sales:analytics-sales")


@require_GET
@login_required
def forecast_page(request):
    form, filters = _filters(request)
    forecast = deal_forecast(actor=request.user, filters=filters)
    no_date = _("No expected date")
    month_labels = [
        formats.date_format(row.key, "YEAR_MONTH_FORMAT") if row.key else no_date
        for row in forecast.months
    ]
    charts = {
        "months": _chart(
            "bar",
            month_labels,
            [
                (_("Amount"), [row.amount for row in forecast.months]),
                (_("Weighted"), [row.weighted for row in forecast.months]),
            ],
        ),
        "managers": _chart(
            "bar",
            [row.label for row in forecast.managers],
            [
                (_("Amount"), [row.amount for row in forecast.managers]),
                (_("Weighted"), [row.weighted for row in forecast.managers]),
            ],
            horizontal=True,
        ),
    }
    return render(
        request,
        "sales/analytics/forecast.html",
        {
            "form": form,
            "filters": filters,
            "forecast": forecast,
            "months": list(zip(month_labels, forecast.months, strict=True)),
            "charts": charts,
            "tab": "forecast",
        },
    )


@require_GET
@login_required
def sales_page(request):
    form, filters = _filters(request)
    figures = sales_analytics(actor=request.user, filters=filters)
    stage_labels = [
        f"{stage.pipeline}: {stage.name}" if not filters.pipeline else stage.name
        for stage in figures.stages
    ]
    charts = {
        "managers": _chart(
            "bar",
            [row.label for row in figures.managers],
            [(_("Win rate, %"), [row.win_rate for row in figures.managers])],
        ),
        "conversion": _chart(
            "bar",
            stage_labels,
            [
                (_("To the next stage, %"), [s.to_next for s in figures.stages]),
                (_("To won, %"), [s.to_won for s in figures.stages]),
            ],
        ),
        "time": _chart(
            "bar",
            stage_labels,
            [
                (_("Median, days"), [s.time_median for s in figures.stages]),
                (_("Mean, days"), [s.time_mean for s in figures.stages]),
            ],
        ),
    }
    return render(
        request,
        "sales/analytics/sales.html",
        {
            "form": form,
            "filters": filters,
            "figures": figures,
            "stages": list(zip(stage_labels, figures.stages, strict=True)),
            "charts": charts,
            "tab": "sales",
        },
    )


def register() -> None:
    """Register the navigation item of the analytics pages."""
    registry.register_nav(
        registry.NavItem(
            key="sales-analytics",
            label=gettext_lazy("Analytics"),
            url_name="sales:analytics",
            icon="graph-up",
            order=48,
            more=True,
        )
    )
