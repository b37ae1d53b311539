"""Zip archives in the 1C exchange: what `init` announces, unpacking in the protocol,
and the limits that keep an archive from escaping its folder or filling the disk."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.test import Client

from crm.exchange.models import ExchangeRun, ExchangeSession, RunStatus, SessionKind
from crm.exchange.services.archives import archive_unpack
from crm.exchange.services.files import run_receive, session_dir
from crm.exchange.services.sessions import session_start
from crm.exchange.tests.conftest import FULL_SAMPLES, SAMPLES
from crm.exchange.tests.factories import commerceml, document
from crm.exchange.tests.test_protocol import URL, _lines, _post_file, _sign_in
from crm.sales.models import Order, Price, Product, ProductGroup
from crm.sales.tests.factories import default_pipeline
from crm.sales.tests.factories_documents import OwnCompanyFactory


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            entry = zipfile.ZipInfo(name)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, content)
    return buffer.getvalue()


def _encrypted(archive: bytes) -> bytes:
    """The archive with the "encrypted" bit set on its entries (zipfile cannot
    write encrypted archives)."""
    data = bytearray(archive)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        while start != -1:
            data[start + offset] |= 0x1
            start = data.find(signature, start + 4)
    return bytes(data)


def _samples_zip() -> bytes:
    return zipped(
        {
            "import.xml": (SAMPLES / "import.xml").read_bytes(),
            "offers.xml": (SAMPLES / "offers.xml").read_bytes(),
        }
    )


def _import(client, name: str, kind: str = "catalog") -> list[str]:
    return _lines(client.get(URL, {"type": kind, "mode": "import", "filename": name}))


def _in_parts(client, name: str, body: bytes, parts: int = 3) -> list[list[str]]:
    size = len(body) // parts + 1
    return [
        _lines(_post_file(client, name, body[start : start + size]))
        for start in range(0, len(body), size)
    ]


@pytest.fixture
def client(data_dir):
    return Client()


def test_init_offers_zip_and_the_file_limit_of_the_settings(
    client, admin_user, settings
):
    settings.CRM_EXCHANGE_FILE_LIMIT = 5 * 1024 * 1024
    _sign_in(client, admin_user)

    answer = _lines(client.get(URL, {"type": "catalog", "mode": "init"}))

    assert answer[:2] == ["zip=yes", "file_limit=5242880"]


def test_init_announces_no_zip_when_the_setting_says_so(client, admin_user, settings):
    settings.CRM_EXCHANGE_ZIP = False
    _sign_in(client, admin_user)

    answer = _lines(client.get(URL, {"type": "catalog", "mode": "init"}))

    assert answer[0] == "zip=no"


@pytest.mark.skipif(not FULL_SAMPLES.exists(), reason="the full 1C samples are absent")
def test_the_real_exchange_zipped_and_sent_in_parts_imports_both_files(
    client, admin_user
):
    archive = zipped(
        {
            "import0_1.xml": (FULL_SAMPLES / "import0_1.xml").read_bytes(),
            "offers0_1.xml": (FULL_SAMPLES / "offers0_1.xml").read_bytes(),
        }
    )
    _sign_in(client, admin_user)
    client.get(URL, {"type": "catalog", "mode": "init"})

    received = _in_parts(client, "v8_exchange.zip", archive)
    catalogue = _import(client, "import0_1.xml")
    offers = _import(client, "offers0_1.xml")

    assert received == [["success"]] * 3
    assert catalogue == ["success"]
    assert offers == ["success"]
    assert ProductGroup.objects.count() == 59
    assert Product.objects.count() == 1197 + 2641 - 541
    assert Price.objects.count() == 2641
    boots = Product.objects.get(
        external_id="bd72d910-55bc-11d9-848a-00112f43529a#90c55447-d3a8-11e4-9423-e0cb4ed5eed4"
    )
    assert boots.stock == Decimal("20")
    zip_run = ExchangeRun.objects.get(filename="v8_exchange.zip")
    assert zip_run.size == len(archive)
    assert zip_run.status == RunStatus.DONE
    assert {r.filename for r in zip_run.unpacked.all()} == {
        "import0_1.xml",
        "offers0_1.xml",
    }
    assert ExchangeRun.objects.get(filename="offers0_1.xml").errors == []


def test_a_second_identical_zipped_exchange_changes_nothing(client, admin_user):
    archive = _samples_zip()
    _sign_in(client, admin_user)
    _in_parts(client, "import.zip", archive)
    assert _import(client, "import.xml") == ["success"]
    assert _import(client, "offers.xml") == ["success"]
    versions = dict(Product.objects.values_list("pk", "version"))
    stocks = dict(Product.objects.values_list("pk", "stock_updated_at"))

    client.cookies.clear()
    _sign_in(client, admin_user)
    _in_parts(client, "import.zip", archive)
    again = [_import(client, "import.xml"), _import(client, "offers.xml")]

    assert again == [["success"], ["success"]]
    runs = ExchangeRun.objects.filter(filename__endswith=".xml").order_by("-pk")[:2]
    for run in runs:
        assert run.totals["created"] == 0
        assert run.totals["updated"] == 0
    assert dict(Product.objects.values_list("pk", "version")) == versions
    assert dict(Product.objects.values_list("pk", "stock_updated_at")) == stocks


def test_importing_the_archive_by_its_own_name_imports_what_it_holds(
    client, admin_user
):
    _sign_in(client, admin_user)
    _post_file(client, "import.zip", _samples_zip())

    answer = _import(client, "import.zip")

    assert answer == ["success"]
    assert Product.objects.count() == 55
    assert Price.objects.count() == 47


def test_zipped_orders_are_imported_when_the_archive_arrives(client, admin_user):
    default_pipeline()
    OwnCompanyFactory()
    _sign_in(client, admin_user, "sale")

    response = _post_file(
        client,
        "orders.zip",
        zipped({"orders-1.xml": commerceml(document())}),
        kind="sale",
    )

    assert _lines(response) == ["success"]
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    "name",
    ["../evil.xml", "/tmp/evil.xml", "..\\evil.xml", "import_files/../../evil.jpg"],
)
def test_an_archive_naming_a_path_outside_its_folder_is_refused_whole(
    client, admin_user, data_dir, name
):
    _sign_in(client, admin_user)
    archive = zipped({"import.xml": b"<x/>", name: b"<x/>"})
    _post_file(client, "import.zip", archive)

    answer = _import(client, "import.xml")

    assert answer[0] == "failure"
    assert "outside" in answer[1]
    session = ExchangeSession.objects.get()
    assert sorted(p.name for p in session_dir(session).iterdir()) == ["import.zip"]
    assert not list(data_dir.rglob("evil.*"))
    assert ExchangeRun.objects.get(filename="import.zip").status == RunStatus.FAILED


def test_an_archive_with_too_many_files_is_refused(client, admin_user, settings):
    settings.CRM_EXCHANGE_UNZIP_MAX_FILES = 3
    _sign_in(client, admin_user)
    _post_file(
        client, "import.zip", zipped({f"import_files/{i}.jpg": b"x" for i in range(4)})
    )

    answer = _import(client, "import.xml")

    assert answer[0] == "failure"
    assert "at most 3" in answer[1]


def test_an_archive_unpacking_to_more_than_the_limit_is_refused(
    client, admin_user, settings
):
    settings.CRM_EXCHANGE_UNZIP_MAX_SIZE = 1024 * 1024
    bomb = zipped({"import.xml": b"<a>" + b" " * (2 * 1024 * 1024) + b"</a>"})
    assert len(bomb) < 10_000
    _sign_in(client, admin_user)
    _post_file(client, "import.zip", bomb)

    answer = _import(client, "import.xml")

    assert answer[0] == "failure"
    assert "1 MB" in answer[1]
    session = ExchangeSession.objects.get()
    assert not (session_dir(session) / "import.xml").exists()


def test_only_xml_files_and_pictures_are_taken_from_an_archive(admin_user, data_dir):
    session = session_start(actor=admin_user, kind=SessionKind.CATALOG)
    archive = zipped(
        {
            "import.xml": b"<x/>",
            "import_files/ab/photo.JPG": b"jpeg",
            "run.sh": b"rm -rf /",
            "import_files/page.php": b"<?php",
        }
    )
    run = run_receive(
        actor=admin_user, session=session, filename="a.zip", chunk=archive
    )

    runs = archive_unpack(actor=admin_user, run=run)

    folder = session_dir(session)
    assert [r.filename for r in runs] == ["import.xml"]
    assert (folder / "import_files" / "ab" / "photo.JPG").read_bytes() == b"jpeg"
    assert not (folder / "run.sh").exists()
    assert not (folder / "import_files" / "page.php").exists()
    run.refresh_from_db()
    assert run.stats["archive"] == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "refused": 2,
    }


def test_an_encrypted_archive_is_refused(admin_user, data_dir):
    from crm.exchange.commerceml.reader import CommerceMLError

    session = session_start(actor=admin_user, kind=SessionKind.CATALOG)
    archive = _encrypted(zipped({"import.xml": b"<x/>"}))
    run = run_receive(
        actor=admin_user, session=session, filename="a.zip", chunk=archive
    )

    with pytest.raises(CommerceMLError, match="encrypted"):
        archive_unpack(actor=admin_user, run=run)


def test_a_file_that_is_not_a_readable_zip_is_refused(client, admin_user):
    _sign_in(client, admin_user)
    _post_file(client, "import.zip", b"PK\x03\x04 broken off")

    answer = _import(client, "import.zip")

    assert answer[0] == "failure"
    assert "zip" in answer[1]


def test_a_zip_uploaded_on_the_page_is_unpacked_and_imported_in_order(
    client, admin_user
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(admin_user)
    # offers first in the archive: the catalogue must still be imported before them
    archive = zipped(
        {
            "offers.xml": (SAMPLES / "offers.xml").read_bytes(),
            "import.xml": (SAMPLES / "import.xml").read_bytes(),
        }
    )
    upload = SimpleUploadedFile("exchange.zip", archive, "application/zip")

    response = client.post(reverse("exchange:upload"), {"file": upload})
    page = client.get(response["Location"]).content.decode()

    assert response.status_code == 302
    assert Product.objects.count() == 55
    assert Price.objects.count() == 47
    assert 'id="run-unpacked"' in page
    assert "offers.xml" in page
    assert set(ExchangeRun.objects.values_list("status", flat=True)) == {RunStatus.DONE}
