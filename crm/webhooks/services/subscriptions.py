"""Subscriptions: only administrators configure where the CRM sends its data.

A webhook sends record data (names, phones, amounts) to any address it names, so
creating or changing one is an administrator's act, checked here for every caller
(pages and API). The URL must be http(s) and may not point at link-local or cloud
metadata addresses (see `addresses`); other private and loopback addresses are
allowed on purpose: receivers of an on-premises CRM usually live in the same
network, and only an administrator can name them.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import audit, visibility
from crm.core.errors import DomainError
from crm.webhooks import catalogue
from crm.webhooks.addresses import check_url
from crm.webhooks.models import WebhookSubscription

MAX_NAME = 100


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _clean(
    *, name: str | None, url: str | None, events: list[str] | None
) -> dict[str, Any]:
    errors: dict[str, list] = {}
    data: dict[str, Any] = {}
    if name is not None:
        name = " ".join(name.split())
        if not name:
            errors["name"] = [_("Name the webhook.")]
        elif len(name) > MAX_NAME:
            errors["name"] = [
                _("The name is longer than %(n)s characters.") % {"n": MAX_NAME}
            ]
        data["name"] = name
    if url is not None:
        try:
            data["url"] = check_url(url)
        except DomainError as error:
            errors["url"] = [error.message]
    if events is not None:
        known = catalogue.events()
        unknown = [e for e in events if e not in known]
        if unknown:
            errors["events"] = [
                _("Unknown events: %(names)s.") % {"names": ", ".join(unknown)}
            ]
        elif not events:
            errors["events"] = [_("Choose at least one event.")]
        data["events"] = sorted(set(events))
    if errors:
        raise DomainError.from_errors(errors)
    return data


@transaction.atomic
def webhook_create(
    *, actor, name: str, url: str, events: list[str], is_active: bool = True
) -> tuple[WebhookSubscription, str]:
    """Subscribe `url` to `events`; returns the subscription and its secret.

    The secret is returned here only: pages and the API show it once, so the
    receiver's owner copies it then (or rotates it later).
    """
    visibility.ensure_admin(actor=actor)
    data = _clean(name=name, url=url, events=events)
    secret = new_secret()
    subscription = WebhookSubscription.objects.create(
        **data, secret=secret, is_active=is_active, created_by=actor
    )
    audit.record_create(actor, subscription)
    return subscription, secret


@transaction.atomic
def webhook_update(
    *,
    actor,
    subscription: WebhookSubscription,
    name: str | None = None,
    url: str | None = None,
    events: list[str] | None = None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    """Change a subscription; switching it back on forgets the failures in a row.

    A subscription switched off after repeated failures is switched on here once
    the receiver is fixed; its failed deliveries can then be resent from the log.
    """
    visibility.ensure_admin(actor=actor)
    data = _clean(name=name, url=url, events=events)
    before = audit.snapshot(subscription)
    for key, value in data.items():
        setattr(subscription, key, value)
    if is_active is not None and is_active != subscription.is_active:
        subscription.is_active = is_active
        if is_active:
            subscription.failure_count = 0
            subscription.disabled_at = None
            subscription.disabled_reason = ""
        else:
            subscription.disabled_at = timezone.now()
            subscription.disabled_reason = ""
    subscription.updated_at = timezone.now()
    subscription.save()
    audit.record_update(actor, subscription, before)
    return subscription


@transaction.atomic
def webhook_secret_rotate(*, actor, subscription: WebhookSubscription) -> str:
    """Give the subscription a new secret; deliveries from now on use it."""
    visibility.ensure_admin(actor=actor)
    secret = new_secret()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        secret=secret, updated_at=timezone.now()
    )
    subscription.secret = secret
    # Not in the audit history: the history never holds secrets, and a changed
    # `updated_at` alone would say nothing.
    return secret


@transaction.atomic
def webhook_delete(*, actor, subscription: WebhookSubscription) -> None:
    """Delete a subscription with its delivery log; waiting deliveries are dropped
    (a worker sending one at that moment finds it gone and stops)."""
    visibility.ensure_admin(actor=actor)
    audit.record_delete(actor, subscription)
    subscription.delete()
