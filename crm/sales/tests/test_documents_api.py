"""The documents API: proposals, orders, invoices, PDFs, payments, recorded sales,
margins, cross-sell and our requisites."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from crm.customers.tests.factories import CompanyFactory
from crm.sales.models import (
    ApprovalRequest,
    Invoice,
    InvoiceStatus,
    OwnCompany,
    Proposal,
)
from crm.sales.services.documents import (
    invoice_issue,
    order_issue,
    product_affinity_recompute,
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


def _fields(response) -> set[str]:
    return {".".join(str(p) for p in e["loc"][1:]) for e in response.json()["detail"]}


def test_without_a_token_the_api_answers_401(db, client):
    assert client.get("/api/v1/invoices").status_code == 401


def test_an_invoice_is_issued_read_and_listed(api_client, manager, deal):
    api = api_client(manager)
    # when
    created = api.post("invoices", {"deal_id": deal.pk, "date": "2025-03-05"})
    # then
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"] == 1
    assert body["year"] == 2025
    assert body["status"] == "issued"
    assert body["total_amount"] == "122000.00"
    assert body["vat_amount"] == "22000.00"
    assert body["net_amount"] == "100000.00"
    assert body["balance"] == "122000.00"
    assert body["due_date"] == "2025-03-15"
    assert body["amount_in_words"] == "Сто двадцать две тысячи рублей 00 копеек"
    assert body["parties"]["buyer"]["name"] == "ООО «Ромашка»"
    assert [line["name"] for line in body["lines"]] == [
        "Станок токарный",
        "Монтаж и пусконаладка",
    ]
    assert body["lines"][0]["quantity"] == "2.000"
    read = api.get(f"invoices/{body['id']}")
    assert read.status_code == 200
    assert read.json()["lines"] == body["lines"]
    listed = api.get("invoices", {"company": deal.company_id, "unpaid": "true"})
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert listed.json()["items"][0]["id"] == body["id"]
    assert "lines" not in listed.json()["items"][0]


def test_refusals_are_422_naming_the_field(api_client, manager, deal, make_user):
    api = api_client(manager)
    empty = DealFactory(owner=manager)

    response = api.post("invoices", {"deal_id": empty.pk})
    assert response.status_code == 422
    assert _fields(response) == {"lines"}
    assert "no lines" in response.json()["detail"][0]["msg"]

    ApprovalRequest.objects.create(
        deal=deal,
        discount_percent=Decimal("30"),
        requested_by=manager,
        approver=make_user(role="head"),
    )
    response = api.post("orders", {"deal_id": deal.pk})
    assert response.status_code == 422
    assert _fields(response) == {"deal"}

    response = api.post("proposals", {"deal_id": "x"})
    assert response.status_code == 422
    assert not Invoice.objects.exists()


def test_the_messages_come_in_the_callers_language(api_client, manager, deal):
    api = api_client(manager)
    api.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    invoice = api.post("invoices", {"deal_id": deal.pk}).json()
    response = api.post(f"invoices/{invoice['id']}/payments", {"amount": "0"})
    assert response.status_code == 422
    assert _fields(response) == {"amount"}


def test_a_hidden_deal_and_its_documents_are_404(
    api_client, manager, other_manager, deal
):
    invoice = invoice_issue(actor=manager, deal=deal)
    api = api_client(other_manager)

    assert api.post("invoices", {"deal_id": deal.pk}).status_code == 404
    assert api.get(f"invoices/{invoice.pk}").status_code == 404
    assert api.get(f"invoices/{invoice.pk}/pdf").status_code == 404
    assert api.get("invoices").json() == {"items": [], "count": 0}


def test_the_pdf_of_an_invoice(api_client, manager, deal):
    invoice = invoice_issue(actor=manager, deal=deal)

    response = api_client(manager).get(f"invoices/{invoice.pk}/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "ООО «Ромашка»" in text
    assert "рублей 00 копеек" in text


def test_payments_and_cancelling(api_client, manager, deal):
    api = api_client(manager)
    invoice_id = api.post("invoices", {"deal_id": deal.pk}).json()["id"]

    paid = api.post(
        f"invoices/{invoice_id}/payments",
        {"amount": "22000.00", "date": "2020-01-10", "reference": "п/п 15"},
    )
    assert paid.status_code == 201, paid.content
    assert paid.json()["amount"] == "22000.00"
    assert api.get(f"invoices/{invoice_id}").json()["status"] == "partly_paid"

    over = api.post(f"invoices/{invoice_id}/payments", {"amount": "100000.01"})
    assert over.status_code == 422
    assert _fields(over) == {"amount"}

    api.post(f"invoices/{invoice_id}/payments", {"amount": 100000})
    listed = api.get(f"invoices/{invoice_id}/payments").json()
    assert listed["count"] == 2
    assert api.get(f"invoices/{invoice_id}").json()["status"] == "paid"

    cancel = api.post(f"invoices/{invoice_id}/cancel")
    assert cancel.status_code == 422
    assert "paid invoice cannot be cancelled" in cancel.json()["detail"][0]["msg"]
    assert api.delete(f"invoices/{invoice_id}").status_code == 422
    assert Invoice.objects.get().status == InvoiceStatus.PAID


def test_proposals_statuses_and_deleting_a_draft(api_client, manager, deal):
    api = api_client(manager)
    first = api.post("proposals", {"deal_id": deal.pk}).json()
    second = api.post("proposals", {"deal_id": deal.pk, "comment": "Вариант Б"}).json()
    assert (first["status"], second["number"]) == ("draft", 2)

    accepted = api.post(f"proposals/{first['id']}/status", {"status": "accepted"})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    back = api.post(f"proposals/{first['id']}/status", {"status": "draft"})
    assert back.status_code == 422
    assert _fields(back) == {"status"}

    assert api.delete(f"proposals/{first['id']}").status_code == 422
    assert api.delete(f"proposals/{second['id']}").status_code == 204
    assert list(Proposal.objects.values_list("number", flat=True)) == [1]


def test_orders_statuses_sales_and_margin(api_client, manager, deal):
    api = api_client(manager)
    order = api.post("orders", {"deal_id": deal.pk}).json()
    assert order["status"] == "new"

    jump = api.post(f"orders/{order['id']}/status", {"status": "shipped"})
    assert jump.status_code == 422
    confirmed = api.post(f"orders/{order['id']}/status", {"status": "confirmed"})
    assert confirmed.json()["status"] == "confirmed"
    assert api.delete(f"orders/{order['id']}").status_code == 422

    sale = api.post("sales", {"order_id": order["id"], "date": "2025-05-05"})
    assert sale.status_code == 201, sale.content
    assert (sale.json()["revenue"], sale.json()["cost"], sale.json()["margin"]) == (
        "100000.00",
        "60600.00",
        "39400.00",
    )
    assert api.post("sales", {"order_id": order["id"]}).status_code == 422
    assert api.get("sales", {"company": deal.company_id}).json()["count"] == 1

    report = api.get(
        "sales/margin",
        {"group_by": "company", "date_from": "2025-05-01", "date_to": "2025-05-31"},
    )
    assert report.status_code == 200
    rows = report.json()["rows"]
    assert [(r["label"], r["margin"], r["count"]) for r in rows] == [
        ("ООО «Ромашка»", "39400.00", 1)
    ]
    assert report.json()["totals"][0]["margin_percent"] == "39.4"
    assert api.get("sales/margin", {"group_by": "x"}).status_code == 422


def test_an_invoice_from_an_order(api_client, manager, deal):
    api = api_client(manager)
    order = order_issue(actor=manager, deal=deal)
    add_line(deal, "Позже", price="1.00")

    body = api.post("invoices", {"deal_id": deal.pk, "order_id": order.pk}).json()

    assert body["order_id"] == order.pk
    assert body["total_amount"] == "122000.00"


def test_cross_sell_suggestions(api_client, manager):
    OwnCompanyFactory()
    lathe, cutter = ProductFactory(name="Станок"), ProductFactory(name="Резец")
    for products in ((lathe, cutter), (lathe,)):
        deal = DealFactory(owner=manager, company=CompanyFactory(curator=manager))
        for product in products:
            add_line(deal, product.name, product=product)
        order_issue(actor=manager, deal=deal)
    product_affinity_recompute()

    response = api_client(manager).get(f"companies/{deal.company_id}/cross-sell")

    assert response.status_code == 200
    assert response.json()["items"] == [
        {
            "product_id": cutter.pk,
            "product_name": "Резец",
            "because_product_id": lathe.pk,
            "because_product_name": "Станок",
            "percent": 50,
            "clients_both": 1,
            "clients_product": 2,
            "reason": "bought by 50 % of clients who bought Станок",
        }
    ]


def test_our_requisites_for_administrators(api_client, admin_user, manager):
    api = api_client(admin_user)
    bad = api.post("own-companies", {"name": "ООО «Парус»", "bik": "12345"})
    assert bad.status_code == 422
    assert _fields(bad) == {"bik"}

    created = api.post(
        "own-companies",
        {
            "name": "ООО «Парус»",
            "inn": "7707083893",
            "bik": "044525225",
            "bank_account": valid_account("40702810000000012345"),
            "correspondent_account": "30101810400000000225",
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["is_default"] is True
    patched = api.patch(
        f"own-companies/{created.json()['id']}", {"director": "Иванов И. И."}
    )
    assert patched.json()["director"] == "Иванов И. И."
    assert api_client(manager).get("own-companies").status_code == 403
    assert OwnCompany.objects.count() == 1


def test_the_invoice_list_costs_the_same_for_more_rows(
    api_client, manager, deal, django_assert_max_num_queries
):
    api = api_client(manager)
    invoice_issue(actor=manager, deal=deal)
    with django_assert_max_num_queries(20) as one:
        assert api.get("invoices").json()["count"] == 1
    for _ in range(10):
        invoice_issue(actor=manager, deal=deal_with_lines(manager))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert api.get("invoices").json()["count"] == 11
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert api.get("orders").status_code == 200
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert api.get("sales").status_code == 200


def test_the_openapi_schema_lists_the_documents_api(api_client, manager):
    schema = api_client(manager).get("openapi.json").json()
    operations = {
        operation["operationId"]
        for path in schema["paths"].values()
        for operation in path.values()
    }
    assert {
        "proposal_list",
        "proposal_issue",
        "order_issue",
        "order_set_status",
        "invoice_list",
        "invoice_issue",
        "invoice_get",
        "invoice_cancel",
        "invoice_pdf",
        "payment_list",
        "payment_record",
        "sale_list",
        "sale_record",
        "margin_report",
        "cross_sell_suggestions",
    } <= operations
    pdf = schema["paths"]["/api/v1/invoices/{invoice_id}/pdf"]["get"]
    assert "application/pdf" in pdf["responses"]["200"]["content"]
    assert "/api/v1/invoices/{invoice_id}/payments" in schema["paths"]


def test_lists_page_and_order(api_client, manager, deal):
    api = api_client(manager)
    for day in ("2025-01-05", "2025-03-05", "2025-02-05"):
        api.post("invoices", {"deal_id": deal.pk, "date": day})

    newest = api.get("invoices", {"page_size": 2}).json()
    assert newest["count"] == 3
    assert [i["date"] for i in newest["items"]] == ["2025-03-05", "2025-02-05"]
    oldest = api.get("invoices", {"ordering": "date", "page": 2, "page_size": 2})
    assert [i["date"] for i in oldest.json()["items"]] == ["2025-03-05"]
    bad = api.get("invoices", {"ordering": "weather"})
    assert bad.status_code == 422
    assert _fields(bad) == {"ordering"}
    by_number = api.get("invoices", {"q": "2"}).json()
    assert [i["number"] for i in by_number["items"]] == [2]


def test_the_pdf_of_a_proposal_and_an_order(api_client, manager, deal):
    api = api_client(manager)
    proposal = api.post("proposals", {"deal_id": deal.pk}).json()
    order = api.post("orders", {"deal_id": deal.pk}).json()

    for path in (f"proposals/{proposal['id']}/pdf", f"orders/{order['id']}/pdf"):
        response = api.get(path)
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF-")


def test_sending_through_the_api(
    api_client, manager, deal, smtp_sink, django_capture_on_commit_callbacks
):
    api = api_client(manager)
    invoice = api.post("invoices", {"deal_id": deal.pk}).json()

    bad = api.post(f"invoices/{invoice['id']}/send", {"to": ["x"], "subject": ""})
    assert bad.status_code == 422
    assert _fields(bad) == {"to", "subject"}
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(
            f"invoices/{invoice['id']}/send",
            {"to": ["buh@romashka.example"], "subject": "Счёт", "message": "Оплатите"},
        )
    assert sent.status_code == 200, sent.content
    assert sent.json()["sent_at"] is not None
    assert smtp_sink.messages[0]["to"] == ["buh@romashka.example"]
