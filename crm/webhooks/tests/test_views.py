"""Webhook settings pages: administrators only, the secret shown once, the log and
resending."""

import pytest
from django.urls import reverse

from crm.webhooks.models import Delivery, DeliveryStatus, WebhookSubscription
from crm.webhooks.services import webhook_create, webhook_ping

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscription(admin_user, receiver):
    subscription, _secret = webhook_create(
        actor=admin_user,
        name="ERP",
        url=receiver.url,
        events=["company.created", "deal.stage_changed"],
    )
    return subscription


@pytest.mark.parametrize("role", ["sales", "head", "readonly"])
def test_webhook_pages_refuse_everyone_but_administrators(
    client, make_user, subscription, role
):
    client.force_login(make_user(role=role))
    urls = [
        reverse("webhooks:webhook-list"),
        reverse("webhooks:webhook-create"),
        reverse("webhooks:webhook-detail", args=[subscription.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403
    response = client.post(
        reverse("webhooks:webhook-create"),
        {
            "name": "Evil",
            "url": "https://evil.example.com",
            "events": "company.created",
        },
    )
    assert response.status_code == 403
    delete = client.post(reverse("webhooks:webhook-delete", args=[subscription.pk]))
    assert delete.status_code == 403
    assert WebhookSubscription.objects.count() == 1


def test_webhook_create_view_shows_the_secret_once(client, admin_user, receiver):
    client.force_login(admin_user)
    response = client.post(
        reverse("webhooks:webhook-create"),
        {
            "name": "ERP",
            "url": receiver.url,
            "events": ["company.created", "contact.updated"],
            "is_active": "on",
        },
        follow=True,
    )
    subscription = WebhookSubscription.objects.get()
    page = response.content.decode()
    assert subscription.secret in page
    assert subscription.events == ["company.created", "contact.updated"]
    again = client.get(subscription.get_absolute_url()).content.decode()
    assert subscription.secret not in again


def test_webhook_create_view_names_a_bad_field(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("webhooks:webhook-create"),
        {"name": "ERP", "url": "http://169.254.169.254/", "events": "company.created"},
    )
    assert response.status_code == 200
    assert "metadata" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_webhook_detail_shows_the_log_with_a_bounded_number_of_queries(
    client,
    admin_user,
    subscription,
    receiver,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    receiver.codes = [500]
    for _n in range(30):
        with django_capture_on_commit_callbacks(execute=True):
            webhook_ping(actor=admin_user, subscription=subscription)
    client.force_login(admin_user)
    url = reverse("webhooks:webhook-detail", args=[subscription.pk])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    page = response.content.decode()
    assert page.count("webhook.ping") >= 25
    failed = client.get(url, {"status": "pending"}).content.decode()
    assert failed.count("webhook.ping") == 1


def test_delivery_detail_shows_payload_and_resends(
    client,
    admin_user,
    subscription,
    receiver,
    django_capture_on_commit_callbacks,
):
    receiver.codes = [502]
    with django_capture_on_commit_callbacks(execute=True):
        webhook_ping(actor=admin_user, subscription=subscription)
    delivery = Delivery.objects.get()
    client.force_login(admin_user)
    page = client.get(delivery.get_absolute_url()).content.decode()
    assert str(delivery.uuid) in page
    assert "receiver is down" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delivery.get_absolute_url())
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 2


def test_webhook_detail_switches_on_and_rotates_the_secret(
    client, admin_user, subscription
):
    client.force_login(admin_user)
    url = reverse("webhooks:webhook-detail", args=[subscription.pk])
    response = client.post(
        url, {"name": "ERP 2", "url": subscription.url, "events": "deal.stage_changed"}
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.name == "ERP 2"
    assert not subscription.is_active
    old = subscription.secret
    page = client.post(
        reverse("webhooks:webhook-secret-rotate", args=[subscription.pk]), follow=True
    ).content.decode()
    subscription.refresh_from_db()
    assert subscription.secret != old
    assert subscription.secret in page


def test_settings_page_links_to_webhooks(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("core:settings")).content.decode()
    assert reverse("webhooks:webhook-list") in page
