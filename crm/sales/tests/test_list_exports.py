"""Exports of the sales lists: each column's plain text (the export's fast path)
equals the page's cell rendered and stripped, in Russian and in English, for rows
with empty and with full values, in a number of queries that does not grow with
the rows; and an export holds only the rows its user sees."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from crm.core.exports.writing import ordered, rows
from crm.customers.tests.factories import (
    CompanyFactory,
    ContactFactory,
    IndustryFactory,
    SourceFactory,
)
from crm.sales.models import (
    DealStatus,
    Invoice,
    LeadStatus,
    LostReason,
    Order,
    Proposal,
    StageKind,
)
from crm.sales.services.documents import invoice_issue, order_issue, proposal_issue
from crm.sales.tests.factories import (
    DealFactory,
    LeadFactory,
    PriceFactory,
    PriceListFactory,
    ProductFactory,
)
from crm.sales.tests.factories_catalogue import ProductGroupFactory, vat
from crm.sales.tests.factories_deals import stage
from crm.sales.tests.factories_documents import OwnCompanyFactory, deal_with_lines
from crm.sales.views.catalogue import product_listing
from crm.sales.views.deals import deal_listing
from crm.sales.views.documents.lists import document_listing
from crm.sales.views.leads import lead_listing

pytestmark = pytest.mark.django_db

# Joins come with the rows; the rest is one query per chunk and relation read.
QUERY_CEILING = 4


def _leads(actor, params):
    return lead_listing(actor, params)


def _deals(actor, params):
    return deal_listing(actor, params)


def _products(actor, params):
    return product_listing(actor, params)


def _proposals(actor, params):
    return document_listing("proposal", actor, params)


def _orders(actor, params):
    return document_listing("order", actor, params)


def _invoices(actor, params):
    return document_listing("invoice", actor, params)


def _export_both_ways(listing, actor, query: str = ""):
    """The rows through the columns' plain text, the queries that took, and the
    rows through the page's cells stripped."""
    spec, queryset, _form = listing(actor, QueryDict(query))
    every = "&".join(f"cols={column.key}" for column in spec.columns)
    queryset, columns = ordered(spec, queryset, QueryDict(f"{query}&{every}"))
    assert [c.key for c in columns] == [c.key for c in spec.columns]
    assert all(column.export is not None for column in columns)
    with CaptureQueriesContext(connection) as queries:
        fast = list(rows(queryset, columns))
    slow = list(rows(queryset, [replace(column, export=None) for column in columns]))
    return fast, len(queries.captured_queries), slow


def _check(listing, actor, more_rows, query: str = ""):
    """Fast equals slow in both languages; more rows cost no more queries."""
    written = {}
    for language in ("ru", "en"):
        with translation.override(language):
            fast, count, slow = _export_both_ways(listing, actor, query)
        assert fast == slow, language
        assert count <= QUERY_CEILING, language
        written[language] = fast
    more_rows()
    with translation.override("ru"):
        fast, more_count, slow = _export_both_ways(listing, actor, query)
    assert fast == slow
    assert len(fast) > len(written["ru"])
    assert more_count == count
    return written


def _cells(written, language: str) -> set[str]:
    return {cell for row in written[language] for cell in row}


# --- leads ------------------------------------------------------------------------------


def _lead_rows(manager, n: int = 0) -> None:
    industry = IndustryFactory(name_ru="Строительство", name_en="Construction")
    source = SourceFactory(name_ru="Сайт", name_en="Website")
    LeadFactory(
        title=f"Нужна  поставка <b>срочно</b> & монтаж {n}",
        company_name="ООО «Ромашка» & Co",
        last_name="Иванов",
        first_name="Пётр",
        middle_name="Ильич",
        email="petr@romashka.example",
        phone="+79161234567",
        inn="7707083893",
        region="Москва",
        industry=industry,
        source=source,
        owner=manager,
        status=LeadStatus.IN_PROGRESS,
    )
    LeadFactory(
        title=f"Пусто {n}",
        company_name="",
        last_name="",
        first_name="",
        status=LeadStatus.REJECTED,
    )


def test_lead_export_cells_equal_the_page_cells(admin_user, manager):
    _lead_rows(manager)

    written = _check(_leads, admin_user, lambda: _lead_rows(manager, 1))

    assert len(written["ru"]) == 2
    assert {"Нужна поставка <b>срочно</b> & монтаж 0", "+7 916 123-45-67"} <= (
        _cells(written, "en")
    )
    assert {"Construction", "Website", "In progress"} <= _cells(written, "en")
    assert {"Строительство", "Сайт"} <= _cells(written, "ru")
    assert "Construction" not in _cells(written, "ru")


# --- deals ------------------------------------------------------------------------------


def _deal_rows(manager, n: int = 0) -> None:
    company = CompanyFactory(name=f"ООО «Вектор {n}» & Co", curator=manager)
    person = ContactFactory(last_name="Смирнова", first_name="Мария", curator=manager)
    DealFactory(
        owner=manager,
        title=f"Поставка  станков <i>{n}</i>",
        company=company,
        contact=person,
        amount=Decimal("1234567.5"),
        currency="USD",
        probability=40,
        expected_close_date=dt.date(2026, 3, 31),
    )
    lost = stage(StageKind.LOST)
    DealFactory(
        owner=manager,
        title=f"Проиграна {n}",
        company=None,
        contact=person,
        stage=lost,
        status=DealStatus.LOST,
        lost_reason=LostReason.objects.order_by("pk").first(),
        closed_at=timezone.now(),
        amount=Decimal("0"),
    )
    DealFactory(owner=manager, title=f"Без клиента {n}", company=None, contact=None)


def test_deal_export_cells_equal_the_page_cells(admin_user, manager):
    _deal_rows(manager)

    written = _check(_deals, admin_user, lambda: _deal_rows(manager, 1))

    assert len(written["ru"]) == 3
    assert {"1,234,567.50 USD", "40 %", "Lost", "Смирнова Мария"} <= _cells(
        written, "en"
    )
    assert "1\xa0234\xa0567,50 USD" in _cells(written, "ru")
    assert "ООО «Вектор 0» & Co" in _cells(written, "ru")


# --- catalogue --------------------------------------------------------------------------


def _product_rows(usd_list, n: int = 0) -> None:
    full = ProductFactory(
        name=f"Станок  токарный & фреза {n}",
        group=ProductGroupFactory(name="Станки"),
        vat_rate=vat("22"),
        cost_price=Decimal("30000.5"),
        external_id=f"1c-{n}",
        barcode="4607176250213",
    )
    PriceFactory(product=full, price_list=usd_list, price=Decimal("1500.25"))
    ProductFactory(
        name=f"Монтаж {n}",
        sku="",
        kind="service",
        group=None,
        unit=None,
        vat_rate=None,
        cost_price=Decimal("0"),
        is_active=False,
    )


def test_product_export_cells_equal_the_page_cells(admin_user):
    usd_list = PriceListFactory(name="Экспорт", currency="USD")
    _product_rows(usd_list)

    written = _check(_products, admin_user, lambda: _product_rows(usd_list, 1))

    assert len(written["ru"]) == 2
    assert {"1,500.25 USD", "30,000.50", "Станки", "Service", "no"} <= _cells(
        written, "en"
    )
    assert {"1\xa0500,25 USD", "нет", "4607176250213"} <= _cells(written, "ru")


def test_product_export_of_one_price_list_filter_keeps_the_fast_path(admin_user):
    usd_list = PriceListFactory(name="Экспорт", currency="USD")
    _product_rows(usd_list)

    written = _check(
        _products,
        admin_user,
        lambda: _product_rows(usd_list, 1),
        query=f"price_list={usd_list.pk}",
    )

    assert len(written["en"]) == 1


# --- documents --------------------------------------------------------------------------


def _documents(manager, n: int = 0) -> None:
    """Each kind twice: for a company, sent and partly paid; for a person only."""
    full = deal_with_lines(manager, company_name=f"ООО «Альфа {n}» & Co")
    bare = deal_with_lines(manager, company_name=f"ООО «Бета {n}»")
    for issue in (proposal_issue, order_issue, invoice_issue):
        issue(actor=manager, deal=full)
        document = issue(actor=manager, deal=bare)
        type(document).objects.filter(pk=document.pk).update(company=None)
    sent = dt.datetime(2026, 1, 1, 22, 30, tzinfo=dt.UTC)
    for model in (Proposal, Order, Invoice):
        model.objects.filter(deal=full).update(sent_at=sent)
    Invoice.objects.filter(deal=full).update(
        paid_amount=Decimal("1000.10"), status="partly_paid"
    )


@pytest.mark.parametrize("listing", [_proposals, _orders, _invoices])
def test_document_export_cells_equal_the_page_cells(admin_user, manager, listing):
    OwnCompanyFactory()
    _documents(manager)

    written = _check(listing, admin_user, lambda: _documents(manager, 1))

    assert len(written["ru"]) == 2
    assert {"ООО «Альфа 0» & Co", "Смирнова Мария"} <= _cells(written, "ru")
    # Sent at 22:30 UTC on 1 January is 2 January in Moscow, as everywhere else.
    assert "02.01.2026" in _cells(written, "ru")
    assert "01/02/2026" in _cells(written, "en")
    if listing is _invoices:
        assert {"1,000.10 RUB", "Partly paid", "120,999.90 RUB"} <= _cells(
            written, "en"
        )
        assert "120\xa0999,90 RUB" in _cells(written, "ru")


def test_document_list_shows_the_sent_day_in_the_readers_time_zone(admin_user, manager):
    OwnCompanyFactory()
    invoice = invoice_issue(actor=manager, deal=deal_with_lines(manager))
    Invoice.objects.filter(pk=invoice.pk).update(
        sent_at=dt.datetime(2026, 1, 1, 20, 0, tzinfo=dt.UTC)
    )
    spec, queryset, _form = _invoices(admin_user, QueryDict(""))
    sent = spec.by_key["sent"]

    with timezone.override("Europe/London"):
        london = sent.render(queryset.get())
    with timezone.override("Asia/Vladivostok"):
        vladivostok = sent.render(queryset.get())

    assert (london, vladivostok) == ("01/01/2026", "01/02/2026")


# --- visibility -------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_sales_exports_hold_only_what_the_user_sees(client, manager, other_manager):
    OwnCompanyFactory()
    LeadFactory(title="Свой лид", owner=manager)
    LeadFactory(title="Чужой лид", owner=other_manager)
    own = deal_with_lines(manager, company_name="ООО «Своя»")
    alien = deal_with_lines(other_manager, company_name="ООО «Чужая»")
    for deal, actor in ((own, manager), (alien, other_manager)):
        for issue in (proposal_issue, order_issue, invoice_issue):
            issue(actor=actor, deal=deal)
    client.force_login(manager)

    def export(key: str, column: str) -> list[str]:
        url = reverse("core:export-list", args=[key, "csv"])
        response = client.get(f"{url}?cols={column}")
        assert response.status_code == 200
        return [row[0] for row in _csv(response)[1:]]

    assert export("sales.leads", "title") == ["Свой лид"]
    assert export("sales.deals", "client") == ["ООО «Своя»"]
    for key in ("sales.proposals", "sales.orders", "sales.invoices"):
        assert export(key, "client") == ["ООО «Своя»"], key


def test_choice_label_reads_like_get_display_and_keeps_an_unknown_value():
    from crm.core.listing import choice_label
    from crm.sales.models import Deal

    deal = Deal(status=DealStatus.WON)
    with translation.override("ru"):
        assert choice_label(DealStatus, deal.status) == deal.get_status_display()
    assert choice_label(DealStatus, "gone") == "gone"
