from crm.customers.models import Contact
from crm.imports.models import ImportJob

TEXT = "Фамилия;Имя;E-mail\nИванов;Иван;ivan@example.com\nПетров;;bad\n"


def _upload(client, text=TEXT, entity="contacts", name="people.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.client.post(
        "/api/v1/imports",
        {"entity": entity, "file": SimpleUploadedFile(name, text.encode("cp1251"))},
    )


def test_api_upload_map_dry_run_run_and_read_errors(
    api_client, admin_user, django_capture_on_commit_callbacks
):
    client = api_client(admin_user)
    # upload
    response = _upload(client)
    assert response.status_code == 201, response.content
    body = response.json()
    job_id = body["id"]
    assert body["mapping"] == {"0": "last_name", "1": "first_name", "2": "email"}
    assert body["preview"][0] == ["Иванов", "Иван", "ivan@example.com"]
    assert body["encoding"] == "cp1251"
    assert any(f["name"] == "first_name" for f in body["fields"])
    # mapping: skip the last name
    response = client.put(
        f"imports/{job_id}/mapping", {"mapping": {"1": "first_name", "2": "email"}}
    )
    assert response.status_code == 200
    assert response.json()["mapping"] == {"1": "first_name", "2": "email"}
    response = client.patch(
        f"imports/{job_id}/mapping", {"mapping": {"0": "last_name"}}
    )
    assert response.json()["mapping"]["0"] == "last_name"
    # dry run
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"imports/{job_id}/dry-run")
    assert response.status_code == 202
    status = client.get(f"imports/{job_id}").json()
    assert status["status"] == "checked"
    assert (status["created_count"], status["rejected_count"]) == (1, 1)
    errors = client.get(f"imports/{job_id}/errors").json()
    assert errors["count"] == 1
    assert [(e["row"], e["column"]) for e in errors["items"]] == [(3, "E-mail")]
    assert Contact.objects.count() == 0
    # run
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"imports/{job_id}/run")
    assert response.status_code == 202
    status = client.get(f"imports/{job_id}").json()
    assert (status["status"], status["percent"], status["created_count"]) == (
        "done",
        100,
        1,
    )
    assert Contact.objects.get().email == "ivan@example.com"
    # rejected rows as CSV
    response = client.client.get(f"/api/v1/imports/{job_id}/errors.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].split(";")[-1] == "Reason"
    assert lines[1].startswith("Петров;;bad;")
    assert "E-mail" in lines[1]
    # the same file cannot run twice
    response = client.post(f"imports/{job_id}/run")
    assert response.status_code == 422


def test_api_upload_refuses_a_bad_file_with_422(api_client, admin_user):
    client = api_client(admin_user)
    response = _upload(client, text="", name="empty.csv")
    assert response.status_code == 422
    assert ImportJob.objects.count() == 0


def test_api_mapping_refuses_an_unknown_field(api_client, admin_user):
    client = api_client(admin_user)
    job_id = _upload(client).json()["id"]
    response = client.put(
        f"imports/{job_id}/mapping", {"mapping": {"0": "salary", "1": "first_name"}}
    )
    assert response.status_code == 422
    assert "salary" in response.content.decode()


def test_api_imports_are_seen_only_by_their_owner_and_administrators(
    api_client, manager, other_manager, admin_user
):
    job_id = _upload(api_client(manager)).json()["id"]
    other = api_client(other_manager)
    assert other.get(f"imports/{job_id}").status_code == 404
    assert other.post(f"imports/{job_id}/run").status_code == 404
    assert other.get(f"imports/{job_id}/errors").status_code == 404
    assert other.get("imports").json()["count"] == 0
    assert api_client(manager).get("imports").json()["count"] == 1
    assert api_client(admin_user).get(f"imports/{job_id}").status_code == 200


def test_api_templates_save_list_apply_and_delete(api_client, admin_user):
    client = api_client(admin_user)
    job_id = _upload(client).json()["id"]
    response = client.post(
        "import-templates", {"entity": "contacts", "name": "CRM", "import_id": job_id}
    )
    assert response.status_code == 201
    template = response.json()
    assert template["mapping"] == {
        "Фамилия": "last_name",
        "Имя": "first_name",
        "E-mail": "email",
    }
    assert client.get("import-templates?entity=contacts").json()["count"] == 1
    client.put(f"imports/{job_id}/mapping", {"mapping": {"1": "first_name"}})
    response = client.post(
        f"imports/{job_id}/template", {"template_id": template["id"]}
    )
    assert response.json()["mapping"] == {
        "0": "last_name",
        "1": "first_name",
        "2": "email",
    }
    assert client.delete(f"import-templates/{template['id']}").status_code == 204


def test_api_list_of_imports_has_a_query_ceiling(
    api_client, admin_user, django_assert_max_num_queries
):
    client = api_client(admin_user)
    for _ in range(5):
        _upload(client)
    with django_assert_max_num_queries(6):
        response = client.get("imports")
    assert response.json()["count"] == 5


def test_openapi_describes_the_import_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = {
        op["operationId"]
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {
        "import_upload",
        "import_set_mapping",
        "import_dry_run",
        "import_run",
        "import_get",
        "import_errors",
        "import_errors_csv",
        "mapping_template_save",
    } <= operations
