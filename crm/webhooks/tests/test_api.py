"""The webhooks and exports API: administrators only, secrets once, deliveries log,
exports as jobs with files for their owners, and the OpenAPI contract."""

import pytest

from crm.webhooks.models import Delivery, WebhookSubscription

pytestmark = pytest.mark.django_db


def _create(api, url, events=("company.created",)):
    return api.post("/webhooks", {"name": "ERP", "url": url, "events": list(events)})


def test_webhook_create_api_returns_the_secret_once(admin_user, api_client, receiver):
    api = api_client(admin_user)
    response = _create(api, receiver.url)
    assert response.status_code == 201
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["company.created"]
    assert body["is_active"] is True
    again = api.get(f"/webhooks/{body['id']}").json()
    assert "secret" not in again
    listed = api.get("/webhooks").json()
    assert listed["count"] == 1
    assert "secret" not in listed["items"][0]
    assert WebhookSubscription.objects.get().secret == body["secret"]


@pytest.mark.parametrize("role", ["sales", "head", "readonly", "marketer"])
def test_webhook_api_refuses_everyone_but_administrators(
    make_user, admin_user, api_client, role
):
    subscription_id = _create(
        api_client(admin_user), "https://erp.example.com/hook"
    ).json()["id"]
    api = api_client(make_user(role=role))
    assert _create(api, "https://evil.example.com/").status_code == 403
    assert api.get("/webhooks").status_code == 403
    assert api.get(f"/webhooks/{subscription_id}").status_code == 403
    assert api.get(f"/webhooks/{subscription_id}/deliveries").status_code == 403
    assert (
        api.patch(
            f"/webhooks/{subscription_id}", {"url": "https://evil.example.com"}
        ).status_code
        == 403
    )
    assert api.delete(f"/webhooks/{subscription_id}").status_code == 403
    assert WebhookSubscription.objects.get().url == "https://erp.example.com/hook"


def test_webhook_create_api_names_the_bad_field(admin_user, api_client):
    api = api_client(admin_user)
    response = api.post(
        "/webhooks",
        {"name": "", "url": "ftp://x", "events": ["nothing.happened"]},
    )
    assert response.status_code == 422
    fields = {tuple(e["loc"][1:]) for e in response.json()["detail"]}
    assert fields == {("name",), ("url",), ("events",)}


def test_webhook_deliveries_api_shows_the_log_and_resends(
    admin_user, api_client, receiver, django_capture_on_commit_callbacks
):
    api = api_client(admin_user)
    receiver.codes = [500]
    webhook = _create(api, receiver.url).json()
    ping = api.post(f"/webhooks/{webhook['id']}/ping")
    assert ping.status_code == 202
    assert ping.json()["status"] == "pending"
    assert ping.json()["response_code"] == 500
    log = api.get(f"/webhooks/{webhook['id']}/deliveries").json()
    assert log["count"] == 1
    [item] = log["items"]
    assert item["event"] == "webhook.ping"
    assert item["attempts"] == 1
    detail = api.get(f"/webhooks/{webhook['id']}/deliveries/{item['id']}").json()
    assert detail["payload"]["id"] == detail["uuid"]
    assert detail["response_body"] == "receiver is down"
    with django_capture_on_commit_callbacks(execute=True):
        resent = api.post(f"/webhooks/{webhook['id']}/deliveries/{item['id']}/resend")
    assert resent.status_code == 202
    assert resent.json()["status"] == "pending"
    resent_log = api.get(f"/webhooks/{webhook['id']}/deliveries/{item['id']}")
    assert resent_log.json()["status"] == "succeeded"
    assert len(receiver.requests) == 2
    only_failed = api.get(
        f"/webhooks/{webhook['id']}/deliveries", {"status": "failed"}
    ).json()
    assert only_failed["count"] == 0


def test_webhook_update_api_switches_on_and_changes_events(admin_user, api_client):
    api = api_client(admin_user)
    webhook = _create(api, "https://erp.example.com/hook").json()
    response = api.patch(
        f"/webhooks/{webhook['id']}",
        {"events": ["deal.stage_changed", "contact.imported"], "is_active": False},
    )
    assert response.status_code == 200
    assert response.json()["events"] == ["contact.imported", "deal.stage_changed"]
    assert response.json()["is_active"] is False
    rotated = api.post(f"/webhooks/{webhook['id']}/rotate-secret").json()["secret"]
    assert rotated != webhook["secret"]
    assert api.delete(f"/webhooks/{webhook['id']}").status_code == 204
    assert not WebhookSubscription.objects.exists()
    assert not Delivery.objects.exists()


def test_webhook_events_api_lists_the_catalogue(admin_user, api_client):
    names = {e["name"] for e in api_client(admin_user).get("/webhooks/events").json()}
    assert {
        "company.created",
        "contact.updated",
        "deal.deleted",
        "task.restored",
        "invoice.created",
        "deal.stage_changed",
        "contact.imported",
    } <= names


def test_openapi_describes_webhooks_and_exports(api_client, admin_user):
    schema = api_client(admin_user).get("/openapi.json").json()
    operations = {
        op["operationId"] for path in schema["paths"].values() for op in path.values()
    }
    assert {
        "webhook_list",
        "webhook_create",
        "webhook_update",
        "webhook_delete",
        "webhook_secret_rotate",
        "delivery_list",
        "delivery_resend",
        "export_job_create",
        "export_job_get",
        "export_job_file",
    } <= operations
    created = schema["components"]["schemas"]["WebhookCreatedOut"]
    assert "secret" in created["properties"]
    assert "secret" not in schema["components"]["schemas"]["WebhookOut"]["properties"]
