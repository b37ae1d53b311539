"""Pages of documents: the deal's documents panel, document pages and actions, lists,
the margin report, our requisites and the client card's panels."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory
from django.urls import reverse

from crm.core import registry
from crm.customers.tests.factories import CompanyFactory
from crm.sales.models import (
    ApprovalRequest,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    OwnCompany,
    Payment,
    Proposal,
)
from crm.sales.services.documents import (
    invoice_issue,
    order_issue,
    product_affinity_recompute,
    proposal_issue,
    sale_record,
)
from crm.sales.tests.factories import DealFactory, ProductFactory
from crm.sales.tests.factories_documents import (
    OwnCompanyFactory,
    add_line,
    deal_with_lines,
    valid_account,
)


@pytest.fixture
def deal(manager):
    OwnCompanyFactory()
    return deal_with_lines(manager, company_name="ООО «Ромашка»")


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


# --- the deal's card ----------------------------------------------------------------


def test_the_deal_card_offers_documents_and_lists_them(signed_in, manager, deal):
    invoice = invoice_issue(actor=manager, deal=deal)

    page = signed_in.get(deal.get_absolute_url())

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="deal-documents"' in html
    assert 'id="issue-invoice"' in html
    assert invoice.get_absolute_url() in html
    assert "122,000.00 RUB" in html


def test_the_panel_explains_why_documents_are_refused(manager, deal, make_user):
    ApprovalRequest.objects.create(
        deal=deal,
        discount_percent=30,
        requested_by=manager,
        approver=make_user(role="head", first_name="Нина", last_name="Главная"),
    )
    request = RequestFactory().get("/")
    request.user = manager

    html = "".join(registry.render_panels("deal", request, deal)["main"])

    assert "awaits approval by Нина Главная" in html
    assert 'id="issue-invoice"' not in html


def test_issuing_an_invoice_from_the_deal_card(signed_in, deal):
    response = signed_in.post(
        reverse("sales:deal-document-issue", args=[deal.pk, "invoice"]),
        {"date": "2025-03-05", "due_date": "2025-03-20"},
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == invoice.get_absolute_url()
    assert invoice.due_date == dt.date(2025, 3, 20)


def test_a_refused_issue_comes_back_to_the_deal_with_the_reason(signed_in, manager):
    OwnCompanyFactory()
    empty = DealFactory(owner=manager)

    response = signed_in.post(
        reverse("sales:deal-document-issue", args=[empty.pk, "order"]), follow=True
    )

    assert response.redirect_chain[-1][0] == empty.get_absolute_url()
    assert "no lines" in response.content.decode()
    assert not Order.objects.exists()


def test_issuing_for_a_hidden_deal_is_404(client, other_manager, deal):
    client.force_login(other_manager)
    url = reverse("sales:deal-document-issue", args=[deal.pk, "invoice"])
    assert client.post(url).status_code == 404
    assert not Invoice.objects.exists()


# --- a document's page --------------------------------------------------------------


def test_the_invoice_page_shows_lines_totals_and_actions(
    signed_in, manager, deal, django_assert_max_num_queries
):
    invoice = invoice_issue(actor=manager, deal=deal)
    with django_assert_max_num_queries(20):
        page = signed_in.get(invoice.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Станок токарный" in html
    assert 'id="total-amount"' in html
    assert "122,000.00 RUB" in html
    assert reverse("sales:invoice-pdf", args=[invoice.pk]) in html
    assert 'id="payment-form"' in html


def test_the_pdf_downloads(signed_in, manager, deal):
    invoice = invoice_issue(actor=manager, deal=deal)
    response = signed_in.get(reverse("sales:invoice-pdf", args=[invoice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response.content.startswith(b"%PDF-")


def test_a_payment_from_the_invoice_page(signed_in, manager, deal):
    invoice = invoice_issue(actor=manager, deal=deal)
    url = reverse("sales:invoice-payment", args=[invoice.pk])

    refused = signed_in.post(url, {"date": "2020-01-01", "amount": "999999"})
    assert refused.status_code == 422
    assert "cannot be overpaid" in refused.content.decode()
    assert not Payment.objects.exists()

    done = signed_in.post(url, {"date": "2020-01-01", "amount": "122 000,00"})
    assert done.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_order_status_buttons_and_recording_the_sale(signed_in, manager, deal):
    order = order_issue(actor=manager, deal=deal)
    url = reverse("sales:order-status", args=[order.pk])

    signed_in.post(url, {"status": "confirmed"})
    page = signed_in.post(url, {"status": "new"}, follow=True)
    assert "cannot become" in page.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED

    signed_in.post(reverse("sales:order-sale", args=[order.pk]), {"date": ""})
    assert order.sales.get().margin > 0


def test_deleting_the_latest_draft_proposal(signed_in, manager, deal):
    proposal = proposal_issue(actor=manager, deal=deal)
    response = signed_in.post(reverse("sales:proposal-delete", args=[proposal.pk]))
    assert response["Location"] == deal.get_absolute_url()
    assert not Proposal.objects.exists()


def test_the_send_form_is_prefilled_and_sends(
    signed_in, manager, deal, smtp_sink, django_capture_on_commit_callbacks
):
    invoice = invoice_issue(actor=manager, deal=deal)
    url = reverse("sales:invoice-send", args=[invoice.pk])

    form = signed_in.get(url)
    assert 'value="maria@alfa.example"' in form.content.decode()

    bad = signed_in.post(url, {"to": "nobody", "subject": "S"})
    assert bad.status_code == 422
    assert "valid e-mail" in bad.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        sent = signed_in.post(
            url, {"to": "maria@alfa.example", "subject": "Счёт", "message": "Привет"}
        )
    assert sent.status_code == 302
    assert smtp_sink.messages[0]["to"] == ["maria@alfa.example"]


# --- lists --------------------------------------------------------------------------


def test_the_invoice_list_filters_and_shows_balances(signed_in, manager, deal):
    first = invoice_issue(actor=manager, deal=deal, date=dt.date(2025, 1, 10))
    other = deal_with_lines(manager, company_name="ООО «Бета»")
    late = invoice_issue(
        actor=manager,
        deal=other,
        date=dt.date(2025, 2, 1),
        due_date=dt.date(2025, 2, 5),
    )
    url = reverse("sales:invoice-list")

    html = signed_in.get(url).content.decode()
    assert first.get_absolute_url() in html
    assert late.get_absolute_url() in html

    overdue = signed_in.get(url, {"overdue": "on"}).content.decode()
    assert late.get_absolute_url() in overdue
    by_client = signed_in.get(url, {"q": "Бета"}).content.decode()
    assert first.get_absolute_url() not in by_client
    assert late.get_absolute_url() in by_client
    by_period = signed_in.get(url, {"date_to": "2025-01-31"}).content.decode()
    assert late.get_absolute_url() not in by_period
    partial = signed_in.get(url, {"status": "issued"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content
    assert first.get_absolute_url().encode() in partial.content


def test_a_manager_sees_only_the_documents_of_their_deals(
    client, manager, other_manager, deal
):
    invoice = invoice_issue(actor=manager, deal=deal)
    order = order_issue(actor=manager, deal=deal)
    proposal = proposal_issue(actor=manager, deal=deal)
    client.force_login(other_manager)

    for name, document in (
        ("sales:invoice-list", invoice),
        ("sales:order-list", order),
        ("sales:proposal-list", proposal),
    ):
        page = client.get(reverse(name))
        assert page.status_code == 200
        assert document.get_absolute_url() not in page.content.decode()
        assert client.get(document.get_absolute_url()).status_code == 404


def test_lists_cost_the_same_for_more_rows(
    signed_in, manager, deal, django_assert_max_num_queries
):
    invoice_issue(actor=manager, deal=deal)
    order_issue(actor=manager, deal=deal)
    with django_assert_max_num_queries(30) as one:
        signed_in.get(reverse("sales:invoice-list"))
    for _ in range(8):
        more = deal_with_lines(manager)
        invoice_issue(actor=manager, deal=more)
        order_issue(actor=manager, deal=more)
    for name in ("sales:invoice-list", "sales:order-list", "sales:proposal-list"):
        with django_assert_max_num_queries(len(one.captured_queries)):
            assert signed_in.get(reverse(name)).status_code == 200


def test_the_margin_report_page(signed_in, client, manager, other_manager, deal):
    sale_record(actor=manager, order=order_issue(actor=manager, deal=deal))
    url = reverse("sales:margin-report")

    html = signed_in.get(url, {"group_by": "company"}).content.decode()
    assert "ООО «Ромашка»" in html
    assert "39,400.00 RUB" in html

    client.force_login(other_manager)
    assert "Ромашка" not in client.get(url, {"group_by": "company"}).content.decode()


# --- the client's card --------------------------------------------------------------


def test_the_company_card_shows_sales_figures_and_cross_sell(
    signed_in, manager, django_assert_max_num_queries
):
    OwnCompanyFactory()
    lathe, cutter = ProductFactory(name="Станок ТВ-4"), ProductFactory(name="Резец")
    for products in ((lathe, cutter), (lathe,)):
        deal = DealFactory(owner=manager, company=CompanyFactory(curator=manager))
        for product in products:
            add_line(deal, product.name, product=product)
        order = order_issue(actor=manager, deal=deal)
    sale_record(actor=manager, order=order)
    invoice_issue(actor=manager, deal=deal)
    product_affinity_recompute()

    with django_assert_max_num_queries(60):
        page = signed_in.get(deal.company.get_absolute_url())

    html = page.content.decode()
    assert 'id="company-sales"' in html
    assert order.get_absolute_url() in html
    assert 'id="cross-sell"' in html
    assert "bought by 50 % of clients who bought Станок ТВ-4" in html


# --- our requisites -----------------------------------------------------------------


def test_an_administrator_enters_our_requisites(client, admin_user):
    client.force_login(admin_user)
    url = reverse("sales:own-company-create")
    data = {
        "name": "ООО «Парус»",
        "inn": "7707083893",
        "kpp": "770701001",
        "bik": "044525225",
        "bank_account": valid_account("40702810000000012345"),
        "correspondent_account": "30101810400000000999",
        "is_vat_payer": "on",
    }

    refused = client.post(url, data)
    assert refused.status_code == 422
    assert "does not match the BIK" in refused.content.decode()

    data["correspondent_account"] = "30101810400000000225"
    assert client.post(url, data).status_code == 302
    own = OwnCompany.objects.get()
    assert own.is_default
    assert own.is_vat_payer
    assert (
        "ООО «Парус»" in client.get(reverse("sales:own-company-list")).content.decode()
    )
    update = client.get(reverse("sales:own-company-update", args=[own.pk]))
    assert "044525225" in update.content.decode()


def test_managers_do_not_open_the_requisites(signed_in):
    assert signed_in.get(reverse("sales:own-company-list")).status_code == 403


def test_the_navigation_has_documents(signed_in):
    html = signed_in.get(reverse("sales:invoice-list")).content.decode()
    assert f'href="{reverse("sales:invoice-list")}"' in html
    assert 'id="document-tabs"' in html


def test_a_prospect_without_sales_has_no_empty_sales_panels(signed_in, manager):
    company = CompanyFactory(curator=manager, relation="prospect")
    html = signed_in.get(company.get_absolute_url()).content.decode()
    assert 'id="company-sales"' not in html
    assert 'id="cross-sell"' not in html
