import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.utils import translation

from crm.sales.tests.factories import DealFactory
from crm.sales.tests.factories_playbooks import at, closed_deal


@pytest.fixture
def deals(manager, other_manager):
    DealFactory(
        owner=manager,
        amount=Decimal("1234567.50"),
        probability=40,
        expected_close_date=dt.date(2025, 3, 15),
    )
    DealFactory(
        owner=other_manager,
        amount=Decimal("1000"),
        probability=50,
        expected_close_date=dt.date(2025, 4, 1),
    )
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


def _chart(page: str, name: str) -> dict:
    match = re.search(
        rf'<script id="{name}" type="application/json">(.*?)</script>', page, re.S
    )
    assert match, name
    return json.loads(match.group(1))


def test_the_forecast_page_shows_charts_and_tables(
    client, admin_user, deals, django_assert_max_num_queries
):
    client.force_login(admin_user)

    with django_assert_max_num_queries(12):
        response = client.get("/analytics/forecast/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "chart.umd.min.js" in page
    months = _chart(page, "chart-months")
    assert months["type"] == "bar"
    assert months["labels"] == ["March 2025", "April 2025"]
    assert months["datasets"][1]["data"] == ["493827.00", "500.00"]
    managers = _chart(page, "chart-managers")
    assert managers["labels"] == ["Иван Петров", "Олег Сидоров"]
    assert "1,234,567.50" in page
    assert "494,327.00 RUB" in page


def test_the_forecast_speaks_the_users_language(client, admin_user, deals):
    client.force_login(admin_user)
    type(admin_user).objects.filter(pk=admin_user.pk).update(language="ru")

    with translation.override("ru"):
        page = client.get(
            "/analytics/forecast/", HTTP_ACCEPT_LANGUAGE="ru"
        ).content.decode()

    assert "1\xa0234\xa0567,50" in page
    assert "Март 2025" in page


def test_a_manager_sees_only_their_own_figures(client, manager, deals):
    client.force_login(manager)

    page = client.get("/analytics/forecast/").content.decode()
    sales = client.get("/analytics/sales/").content.decode()

    assert _chart(page, "chart-managers")["labels"] == ["Иван Петров"]
    assert "Олег Сидоров" not in page
    assert "Олег Сидоров" not in sales


def test_the_sales_page_shows_win_rate_cycle_and_stages(
    client, admin_user, deals, django_assert_max_num_queries
):
    client.force_login(admin_user)

    with django_assert_max_num_queries(18):
        response = client.get("/analytics/sales/?period=2025-01")

    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="total-win-rate">\s*50\.0 %', page)
    assert re.search(r'id="total-cycle">\s*10\.0 / 10\.0', page)
    assert _chart(page, "chart-managers")["datasets"][0]["data"] == ["100.0", "0.0"]
    conversion = _chart(page, "chart-conversion")
    assert conversion["labels"][0] == "Продажи: Первичный контакт"
    assert 'id="sales-stages"' in page


def test_a_bad_period_is_shown_on_its_field(client, admin_user, deals):
    client.force_login(admin_user)

    response = client.get("/analytics/sales/?date_from=2025-03-02&date_to=2025-03-01")

    assert response.status_code == 200
    assert "The period ends before it starts." in response.content.decode()


def test_analytics_home_leads_to_the_sales_figures(client, manager):
    client.force_login(manager)

    response = client.get("/analytics/")

    assert response.status_code == 302
    assert response["Location"] == "/analytics/sales/"


def test_analytics_need_a_signed_in_user(client):
    response = client.get("/analytics/forecast/")

    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_the_manager_filter_offers_whose_figures_the_user_may_see(
    client, make_user, team, manager, other_manager
):
    outsider = make_user(role="sales", last_name="Посторонний")
    head = make_user(role="head", team=team)

    client.force_login(manager)
    own = client.get("/analytics/sales/").content.decode()
    client.force_login(head)
    teams = client.get("/analytics/sales/").content.decode()

    assert f'<option value="{manager.pk}"' in own
    assert f'<option value="{other_manager.pk}"' not in own
    assert f'<option value="{other_manager.pk}"' in teams
    assert f'<option value="{outsider.pk}"' not in teams
