"""Issuing an invoice from a deal's card and downloading its PDF, in a real browser."""

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from crm.sales.models import Invoice
from crm.sales.tests.factories_documents import OwnCompanyFactory, deal_with_lines

pytestmark = pytest.mark.browser


def test_issue_an_invoice_from_the_deal_card_and_download_its_pdf(
    page, sign_in, manager
):
    # given: our requisites and a deal with a composition
    OwnCompanyFactory()
    deal = deal_with_lines(manager, company_name="ООО «Ромашка»")
    sign_in(manager)
    # when: the invoice is issued from the deal's card
    page.goto(deal.get_absolute_url())
    page.click("#issue-invoice")
    page.wait_for_selector("#document-title")
    # then: its page shows the number, the lines and the total
    invoice = Invoice.objects.get()
    assert page.url.endswith(invoice.get_absolute_url())
    assert "Invoice No. 1" in page.inner_text("#document-title")
    assert "Станок токарный" in page.inner_text("#document-lines")
    assert "122,000.00 RUB" in page.inner_text("#total-amount")
    # and the PDF downloads, with the client's name inside
    with page.expect_download() as download_info:
        page.click("#download-pdf")
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "ООО «Ромашка»" in text
    assert "Счёт на оплату № 1" in text
    # and the deal's card lists it
    page.goto(deal.get_absolute_url())
    assert "Invoice No. 1" in page.inner_text("#deal-documents")
