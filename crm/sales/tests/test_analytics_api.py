import datetime as dt
from decimal import Decimal

import pytest

from crm.sales.tests.factories import DealFactory
from crm.sales.tests.factories_playbooks import at, closed_deal


@pytest.fixture
def deals(manager, other_manager):
    DealFactory(
        owner=manager,
        amount=Decimal("100000"),
        probability=10,
        expected_close_date=dt.date(2025, 3, 15),
    )
    DealFactory(
        owner=other_manager,
        amount=Decimal("70000"),
        probability=20,
        expected_close_date=dt.date(2025, 4, 10),
    )
    DealFactory(owner=manager, amount=Decimal("30000"), probability=80)
    closed_deal(
        owner=manager,
        won=True,
        amount=Decimal("50000"),
        created=at(dt.date(2025, 1, 10)),
        closed=at(dt.date(2025, 1, 20)),
    )
    closed_deal(
        owner=other_manager,
        won=False,
        created=at(dt.date(2025, 1, 11)),
        closed=at(dt.date(2025, 1, 12)),
    )


def test_the_forecast_by_month_and_manager(
    api_client, admin_user, manager, deals, django_assert_max_num_queries
):
    api = api_client(admin_user)

    with django_assert_max_num_queries(6):
        response = api.get("/forecast")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["currency"], body["deals"], body["amount"], body["weighted"]) == (
        "RUB",
        3,
        "200000.00",
        "48000.00",
    )
    assert body["months"] == [
        {"month": "2025-03", "deals": 1, "amount": "100000.00", "weighted": "10000.00"},
        {"month": "2025-04", "deals": 1, "amount": "70000.00", "weighted": "14000.00"},
        {"month": None, "deals": 1, "amount": "30000.00", "weighted": "24000.00"},
    ]
    assert body["managers"][0] == {
        "manager_id": manager.pk,
        "manager": "Иван Петров",
        "deals": 2,
        "amount": "130000.00",
        "weighted": "34000.00",
    }


def test_the_forecast_filters_and_visibility(api_client, manager, other_manager, deals):
    api = api_client(manager)

    mine = api.get("/forecast").json()
    march = api.get("/forecast", {"period": "2025-03"}).json()
    theirs = api.get("/forecast", {"manager": other_manager.pk}).json()

    assert [m["manager_id"] for m in mine["managers"]] == [manager.pk]
    assert (march["date_from"], march["date_to"], march["deals"]) == (
        "2025-03-01",
        "2025-03-31",
        1,
    )
    assert theirs["deals"] == 0


def test_bad_filters_are_422_naming_the_field(api_client, manager):
    api = api_client(manager)

    period = api.get("/forecast", {"period": "вчера"})
    currency = api.get("/analytics/sales", {"currency": "XXX"})
    pipeline = api.get("/analytics/sales", {"pipeline": "много"})

    assert period.status_code == 422
    assert period.json()["detail"][0]["loc"] == ["body", "period"]
    assert currency.status_code == 422
    assert currency.json()["detail"][0]["loc"] == ["body", "currency"]
    assert pipeline.status_code == 422


def test_the_sales_figures(api_client, admin_user, manager, deals):
    body = api_client(admin_user).get("/analytics/sales", {"period": "2025-01"}).json()

    assert body["total"] == {
        "won": 1,
        "lost": 1,
        "win_rate": "50.0",
        "won_amount": "50000.00",
        "average_won": "50000.00",
        "cycle_median_days": "10.0",
        "cycle_mean_days": "10.0",
    }
    assert body["pipelines"][0]["pipeline"] == "Продажи"
    assert [(m["manager_id"], m["win_rate"]) for m in body["managers"]] == [
        (manager.pk, "100.0"),
        (body["managers"][1]["manager_id"], "0.0"),
    ]
    first = body["stages"][0]
    assert (first["stage"], first["reached"], first["moved_on"], first["won"]) == (
        "Первичный контакт",
        2,
        1,
        1,
    )
    assert (first["stays"], first["time_median_days"]) == (2, "5.5")


def test_a_manager_gets_figures_of_their_own_deals(api_client, manager, deals):
    body = api_client(manager).get("/analytics/sales").json()

    assert (body["total"]["won"], body["total"]["lost"]) == (1, 0)
    assert [m["manager_id"] for m in body["managers"]] == [manager.pk]


def test_the_openapi_schema_lists_the_analytics_operations(api_client, manager):
    paths = api_client(manager).get("/openapi.json").json()["paths"]

    assert paths["/api/v1/forecast"]["get"]["operationId"] == "deal_forecast"
    assert paths["/api/v1/analytics/sales"]["get"]["operationId"] == "sales_analytics"
    parameters = {p["name"] for p in paths["/api/v1/forecast"]["get"]["parameters"]}
    assert {"period", "pipeline", "team", "manager", "currency"} <= parameters
