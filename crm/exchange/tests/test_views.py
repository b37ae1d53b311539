"""Pages of the exchange: settings, downloads, upload and the log."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.exchange.models import ExchangeRun, ExchangeSettings, RunStatus
from crm.exchange.tests.conftest import SAMPLES
from crm.sales.models import Product


@pytest.fixture
def admin_client(client, admin_user, data_dir):
    client.force_login(admin_user)
    return client


def test_the_settings_page_shows_the_protocol_address_downloads_and_log(
    admin_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(15):
        response = admin_client.get(reverse("exchange:settings"))

    assert response.status_code == 200
    assert b"/api/v1/exchange/1c" in response.content
    assert reverse("exchange:download", args=["import"]).encode() in response.content


def test_a_manager_cannot_open_the_exchange_pages(client, manager, data_dir):
    client.force_login(manager)

    assert client.get(reverse("exchange:settings")).status_code == 403
    assert client.get(reverse("exchange:download", args=["import"])).status_code == 403


def test_an_upload_is_imported_and_its_report_shown(admin_client):
    upload = SimpleUploadedFile(
        "import.xml", (SAMPLES / "import.xml").read_bytes(), "text/xml"
    )

    response = admin_client.post(reverse("exchange:upload"), {"file": upload})

    run = ExchangeRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exchange:run-detail", args=[run.pk])
    assert run.status == RunStatus.DONE
    assert Product.objects.count() == 40
    page = admin_client.get(response["Location"])
    assert "Items" in page.content.decode()
    assert '<td class="text-end">40</td>' in page.content.decode()


def test_a_broken_upload_shows_the_reason_on_its_report(admin_client):
    upload = SimpleUploadedFile("import.xml", b"<?xml version='1.0'?><x", "text/xml")

    response = admin_client.post(
        reverse("exchange:upload"), {"file": upload}, follow=True
    )

    assert "not valid XML" in response.content.decode()
    assert Product.objects.count() == 0


def test_the_download_streams_a_catalogue_file(admin_client):
    from crm.sales.tests.factories import ProductFactory

    ProductFactory(name="Кабель")

    response = admin_client.get(reverse("exchange:download", args=["import"]))

    body = b"".join(response.streaming_content).decode()
    assert response["Content-Disposition"] == 'attachment; filename="import.xml"'
    assert "<Наименование>Кабель</Наименование>" in body


def test_an_administrator_names_the_exchange_user(admin_client, make_user):
    robot = make_user(role="readonly", username="onec")

    response = admin_client.post(reverse("exchange:user"), {"user": robot.pk})

    assert response.status_code == 302
    assert ExchangeSettings.objects.get().user == robot


def test_the_exchange_user_sees_the_page_but_cannot_name_another(
    client, admin_user, make_user, data_dir
):
    from crm.exchange.services.access import exchange_user_set

    robot = make_user(role="readonly", username="onec")
    exchange_user_set(actor=admin_user, user=robot)
    client.force_login(robot)

    page = client.get(reverse("exchange:settings"))
    change = client.post(reverse("exchange:user"), {"user": ""})

    assert page.status_code == 200
    assert change.status_code == 403
    assert ExchangeSettings.objects.get().user == robot


def test_the_settings_hub_links_the_exchange(admin_client):
    response = admin_client.get(reverse("core:settings"))

    assert reverse("exchange:settings").encode() in response.content
