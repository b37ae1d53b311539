"""A sale in a real browser, as issue #3 tells it: drag a deal across the kanban
board, then issue an invoice from its card and download the PDF."""

import io
import re
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from crm.sales.models import Invoice
from crm.sales.tests.factories import default_pipeline
from crm.sales.tests.factories_deals import open_stages
from crm.sales.tests.factories_documents import OwnCompanyFactory, deal_with_lines


def test_drag_a_deal_forward_then_issue_its_invoice(
    page, sign_in, drag, manager, sales_reference_data
):
    OwnCompanyFactory()
    deal = deal_with_lines(manager, company_name="ООО «Ромашка»")
    first, second = open_stages()[:2]
    sign_in(manager)

    # The deal moves to the next stage on the board, saved at once.
    page.goto(f"/deals/board/{default_pipeline().pk}/")
    page.wait_for_selector(f"#column-{first.pk} #deal-card-{deal.pk}")
    with page.expect_response(f"**/deals/{deal.pk}/move/") as answer:
        drag(f"#deal-card-{deal.pk}", f"#column-{second.pk}")
    assert answer.value.status == 200
    page.wait_for_selector(f"#column-{second.pk} #deal-card-{deal.pk}")
    deal.refresh_from_db()
    assert deal.stage == second

    # From its card, an invoice is issued and its PDF downloaded.
    page.goto(deal.get_absolute_url())
    page.click("#issue-invoice")
    expect(page.locator("#document-title")).to_contain_text("Invoice No. 1")
    invoice = Invoice.objects.get()
    assert invoice.deal == deal
    assert invoice.total_amount == sum(line.total_amount for line in deal.lines.all())
    expect(page).to_have_url(re.compile(rf"{invoice.get_absolute_url()}$"))
    with page.expect_download() as download_info:
        page.click("#download-pdf")
    data = Path(download_info.value.path()).read_bytes()
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "ООО «Ромашка»" in text
    assert "рублей" in text
