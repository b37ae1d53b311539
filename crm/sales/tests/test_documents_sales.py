"""Recorded sales, revenue and margin per deal, client and manager; product affinity
and cross-sell suggestions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from huey.contrib.djhuey import HUEY

from crm.core.errors import DomainError
from crm.customers.tests.factories import CompanyFactory
from crm.sales.models import DealStatus, OrderStatus, ProductAffinity, Sale, StageKind
from crm.sales.selectors.documents import (
    company_sales_summary,
    cross_sell_suggestions,
    margin_report,
    sale_figures,
)
from crm.sales.services.documents import (
    invoice_issue,
    order_issue,
    order_set_status,
    payment_record,
    product_affinity_recompute,
    sale_record,
)
from crm.sales.tasks.documents import product_affinity_nightly, product_affinity_refresh
from crm.sales.tests.factories import DealFactory, ProductFactory
from crm.sales.tests.factories_documents import (
    OwnCompanyFactory,
    add_line,
    deal_with_lines,
)


@pytest.fixture(autouse=True)
def _requisites_and_empty_schedule(db):
    OwnCompanyFactory()
    HUEY.storage.flush_schedule()
    yield
    HUEY.storage.flush_schedule()


def _won(deal):
    deal.stage = deal.pipeline.stages.get(kind=StageKind.WON)
    deal.status = DealStatus.WON
    deal.save()
    return deal


# --- recorded sales and margins -------------------------------------------------------


def test_a_sale_from_an_order_has_revenue_without_vat_cost_and_margin(manager):
    # given: 2 lathes costing 30 000 each, and mounting whose product costs 600
    deal = deal_with_lines(manager)
    order = order_issue(actor=manager, deal=deal)
    # when
    sale = sale_record(actor=manager, order=order, date=dt.date(2025, 4, 1))
    # then
    assert sale.revenue == Decimal("100000.00")
    assert sale.cost == Decimal("60600.00")
    assert sale.margin == Decimal("39400.00")
    assert sale.manager == manager
    assert sale.company == deal.company
    assert sale.currency == "RUB"


def test_a_sale_is_recorded_once_and_not_for_a_cancelled_order(manager):
    deal = deal_with_lines(manager)
    order = order_issue(actor=manager, deal=deal)
    sale_record(actor=manager, order=order)
    with pytest.raises(DomainError, match="already recorded"):
        sale_record(actor=manager, order=order)
    with pytest.raises(DomainError, match="cannot be cancelled"):
        order_set_status(actor=manager, order=order, status=OrderStatus.CANCELLED)

    cancelled = order_set_status(
        actor=manager,
        order=order_issue(actor=manager, deal=deal),
        status=OrderStatus.CANCELLED,
    )
    with pytest.raises(DomainError, match="cancelled"):
        sale_record(actor=manager, order=cancelled)
    assert Sale.objects.count() == 1


def test_a_won_deal_is_recorded_as_a_whole_only_when_open_deals_are_refused(manager):
    deal = deal_with_lines(manager)
    with pytest.raises(DomainError, match="won deal"):
        sale_record(actor=manager, deal=deal)

    sale = sale_record(actor=manager, deal=_won(deal))

    assert sale.order is None
    assert sale.margin == Decimal("39400.00")
    with pytest.raises(DomainError, match="whole deal"):
        sale_record(actor=manager, order=order_issue(actor=manager, deal=deal))


def test_revenue_and_margin_per_deal_client_and_manager(
    manager, other_manager, make_user, team
):
    # given: two managers of one team, each with a sale
    first = deal_with_lines(manager)
    sale_record(actor=manager, order=order_issue(actor=manager, deal=first))
    second = deal_with_lines(other_manager, company_name="ООО «Бета»")
    add_line(second, "Фреза", quantity="10", price="1220.00", cost_price="500")
    sale_record(
        actor=other_manager, order=order_issue(actor=other_manager, deal=second)
    )
    head = make_user(role="head", team=team)
    # when / then: per deal
    assert [
        (f.revenue, f.margin)
        for f in sale_figures(actor=manager, filters={"deal": first.pk})
    ] == [(Decimal("100000.00"), Decimal("39400.00"))]
    # per client, with the unpaid balance of its invoices
    invoice = invoice_issue(actor=manager, deal=first)
    payment_record(actor=manager, invoice=invoice, amount="2000")
    summary = company_sales_summary(actor=manager, company=first.company)
    assert [f.margin for f in summary["figures"]] == [Decimal("39400.00")]
    assert summary["balances"] == [{"currency": "RUB", "amount": Decimal("120000.00")}]
    assert [o.deal for o in summary["orders"]] == [first]
    # per manager: a manager sees their own, the head of the team both
    own = margin_report(actor=manager, group_by="manager")
    assert [(row.label, row.margin) for row in own] == [
        ("Иван Петров", Decimal("39400.00"))
    ]
    rows = margin_report(actor=head, group_by="manager")
    assert [(row.label, row.revenue, row.cost, row.margin) for row in rows] == [
        (
            "Олег Сидоров",
            Decimal("110000.00"),
            Decimal("65600.00"),
            Decimal("44400.00"),
        ),
        ("Иван Петров", Decimal("100000.00"), Decimal("60600.00"), Decimal("39400.00")),
    ]
    assert rows[1].margin_percent == Decimal("39.4")


def test_the_margin_report_takes_a_period(manager):
    deal = deal_with_lines(manager)
    sale_record(
        actor=manager,
        order=order_issue(actor=manager, deal=deal),
        date=dt.date(2025, 1, 15),
    )
    january = {"date_from": dt.date(2025, 1, 1), "date_to": dt.date(2025, 1, 31)}
    february = {"date_from": dt.date(2025, 2, 1), "date_to": dt.date(2025, 2, 28)}

    assert len(margin_report(actor=manager, filters=january)) == 1
    assert margin_report(actor=manager, filters=february) == []
    with pytest.raises(DomainError) as refused:
        margin_report(actor=manager, group_by="weather")
    assert refused.value.field == "group_by"


# --- cross-sell ---------------------------------------------------------------------


def _order(owner, company, *products, status=None):
    deal = DealFactory(owner=owner, company=company)
    for product in products:
        add_line(deal, product.name, product=product)
    order = order_issue(actor=owner, deal=deal)
    if status:
        order_set_status(actor=owner, order=order, status=status)
    return order


@pytest.fixture
def catalogue():
    return {
        name: ProductFactory(name=name)
        for name in ("Станок", "Резец", "Фреза", "Масло", "Снятый")
    }


def test_affinity_counts_clients_who_bought_both(manager, catalogue):
    # given
    lathe, cutter, mill, oil = (
        catalogue[n] for n in ("Станок", "Резец", "Фреза", "Масло")
    )
    clients = [CompanyFactory(curator=manager) for _ in range(4)]
    _order(manager, clients[0], lathe, cutter)
    _order(manager, clients[1], lathe, cutter)
    _order(manager, clients[1], lathe)  # a second order counts the client once
    _order(manager, clients[2], lathe, mill)
    _order(manager, clients[3], cutter, oil, status=OrderStatus.CANCELLED)
    # when
    pairs = product_affinity_recompute()
    # then
    assert pairs == 4
    table = {
        (a.product.name, a.other.name): (a.clients_both, a.clients_product)
        for a in ProductAffinity.objects.select_related("product", "other")
    }
    assert table == {
        ("Станок", "Резец"): (2, 3),
        ("Резец", "Станок"): (2, 2),
        ("Станок", "Фреза"): (1, 3),
        ("Фреза", "Станок"): (1, 1),
    }


def test_cross_sell_suggests_what_similar_clients_bought_with_the_reason(
    manager, catalogue, django_assert_max_num_queries
):
    # given: three clients bought the lathe, two of them a cutter, one a mill
    lathe, cutter, mill = catalogue["Станок"], catalogue["Резец"], catalogue["Фреза"]
    for extra in (cutter, cutter, mill):
        _order(manager, CompanyFactory(curator=manager), lathe, extra)
    client = CompanyFactory(curator=manager)
    _order(manager, client, lathe)
    product_affinity_recompute()
    # when
    with django_assert_max_num_queries(2):
        suggestions = cross_sell_suggestions(actor=manager, company=client)
    # then: what the client has not bought, best first, with the reason
    assert [(s.product.name, s.because.name, s.percent) for s in suggestions] == [
        ("Резец", "Станок", 50),
        ("Фреза", "Станок", 25),
    ]


def test_cross_sell_leaves_out_bought_and_withdrawn_products(manager, catalogue):
    lathe, cutter, gone = catalogue["Станок"], catalogue["Резец"], catalogue["Снятый"]
    _order(manager, CompanyFactory(curator=manager), lathe, cutter, gone)
    client = CompanyFactory(curator=manager)
    _order(manager, client, lathe, cutter)
    gone.is_active = False
    gone.save()
    product_affinity_recompute()

    assert cross_sell_suggestions(actor=manager, company=client) == []


def test_a_new_order_schedules_one_recomputation_for_a_burst(
    manager, catalogue, django_capture_on_commit_callbacks
):
    lathe, cutter = catalogue["Станок"], catalogue["Резец"]
    client = CompanyFactory(curator=manager)
    # when: two orders in a row
    with django_capture_on_commit_callbacks(execute=True):
        _order(manager, client, lathe, cutter)
    with django_capture_on_commit_callbacks(execute=True):
        _order(manager, CompanyFactory(curator=manager), lathe, cutter)
    # then: one job, a little later
    scheduled = HUEY.scheduled()
    assert [task.name for task in scheduled] == ["product_affinity_refresh"]
    assert not ProductAffinity.objects.exists()
    # when the job runs, the table follows the orders
    product_affinity_refresh.call_local()
    assert ProductAffinity.objects.get(product=lathe).clients_both == 2


def test_the_nightly_job_recomputes(manager, catalogue):
    _order(
        manager,
        CompanyFactory(curator=manager),
        catalogue["Станок"],
        catalogue["Масло"],
    )
    assert product_affinity_nightly.call_local() == 2
