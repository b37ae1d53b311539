import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import F

from crm.core.errors import DomainError
from crm.sales.models import Deal, DealStageChange, DealStatus
from crm.sales.selectors.analytics import (
    DaysBetween,
    analytics_filters,
    deal_forecast,
    histogram_mean,
    histogram_median,
    period_bounds,
    sales_analytics,
)
from crm.sales.tests.factories import DealFactory, default_pipeline
from crm.sales.tests.factories_playbooks import at, closed_deal, stage_of

ALL = analytics_filters()


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# --- arithmetic -------------------------------------------------------------------------


def test_histogram_median_and_mean():
    assert histogram_median({}) is None
    assert histogram_median({5: 1}) == Decimal("5.0")
    assert histogram_median({1: 1, 2: 1, 3: 2, 10: 1}) == Decimal("3.0")
    assert histogram_median({4: 1, 10: 1}) == Decimal("7.0")
    assert histogram_median({3: 1, 4: 1}) == Decimal("3.5")
    assert histogram_mean({4: 1, 10: 1, 30: 1}) == Decimal("14.7")


def test_days_between_counts_whole_days_elapsed(manager):
    deal = DealFactory(owner=manager, created_at=at(d("2025-03-01"), hour=12))
    Deal.all_objects.filter(pk=deal.pk).update(
        closed_at=at(d("2025-03-11"), hour=11), expected_close_date=d("2025-03-04")
    )

    row = (
        Deal.objects.filter(pk=deal.pk)
        .annotate(
            # One hour short of ten days is nine whole days.
            cycle=DaysBetween(F("closed_at"), F("created_at")),
            # A date counts from its midnight (UTC): 12:00 Moscow on 1 March is
            # 09:00 UTC, so until 4 March 00:00 two whole days and 15 hours.
            to_date=DaysBetween(F("expected_close_date"), F("created_at")),
        )
        .values("cycle", "to_date")
        .get()
    )

    assert row == {"cycle": 9, "to_date": 2}


@pytest.mark.parametrize(
    ("period", "bounds"),
    [
        ("", (None, None)),
        ("2025", ("2025-01-01", "2025-12-31")),
        ("2024-02", ("2024-02-01", "2024-02-29")),
        ("2025-q4", ("2025-10-01", "2025-12-31")),
        ("this-month", ("2025-03-01", "2025-03-31")),
        ("last-month", ("2025-02-01", "2025-02-28")),
        ("this-quarter", ("2025-01-01", "2025-03-31")),
        ("this-year", ("2025-01-01", "2025-12-31")),
        ("last-12-months", ("2024-04-01", "2025-03-31")),
        ("next-12-months", ("2025-03-01", "2026-02-28")),
        ("2025-01-15..2025-02-15", ("2025-01-15", "2025-02-15")),
        ("..2025-02-15", (None, "2025-02-15")),
    ],
)
def test_period_bounds(period, bounds):
    start, end = period_bounds(period, today=d("2025-03-10"))

    expected = tuple(d(b) if b else None for b in bounds)
    assert (start, end) == expected


@pytest.mark.parametrize(
    "period", ["2025-13", "прошлый год", "2025-02-30..", "2025-03-01..2025-02-01"]
)
def test_a_bad_period_names_the_field(period):
    with pytest.raises(DomainError) as error:
        period_bounds(period)

    assert error.value.field == "period"


def test_bad_filters_name_their_field():
    for kwargs, name in (
        ({"currency": "XYZ"}, "currency"),
        ({"pipeline": "abc"}, "pipeline"),
        ({"manager": -1}, "manager"),
        ({"date_from": d("2025-03-02"), "date_to": d("2025-03-01")}, "date_to"),
    ):
        with pytest.raises(DomainError) as error:
            analytics_filters(**kwargs)
        assert error.value.field == name


# --- the forecast -----------------------------------------------------------------------


@pytest.fixture
def open_deals(manager, other_manager):
    def deal(owner, amount, probability, expected, **fields):
        return DealFactory(
            owner=owner,
            amount=Decimal(amount),
            probability=probability,
            expected_close_date=d(expected) if expected else None,
            **fields,
        )

    deal(manager, "100000", 10, "2025-03-15")
    deal(manager, "200000.50", 40, "2025-03-31")
    deal(manager, "50000", 60, "2025-05-02")
    deal(manager, "30000", 80, None)
    deal(other_manager, "70000", 20, "2025-04-10")
    # Neither a won deal, a deal in dollars nor a deal in the trash is forecast.
    deal(manager, "999999", 100, "2025-03-20", status=DealStatus.WON)
    deal(manager, "5000", 50, "2025-03-20", currency="USD")
    deal(manager, "7777", 50, "2025-03-20", deleted_at=at(d("2025-03-01")))


def _months(forecast):
    return [
        (
            row.key.strftime("%Y-%m") if row.key else None,
            row.deals,
            row.amount,
            row.weighted,
        )
        for row in forecast.months
    ]


def test_the_forecast_weights_open_deals_by_month_and_manager(
    admin_user, manager, other_manager, open_deals
):
    forecast = deal_forecast(actor=admin_user, filters=ALL)

    assert _months(forecast) == [
        ("2025-03", 2, Decimal("300000.50"), Decimal("90000.20")),
        ("2025-04", 1, Decimal("70000.00"), Decimal("14000.00")),
        ("2025-05", 1, Decimal("50000.00"), Decimal("30000.00")),
        (None, 1, Decimal("30000.00"), Decimal("24000.00")),
    ]
    assert [(r.key, r.deals, r.amount, r.weighted) for r in forecast.managers] == [
        (manager.pk, 4, Decimal("380000.50"), Decimal("144000.20")),
        (other_manager.pk, 1, Decimal("70000.00"), Decimal("14000.00")),
    ]
    assert forecast.managers[0].label == "Иван Петров"
    total = forecast.total
    assert (total.deals, total.amount, total.weighted) == (
        5,
        Decimal("450000.50"),
        Decimal("158000.20"),
    )


def test_a_manager_forecasts_only_their_own_deals(manager, open_deals):
    forecast = deal_forecast(actor=manager, filters=ALL)

    assert [row.key for row in forecast.managers] == [manager.pk]
    assert forecast.total.weighted == Decimal("144000.20")


def test_a_period_narrows_the_expected_close_date(admin_user, open_deals):
    forecast = deal_forecast(
        actor=admin_user, filters=analytics_filters(period="2025-03")
    )

    assert _months(forecast) == [
        ("2025-03", 2, Decimal("300000.50"), Decimal("90000.20"))
    ]


def test_filters_by_manager_and_currency(admin_user, other_manager, open_deals):
    theirs = deal_forecast(
        actor=admin_user, filters=analytics_filters(manager=other_manager.pk)
    )
    dollars = deal_forecast(actor=admin_user, filters=analytics_filters(currency="usd"))

    assert theirs.total.amount == Decimal("70000.00")
    assert (dollars.currency, dollars.total.weighted) == ("USD", Decimal("2500.00"))


def test_filters_by_team_and_pipeline(admin_user, team, open_deals):
    from crm.accounts.models import Team
    from crm.sales.tests.factories import PipelineFactory

    ours = deal_forecast(actor=admin_user, filters=analytics_filters(team=team.pk))
    branch = Team.objects.create(name="Филиал")
    theirs = deal_forecast(actor=admin_user, filters=analytics_filters(team=branch))
    other_pipeline = deal_forecast(
        actor=admin_user, filters=analytics_filters(pipeline=PipelineFactory())
    )

    assert ours.total.deals == 5
    assert theirs.total.deals == 0
    assert other_pipeline.total.deals == 0


def test_the_weighted_amount_is_rounded_once_per_row(admin_user, manager):
    for amount in ("333.33", "0.01"):
        DealFactory(
            owner=manager,
            amount=Decimal(amount),
            probability=33,
            expected_close_date=d("2025-06-01"),
        )

    forecast = deal_forecast(actor=admin_user, filters=ALL)

    # (333.33 + 0.01) × 33 % = 110.0022: rounded once, not per deal (110.00 + 0.00).
    assert forecast.total.weighted == Decimal("110.00")
    assert forecast.total.amount == Decimal("333.34")


def test_the_forecast_takes_three_queries(
    admin_user, open_deals, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        deal_forecast(actor=admin_user, filters=ALL)


# --- closed deals -----------------------------------------------------------------------


@pytest.fixture
def closed(manager, other_manager):
    pipeline = default_pipeline()
    s = {n: stage_of(pipeline, position=n) for n in range(5)}

    def won(owner, amount, created, closed_on, path, **fields):
        return closed_deal(
            owner=owner,
            won=True,
            amount=Decimal(amount),
            created=at(d(created)),
            closed=at(d(closed_on)),
            path=[(s[n], at(d(when))) for n, when in path],
            **fields,
        )

    def lost(owner, created, closed_on, path):
        return closed_deal(
            owner=owner,
            won=False,
            created=at(d(created)),
            closed=at(d(closed_on)),
            path=[(s[n], at(d(when))) for n, when in path],
        )

    won(
        manager,
        "100000",
        "2025-01-10",
        "2025-01-20",
        [(2, "2025-01-13"), (4, "2025-01-18")],
    )
    won(manager, "50000", "2025-02-01", "2025-02-05", [(1, "2025-02-02")])
    lost(manager, "2025-01-05", "2025-01-25", [(2, "2025-01-08")])
    won(other_manager, "30000", "2025-03-01", "2025-03-31", [(3, "2025-03-11")])
    lost(other_manager, "2025-03-02", "2025-03-05", [])
    still_open = DealFactory(owner=manager, stage=s[1], created_at=at(d("2025-02-10")))
    DealStageChange.objects.create(
        deal=still_open, to_stage=s[0], changed_at=at(d("2025-02-10"))
    )
    DealStageChange.objects.create(
        deal=still_open, from_stage=s[0], to_stage=s[1], changed_at=at(d("2025-02-12"))
    )
    return pipeline


def _win(figures):
    return (
        figures.won,
        figures.lost,
        figures.win_rate,
        figures.won_amount,
        figures.average_won,
        figures.cycle_median,
        figures.cycle_mean,
    )


def _stages(figures):
    return [
        (
            s.position,
            s.reached,
            s.moved_on,
            s.to_next,
            s.won,
            s.to_won,
            s.stays,
            s.time_median,
            s.time_mean,
        )
        for s in figures.stages
    ]


def test_win_rate_size_and_cycle_per_pipeline_and_manager(
    admin_user, manager, other_manager, closed
):
    figures = sales_analytics(actor=admin_user, filters=ALL)

    assert _win(figures.total) == (
        3,
        2,
        Decimal("60.0"),
        Decimal("180000.00"),
        Decimal("60000.00"),
        Decimal("10.0"),
        Decimal("14.7"),
    )
    assert [(f.label, _win(f)) for f in figures.pipelines] == [
        ("Продажи", _win(figures.total))
    ]
    assert [(f.key, _win(f)) for f in figures.managers] == [
        (
            manager.pk,
            (
                2,
                1,
                Decimal("66.7"),
                Decimal("150000.00"),
                Decimal("75000.00"),
                Decimal("7.0"),
                Decimal("7.0"),
            ),
        ),
        (
            other_manager.pk,
            (
                1,
                1,
                Decimal("50.0"),
                Decimal("30000.00"),
                Decimal("30000.00"),
                Decimal("30.0"),
                Decimal("30.0"),
            ),
        ),
    ]


def test_conversion_and_time_in_each_stage(admin_user, closed):
    figures = sales_analytics(actor=admin_user, filters=ALL)

    assert _stages(figures) == [
        (
            0,
            6,
            5,
            Decimal("83.3"),
            3,
            Decimal("50.0"),
            6,
            Decimal("3.0"),
            Decimal("3.7"),
        ),
        (
            1,
            5,
            4,
            Decimal("80.0"),
            3,
            Decimal("60.0"),
            1,
            Decimal("3.0"),
            Decimal("3.0"),
        ),
        (
            2,
            4,
            3,
            Decimal("75.0"),
            3,
            Decimal("75.0"),
            2,
            Decimal("11.0"),
            Decimal("11.0"),
        ),
        (
            3,
            3,
            3,
            Decimal("100.0"),
            3,
            Decimal("100.0"),
            1,
            Decimal("20.0"),
            Decimal("20.0"),
        ),
        (
            4,
            3,
            3,
            Decimal("100.0"),
            3,
            Decimal("100.0"),
            1,
            Decimal("2.0"),
            Decimal("2.0"),
        ),
    ]


def test_a_period_narrows_closings_openings_and_stays(admin_user, closed):
    figures = sales_analytics(
        actor=admin_user, filters=analytics_filters(period="2025-01")
    )

    assert _win(figures.total) == (
        1,
        1,
        Decimal("50.0"),
        Decimal("100000.00"),
        Decimal("100000.00"),
        Decimal("10.0"),
        Decimal("10.0"),
    )
    stages = _stages(figures)
    assert stages[0][:3] == (0, 2, 2)
    assert stages[0][6:] == (2, Decimal("3.0"), Decimal("3.0"))
    assert stages[2][6:] == (2, Decimal("11.0"), Decimal("11.0"))
    assert stages[1][6] == 0


def test_a_manager_sees_figures_of_their_own_deals(manager, closed):
    figures = sales_analytics(actor=manager, filters=ALL)

    assert (figures.total.won, figures.total.lost) == (2, 1)
    assert [f.key for f in figures.managers] == [manager.pk]
    assert figures.stages[0].reached == 4
    assert figures.stages[0].stays == 4


def test_a_head_sees_the_team_and_others_see_nothing(make_user, team, closed):
    head = make_user(role="head", team=team)
    outsider = make_user(role="head")

    assert sales_analytics(actor=head, filters=ALL).total.closed == 5
    nothing = sales_analytics(actor=outsider, filters=ALL)
    assert nothing.total.closed == 0
    assert nothing.total.win_rate is None
    assert all(s.reached == 0 and s.stays == 0 for s in nothing.stages)


def test_won_deals_in_another_currency_count_but_not_in_amounts(
    admin_user, manager, closed
):
    closed_deal(
        owner=manager,
        won=True,
        amount=Decimal("1000"),
        currency="USD",
        created=at(d("2025-02-01")),
        closed=at(d("2025-02-03")),
    )

    total = sales_analytics(actor=admin_user, filters=ALL).total

    assert (total.won, total.won_amount, total.average_won) == (
        4,
        Decimal("180000.00"),
        Decimal("60000.00"),
    )


def test_sales_analytics_take_a_fixed_number_of_queries(
    admin_user, closed, django_assert_max_num_queries
):
    with django_assert_max_num_queries(9):
        sales_analytics(actor=admin_user, filters=ALL)
