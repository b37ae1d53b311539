from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.customers.models import Contact
from crm.imports.models import ImportJob


def _upload(client, text="Фамилия;Имя\nИванов;Иван\n"):
    return client.post(
        reverse("imports:import-list"),
        {"entity": "contacts", "file": SimpleUploadedFile("people.csv", text.encode())},
    )


def test_import_pages_upload_map_check_and_import(
    client, admin_user, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    assert client.get(reverse("imports:import-list")).status_code == 200
    response = _upload(client)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == job.get_absolute_url()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Иванов" in page
    assert 'name="col_0"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:import-mapping", args=[job.pk]),
            {"col_0": "last_name", "col_1": "first_name", "action": "dry-run"},
        )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "checked"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("imports:import-mapping", args=[job.pk]),
            {"col_0": "last_name", "col_1": "first_name", "action": "run"},
        )
    assert Contact.objects.get().last_name == "Иванов"
    response = client.get(
        job.get_absolute_url() + "?part=progress", headers={"HX-Request": "true"}
    )
    assert response["HX-Refresh"] == "true"


def test_import_page_shows_a_bad_file_as_a_form_error(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("imports:import-list"),
        {
            "entity": "contacts",
            "file": SimpleUploadedFile("x.csv", "a\n".encode("utf-16")),
        },
    )
    assert response.status_code == 200
    assert "UTF-16" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_import_page_refuses_a_mapping_without_required_fields(client, admin_user):
    client.force_login(admin_user)
    _upload(client)
    job = ImportJob.objects.get()
    response = client.post(
        reverse("imports:import-mapping", args=[job.pk]),
        {"col_0": "last_name", "action": "run"},
    )
    assert response.status_code == 422
    assert "required field" in response.content.decode()


def test_someone_elses_import_page_is_not_found(client, manager, other_manager):
    client.force_login(manager)
    _upload(client)
    job = ImportJob.objects.get()
    client.force_login(other_manager)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert (
        client.get(reverse("imports:import-errors-csv", args=[job.pk])).status_code
        == 404
    )


def test_import_list_has_a_query_ceiling(
    client, admin_user, django_assert_max_num_queries
):
    client.force_login(admin_user)
    for _ in range(5):
        _upload(client)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("imports:import-list"))
    assert response.content.decode().count("people") >= 5


def test_import_is_under_more_in_the_navigation(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("customers:contact-list")).content.decode()
    assert f'href="{reverse("imports:import-list")}"' in page
