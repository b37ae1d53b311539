"""The `exports` API: a job per export, its status, and the file for its owner only."""

import io

import pytest
from openpyxl import load_workbook

from crm.customers.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_export_api_makes_a_job_and_serves_the_file_to_its_owner_only(
    manager, other_manager, api_client, django_capture_on_commit_callbacks
):
    # given
    ContactFactory(last_name="Свой", email="own@example.com", curator=manager)
    ContactFactory(last_name="Чужой", curator=other_manager)
    api = api_client(manager)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/exports",
            {
                "list": "customers.contacts",
                "format": "xlsx",
                "filters": {"has_email": "yes", "cols": ["name", "email"]},
            },
        )
    # then
    assert response.status_code == 202
    job = response.json()
    assert job["list"] == "customers.contacts"
    status = api.get(f"/exports/{job['id']}").json()
    assert status["status"] == "done"
    assert status["row_count"] == 1
    assert status["file_url"] == f"/api/v1/exports/{job['id']}/file"
    download = api.get(f"/exports/{job['id']}/file")
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    rows = list(book.worksheets[0].values)
    assert rows[0] == ("Full name", "E-mail")
    assert rows[1][1] == "own@example.com"
    assert len(rows) == 2
    other = api_client(other_manager)
    assert other.get(f"/exports/{job['id']}").status_code == 404
    assert other.get(f"/exports/{job['id']}/file").status_code == 404


def test_export_api_refuses_an_unknown_list(manager, api_client):
    response = api_client(manager).post(
        "/exports", {"list": "customers.secrets", "format": "csv"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "list"]
