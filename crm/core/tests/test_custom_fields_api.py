import pytest

from crm.core.models import CustomField
from crm.core.services import custom_field_create

SEGMENT = {
    "entity": "company",
    "key": "segment",
    "label_en": "Segment",
    "label_ru": "Сегмент",
    "kind": "choice",
    "choices": ["Розница", "Опт"],
    "is_required": True,
    "position": 2,
}


@pytest.fixture
def segment(admin_user):
    return custom_field_create(actor=admin_user, **SEGMENT)


def test_administrator_creates_a_custom_field(api_client, admin_user):
    response = api_client(admin_user).post("/custom-fields", SEGMENT)
    assert response.status_code == 201
    body = response.json()
    field = CustomField.objects.get()
    assert body == {
        "id": field.pk,
        **SEGMENT,
        "label": "Segment",
        "is_active": True,
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"key": "Not A Key"}, "key"),
        ({"entity": "deal"}, "entity"),
        ({"kind": "colour"}, "kind"),
        ({"choices": []}, "choices"),
        ({"label_en": "", "label_ru": ""}, "label_en"),
        ({"label_en": "x" * 101}, "label_en"),
        ({"position": -1}, "position"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(api_client, admin_user, changes, field):
    response = api_client(admin_user).post("/custom-fields", {**SEGMENT, **changes})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field
    assert not CustomField.objects.exists()


def test_a_missing_required_field_is_a_422_naming_it(api_client, admin_user):
    data = {k: v for k, v in SEGMENT.items() if k != "kind"}
    response = api_client(admin_user).post("/custom-fields", data)
    assert response.status_code == 422
    assert "kind" in response.json()["detail"][0]["loc"]


def test_a_duplicate_key_is_a_422(api_client, admin_user, segment):
    response = api_client(admin_user).post("/custom-fields", SEGMENT)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "key"
    # the same key is fine for the other entity
    other = api_client(admin_user).post(
        "/custom-fields", {**SEGMENT, "entity": "contact"}
    )
    assert other.status_code == 201


def test_a_sales_manager_reads_but_cannot_write(api_client, manager, segment):
    client = api_client(manager)
    assert client.get("/custom-fields").json()["count"] == 1
    assert client.get(f"/custom-fields/{segment.pk}").status_code == 200
    created = client.post("/custom-fields", {**SEGMENT, "key": "mine"})
    assert created.status_code == 403
    assert created.json()["detail"]
    assert (
        client.patch(f"/custom-fields/{segment.pk}", {"label_en": "X"}).status_code
        == 403
    )
    assert client.delete(f"/custom-fields/{segment.pk}").status_code == 403
    segment.refresh_from_db()
    assert segment.label_en == "Segment"
    assert CustomField.objects.count() == 1


def test_list_filters_by_entity_and_pages(
    api_client, admin_user, manager, django_assert_max_num_queries
):
    for n in range(6):
        custom_field_create(
            actor=admin_user,
            entity="contact" if n % 3 else "company",
            key=f"f{n}",
            label_en=f"F{n}",
            kind="text",
            position=n,
        )
    client = api_client(manager)
    with django_assert_max_num_queries(5):
        response = client.get("/custom-fields", {"entity": "contact", "page_size": 3})
    body = response.json()
    assert body["count"] == 4
    assert [f["key"] for f in body["items"]] == ["f1", "f2", "f4"]
    second = client.get(
        "/custom-fields", {"entity": "contact", "page_size": 3, "page": 2}
    )
    assert [f["key"] for f in second.json()["items"]] == ["f5"]


def test_patch_changes_only_what_is_sent(api_client, admin_user, segment):
    response = api_client(admin_user).patch(
        f"/custom-fields/{segment.pk}",
        {
            "label_ru": "Сегмент рынка",
            "choices": ["Опт", "Дистрибуция"],
            "is_active": False,
        },
    )
    assert response.status_code == 200
    segment.refresh_from_db()
    assert segment.label_en == "Segment"
    assert segment.label_ru == "Сегмент рынка"
    assert segment.choices == ["Опт", "Дистрибуция"]
    assert segment.is_active is False
    assert segment.is_required is True


def test_patch_cannot_change_the_type(api_client, admin_user, segment):
    response = api_client(admin_user).patch(
        f"/custom-fields/{segment.pk}", {"kind": "text"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "kind"
    segment.refresh_from_db()
    assert segment.kind == "choice"


def test_patch_ignores_the_key(api_client, admin_user, segment):
    response = api_client(admin_user).patch(
        f"/custom-fields/{segment.pk}", {"key": "renamed", "label_en": "Market"}
    )
    assert response.status_code == 200
    segment.refresh_from_db()
    assert (segment.key, segment.label_en) == ("segment", "Market")


def test_delete_removes_the_definition(api_client, admin_user, segment):
    response = api_client(admin_user).delete(f"/custom-fields/{segment.pk}")
    assert response.status_code == 204
    assert not CustomField.objects.exists()


def test_a_missing_field_is_404(api_client, admin_user):
    client = api_client(admin_user)
    assert client.get("/custom-fields/999").status_code == 404
    assert client.patch("/custom-fields/999", {"label_en": "X"}).status_code == 404
    assert client.delete("/custom-fields/999").status_code == 404


def test_the_label_follows_the_language_asked_for(api_client, admin_user, segment):
    client = api_client(admin_user)
    response = client.client.get(
        f"/api/v1/custom-fields/{segment.pk}", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.json()["label"] == "Сегмент"


def test_openapi_names_operations_after_services_and_selectors(client):
    # Read over HTTP: the API module is a higher layer than this app.
    schema = client.get("/api/v1/openapi.json").json()
    operations = {
        op["operationId"]
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {
        "custom_field_list",
        "custom_field_create",
        "custom_field_get",
        "custom_field_update",
        "custom_field_delete",
    } <= operations
    components = schema["components"]["schemas"]
    assert {"CustomFieldIn", "CustomFieldPatch", "CustomFieldOut"} <= set(components)
