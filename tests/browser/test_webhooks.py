"""Data out, in a real browser: export a filtered contact list and read the file;
an administrator sets up a webhook, copies its secret once and watches a test
event arrive at a receiver on loopback."""

import csv
import io
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from crm.customers.tests.factories import ContactFactory
from crm.webhooks.models import Delivery, DeliveryStatus, WebhookSubscription


def test_a_manager_exports_the_filtered_contact_list(
    page, sign_in, manager, other_manager
):
    # given: the manager's contacts and a colleague's
    ContactFactory(
        last_name="Смирнова",
        first_name="Анна",
        email="anna@romashka.ru",
        curator=manager,
    )
    ContactFactory(
        last_name="Смирнов",
        first_name="Олег",
        email="oleg@romashka.ru",
        curator=manager,
    )
    ContactFactory(
        last_name="Кузнецов", first_name="Пётр", email="petr@lutik.ru", curator=manager
    )
    ContactFactory(
        last_name="Смирнов",
        first_name="Чужой",
        email="x@other.ru",
        curator=other_manager,
    )
    sign_in(manager)
    page.get_by_role("link", name="Contacts").first.click()
    expect(page.locator("#list-results")).to_contain_text("Кузнецов")

    # when: the list is narrowed by a search (htmx, no reload) and exported as CSV
    page.fill("#id_q", "Смирн")
    expect(page.locator("#list-results")).not_to_contain_text("Кузнецов")
    expect(page).to_have_url(re.compile(r"q=%D0%A1%D0%BC%D0%B8%D1%80%D0%BD|q=Смирн"))
    page.locator("#export-button").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    download = download_info.value
    text = Path(download.path()).read_text(encoding="utf-8-sig")

    # then: exactly the rows the manager saw, with the page's headers
    rows = list(csv.reader(io.StringIO(text)))
    assert download.suggested_filename.endswith(".csv")
    assert rows[0][0] == "Full name"
    names = sorted(r[0] for r in rows[1:])
    assert names == ["Смирнов Олег", "Смирнова Анна"]

    # and the same list as an Excel workbook
    page.locator("#export-button").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel (XLSX)").click()
    book = load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    values = list(book.worksheets[0].values)
    assert sorted(v[0] for v in values[1:]) == ["Смирнов Олег", "Смирнова Анна"]


@pytest.fixture
def loopback_receiver():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append({"headers": dict(self.headers), "body": json.loads(body)})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/crm", received
    server.shutdown()
    server.server_close()


def test_an_administrator_sets_up_a_webhook_and_sends_a_test_event(
    page, sign_in, admin_user, loopback_receiver
):
    url, received = loopback_receiver
    sign_in(admin_user)
    page.goto("/settings/")
    page.locator("a[href='/settings/webhooks/']").first.click()
    page.get_by_role("link", name="New webhook").click()

    # A bad address is refused on its field.
    page.fill("#id_name", "ERP")
    page.fill("#id_url", "ftp://erp.local/")
    page.check("#event-company\\.created")
    page.locator("#webhook-form button[type=submit]").click()
    expect(page.locator("#webhook-form")).to_contain_text("http://")
    assert not WebhookSubscription.objects.exists()

    page.fill("#id_url", url)
    page.locator("#webhook-form button[type=submit]").click()
    expect(page.locator("#webhook-secret")).to_be_visible()
    subscription = WebhookSubscription.objects.get()
    expect(page.locator("#webhook-secret code").first).to_have_text(subscription.secret)

    page.get_by_role("button", name="Send a test event").click()
    expect(page.locator("#delivery-table")).to_contain_text("webhook.ping")
    expect(page.locator("#delivery-table")).to_contain_text("delivered")
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED
    assert received[0]["body"]["event"] == "webhook.ping"
    # the secret was shown once
    expect(page.locator("#webhook-secret")).to_have_count(0)
