"""Webhooks end to end against a real receiver on loopback: signatures, retries
with backoff, the delivery log, switch-off, event filtering and payloads."""

import datetime as dt
import hashlib
import hmac
import time

import pytest
from django.utils import timezone

from crm.core.errors import DomainError, Forbidden
from crm.core.models import Notification
from crm.customers.services import company_create
from crm.webhooks.models import Delivery, DeliveryStatus, WebhookSubscription
from crm.webhooks.services import (
    deliveries_send_due,
    delivery_resend,
    signature,
    webhook_create,
    webhook_ping,
    webhook_update,
)
from crm.webhooks.services.sending import BACKOFF

pytestmark = pytest.mark.django_db


def _verify(secret: str, request: dict) -> bool:
    """What a receiver does: recompute the signature over timestamp and raw body."""
    headers = {k.lower(): v for k, v in request["headers"].items()}
    timestamp = headers["x-crm-timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256
    ).hexdigest()
    fresh = abs(time.time() - int(timestamp)) < 300
    return fresh and hmac.compare_digest(
        headers["x-crm-signature"], f"sha256={expected}"
    )


def _company(actor, name="ООО «Ромашка»", **fields):
    return company_create(actor=actor, name=name, relation="client", **fields)


def test_webhook_create_refuses_a_non_administrator(manager, receiver):
    with pytest.raises(Forbidden):
        webhook_create(
            actor=manager, name="ERP", url=receiver.url, events=["company.created"]
        )
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/hook", "http"),
        ("javascript:alert(1)", "http"),
        ("http://169.254.169.254/latest/meta-data", "metadata"),
        ("http://[fe80::1]/hook", "metadata"),
        ("https://user:pass@example.com/hook", "password"),
        ("", "Enter"),
        ("https:///nohost", "host"),
    ],
)
def test_webhook_create_refuses_a_bad_url(admin_user, url, message):
    with pytest.raises(DomainError) as error:
        webhook_create(actor=admin_user, name="ERP", url=url, events=["deal.updated"])
    assert error.value.field == "url"
    assert message in str(error.value.message)


def test_webhook_create_refuses_unknown_or_no_events(admin_user):
    with pytest.raises(DomainError) as error:
        webhook_create(
            actor=admin_user,
            name="ERP",
            url="https://erp.example.com/hook",
            events=["company.exploded"],
        )
    assert error.value.field == "events"
    assert "company.exploded" in str(error.value.message)
    with pytest.raises(DomainError):
        webhook_create(
            actor=admin_user, name="ERP", url="https://erp.example.com/h", events=[]
        )


def test_webhook_delivers_a_signed_created_event_with_the_record(
    admin_user, manager, receiver, django_capture_on_commit_callbacks
):
    # given: a subscription to new companies
    subscription, secret = webhook_create(
        actor=admin_user, name="ERP", url=receiver.url, events=["company.created"]
    )
    assert secret.startswith("whsec_")
    # when: a manager creates a company
    with django_capture_on_commit_callbacks(execute=True):
        company = _company(manager, inn="7707083893")
    # then: the receiver got one signed POST with the record
    [request] = receiver.requests
    assert _verify(secret, request)
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["x-crm-event"] == "company.created"
    assert headers["content-type"].startswith("application/json")
    [body] = receiver.bodies()
    delivery = Delivery.objects.get()
    assert body["id"] == str(delivery.uuid) == headers["x-crm-delivery"]
    assert body["event"] == "company.created"
    assert body["actor"]["id"] == manager.pk
    assert body["object"]["type"] == "company"
    assert body["object"]["id"] == company.pk
    assert body["object"]["name"] == "ООО «Ромашка»"
    assert body["object"]["inn"] == "7707083893"
    assert body["object"]["url"].endswith(company.get_absolute_url())
    assert "search_text" not in body["object"]
    assert body["changes"]["name"] == {"old": None, "new": "ООО «Ромашка»"}
    assert dt.datetime.fromisoformat(body["occurred_at"])
    # and the log says so
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1
    assert delivery.response_code == 200
    assert delivery.duration_ms is not None
    subscription.refresh_from_db()
    assert subscription.last_success_at is not None


def test_webhook_sends_only_the_events_chosen(
    admin_user, manager, receiver, django_capture_on_commit_callbacks
):
    # given: one subscription to updates only, another switched off
    webhook_create(
        actor=admin_user, name="ERP", url=receiver.url, events=["company.updated"]
    )
    webhook_create(
        actor=admin_user,
        name="Off",
        url=receiver.url,
        events=["company.created", "company.updated"],
        is_active=False,
    )
    # when: a company is created, then renamed
    with django_capture_on_commit_callbacks(execute=True):
        company = _company(manager)
    assert receiver.requests == []
    from crm.customers.services import company_update

    with django_capture_on_commit_callbacks(execute=True):
        company_update(
            actor=manager, company=company, version=company.version, name="ООО «Лютик»"
        )
    # then: only the update, only once, with what changed
    [body] = receiver.bodies()
    assert body["event"] == "company.updated"
    assert body["changes"]["name"] == {"old": "ООО «Ромашка»", "new": "ООО «Лютик»"}
    assert body["object"]["name"] == "ООО «Лютик»"


def test_webhook_payload_of_a_delete(
    admin_user, manager, receiver, django_capture_on_commit_callbacks
):
    from crm.customers.services import company_delete

    webhook_create(
        actor=admin_user, name="ERP", url=receiver.url, events=["company.deleted"]
    )
    company = _company(manager)
    with django_capture_on_commit_callbacks(execute=True):
        company_delete(actor=manager, company=company)
    [body] = receiver.bodies()
    assert body["event"] == "company.deleted"
    assert body["object"]["id"] == company.pk
    assert body["object"]["deleted_at"] is not None


def test_webhook_retries_with_backoff_until_the_receiver_accepts(
    admin_user, manager, receiver, django_capture_on_commit_callbacks
):
    # given: a receiver that fails twice with 500
    receiver.codes = [500, 500]
    subscription, secret = webhook_create(
        actor=admin_user, name="ERP", url=receiver.url, events=["company.created"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        _company(manager)
    delivery = Delivery.objects.get()
    # then: the first attempt failed and the next waits a minute
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.response_code == 500
    assert "receiver is down" in delivery.response_body
    assert "500" in delivery.error
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert wait == BACKOFF[0]
    # when: the periodic job runs before that minute: nothing is sent
    assert deliveries_send_due(now=timezone.now()) == 0
    assert len(receiver.requests) == 1
    # when: it runs after it, and after the next wait
    assert (
        deliveries_send_due(now=delivery.next_attempt_at + dt.timedelta(seconds=1)) == 1
    )
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at - delivery.last_attempt_at == BACKOFF[1]
    deliveries_send_due(now=delivery.next_attempt_at + dt.timedelta(seconds=1))
    # then: delivered at the third attempt, each attempt signed, one id throughout
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 3
    assert len(receiver.requests) == 3
    assert all(_verify(secret, r) for r in receiver.requests)
    ids = {
        v
        for r in receiver.requests
        for k, v in r["headers"].items()
        if k.lower() == "x-crm-delivery"
    }
    assert len(ids) == 1
    subscription.refresh_from_db()
    assert subscription.failure_count == 0
    assert subscription.is_active


def test_webhook_gives_up_on_a_delivery_after_the_last_backoff(
    admin_user, receiver, django_capture_on_commit_callbacks, settings
):
    settings.CRM_WEBHOOK_MAX_FAILURES = 100
    receiver.codes = [503] * 10
    subscription, _secret = webhook_create(
        actor=admin_user, name="ERP", url=receiver.url, events=["company.created"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        webhook_ping(actor=admin_user, subscription=subscription)
    delivery = Delivery.objects.get()
    for _n in BACKOFF:
        deliveries_send_due(now=delivery.next_attempt_at + dt.timedelta(seconds=1))
        delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == len(BACKOFF) + 1
    assert delivery.next_attempt_at is None


def test_webhook_is_switched_off_after_repeated_failures_and_admins_told(
    admin_user, manager, receiver, settings, django_capture_on_commit_callbacks
):
    # given: a receiver that always fails, and a limit of 3 failures in a row
    settings.CRM_WEBHOOK_MAX_FAILURES = 3
    receiver.codes = [500] * 20
    subscription, _secret = webhook_create(
        actor=admin_user, name="ERP", url=receiver.url, events=["company.created"]
    )
    # when: three companies are created (three failed first attempts)
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            _company(manager, name=f"Компания {n}")
    # then: switched off, waiting deliveries stopped, administrators notified
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.disabled_at is not None
    assert not Delivery.objects.filter(status=DeliveryStatus.PENDING).exists()
    notice = Notification.objects.get(user=admin_user)
    assert "ERP" in notice.title
    assert notice.url == subscription.get_absolute_url()
    # and no further deliveries are made while it is off
    with django_capture_on_commit_callbacks(execute=True):
        _company(manager, name="Ещё одна")
    assert len(receiver.requests) == 3
    # when: the administrator switches it on and resends a failed delivery
    webhook_update(actor=admin_user, subscription=subscription, is_active=True)
    subscription.refresh_from_db()
    assert subscription.failure_count == 0
    receiver.codes = []
    failed = Delivery.objects.filter(status=DeliveryStatus.FAILED).first()
    with django_capture_on_commit_callbacks(execute=True):
        delivery_resend(actor=admin_user, delivery=failed)
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.SUCCEEDED
    assert receiver.bodies()[-1]["id"] == str(failed.uuid)


def test_webhook_records_a_connection_error(
    admin_user, django_capture_on_commit_callbacks
):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subscription, _secret = webhook_create(
        actor=admin_user,
        name="Nobody",
        url=f"http://127.0.0.1:{port}/",
        events=["company.created"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        webhook_ping(actor=admin_user, subscription=subscription)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_code is None
    assert delivery.error


def test_webhook_does_not_follow_redirects(
    admin_user, receiver, django_capture_on_commit_callbacks
):
    receiver.codes = [302]
    subscription, _secret = webhook_create(
        actor=admin_user, name="ERP", url=receiver.url, events=["company.created"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        webhook_ping(actor=admin_user, subscription=subscription)
    delivery = Delivery.objects.get()
    assert delivery.response_code == 302
    assert delivery.status == DeliveryStatus.PENDING
    assert len(receiver.requests) == 1


def test_signature_covers_timestamp_and_body():
    assert signature("s", 1, b"{}") != signature("s", 2, b"{}")
    assert signature("s", 1, b"{}") != signature("t", 1, b"{}")
    expected = hmac.new(b"s", b"1.{}", hashlib.sha256).hexdigest()
    assert signature("s", 1, b"{}") == f"sha256={expected}"


def test_webhook_payload_of_a_deal_stage_change(
    admin_user, manager, receiver, django_capture_on_commit_callbacks
):
    from crm.sales.services.deals import deal_move_stage
    from crm.sales.tests.factories_deals import make_deal, open_stages

    # given: a subscription to stage changes only, and a deal
    webhook_create(
        actor=admin_user, name="BI", url=receiver.url, events=["deal.stage_changed"]
    )
    deal = make_deal(manager)
    first, second = open_stages()[:2]
    # when: the deal moves forward
    with django_capture_on_commit_callbacks(execute=True):
        deal_move_stage(actor=manager, deal=deal, stage=second)
    # then: one delivery with both stages and the deal as it is now
    [body] = receiver.bodies()
    assert body["event"] == "deal.stage_changed"
    assert body["object"]["type"] == "deal"
    assert body["object"]["id"] == deal.pk
    assert body["object"]["stage_id"] == second.pk
    assert body["data"]["from_stage"]["id"] == first.pk
    assert body["data"]["to_stage"] == {
        "id": second.pk,
        "name": second.name,
        "kind": second.kind,
    }
    assert body["actor"]["username"] == manager.username


def test_webhook_payload_of_an_import_batch(
    admin_user, manager, receiver, django_capture_on_commit_callbacks
):
    from crm.core import events
    from crm.customers.models import Contact
    from crm.customers.tests.factories import ContactFactory

    # given
    webhook_create(
        actor=admin_user, name="ERP", url=receiver.url, events=["contact.imported"]
    )
    contacts = [ContactFactory(curator=manager) for _n in range(3)]
    # when: an import announces its batch
    with django_capture_on_commit_callbacks(execute=True):
        events.emit_batch(
            "contact.imported",
            Contact,
            [c.pk for c in contacts],
            actor=manager,
            data={"job": 7},
        )
    # then: one delivery for the batch, listing the rows
    [body] = receiver.bodies()
    assert body["event"] == "contact.imported"
    assert body["object"] == {
        "type": "contact",
        "id": None,
        "ids": [c.pk for c in contacts],
    }
    assert body["data"] == {"job": 7}


def test_webhook_event_dispatch_for_an_event_a_later_app_registers(
    admin_user, receiver, django_capture_on_commit_callbacks
):
    from crm.core import events
    from crm.customers.tests.factories import CompanyFactory

    # given: a later app offers its own event by registering a name only
    events.register_event("company.rated", "Company rated")
    webhook_create(
        actor=admin_user, name="ERP", url=receiver.url, events=["company.rated"]
    )
    company = CompanyFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        events.emit("company.rated", company, data={"stars": 5})
    events._catalogue.pop("company.rated")
    # then
    [body] = receiver.bodies()
    assert body["event"] == "company.rated"
    assert body["data"] == {"stars": 5}
