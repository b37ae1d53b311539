"""Settings pages of webhooks: subscriptions, their delivery log, resending.

Administrators only (`admin_required`): the services check the same rule again.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.core.errors import DomainError
from crm.core.forms import apply_domain_error
from crm.core.listing import CappedPaginator
from crm.core.views import admin_required, pagination
from crm.webhooks import catalogue, selectors, services
from crm.webhooks.forms import DeliveryFilterForm, WebhookForm
from crm.webhooks.services.sending import payload_text

SESSION_SLOT = "webhooks:new-secret"
LOG_PAGE = 25


def _remember_secret(request, subscription, secret: str) -> None:
    # Shown once on the next page, then forgotten (never stored in a cookie: the
    # session lives in the database).
    request.session[SESSION_SLOT] = {"id": subscription.pk, "secret": secret}


def _take_secret(request, subscription) -> str | None:
    data = request.session.get(SESSION_SLOT)
    if data and data.get("id") == subscription.pk:
        del request.session[SESSION_SLOT]
        return data["secret"]
    return None


@admin_required
def webhook_list(request):
    subscriptions = selectors.webhook_list(actor=request.user)
    return render(
        request,
        "webhooks/webhook_list.html",
        {"subscriptions": subscriptions, "labels": catalogue.events()},
    )


@admin_required
def webhook_create_view(request):
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription, secret = services.webhook_create(
                actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            _remember_secret(request, subscription, secret)
            messages.success(
                request, _("Webhook “%(name)s” created.") % {"name": subscription}
            )
            return redirect(subscription)
    return render(
        request, "webhooks/webhook_form.html", {"form": form, "subscription": None}
    )


@admin_required
def webhook_detail(request, pk: int):
    subscription = selectors.webhook_get(actor=request.user, webhook_id=pk)
    initial = {
        "name": subscription.name,
        "url": subscription.url,
        "events": subscription.events,
        "is_active": subscription.is_active,
    }
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_update(
                actor=request.user, subscription=subscription, **form.cleaned_data
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Webhook saved."))
            return redirect(subscription)
    status_form = DeliveryFilterForm(request.GET or None)
    status = request.GET.get("status") or None
    deliveries = selectors.delivery_list(
        actor=request.user, subscription=subscription, status=status
    )
    page = CappedPaginator(deliveries, LOG_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "webhooks/webhook_detail.html",
        {
            "subscription": subscription,
            "form": form,
            "status_form": status_form,
            "secret": _take_secret(request, subscription),
            "labels": catalogue.events(),
            **pagination(request, page),
        },
    )


@require_POST
@admin_required
def webhook_secret_rotate_view(request, pk: int):
    subscription = selectors.webhook_get(actor=request.user, webhook_id=pk)
    secret = services.webhook_secret_rotate(
        actor=request.user, subscription=subscription
    )
    _remember_secret(request, subscription, secret)
    messages.success(
        request, _("A new secret is in use. Give it to the receiver's owner.")
    )
    return redirect(subscription)


@require_POST
@admin_required
def webhook_ping_view(request, pk: int):
    subscription = selectors.webhook_get(actor=request.user, webhook_id=pk)
    services.webhook_ping(actor=request.user, subscription=subscription)
    messages.info(
        request, _("A test event is on its way; its outcome appears in the log.")
    )
    return redirect(subscription)


@require_POST
@admin_required
def webhook_delete_view(request, pk: int):
    subscription = selectors.webhook_get(actor=request.user, webhook_id=pk)
    services.webhook_delete(actor=request.user, subscription=subscription)
    messages.success(request, _("Webhook “%(name)s” deleted.") % {"name": subscription})
    return redirect("webhooks:webhook-list")


@admin_required
def delivery_detail(request, pk: int, delivery_id: int):
    subscription = selectors.webhook_get(actor=request.user, webhook_id=pk)
    delivery = selectors.delivery_get(
        actor=request.user, subscription=subscription, delivery_id=delivery_id
    )
    if request.method == "POST":
        try:
            services.delivery_resend(actor=request.user, delivery=delivery)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.info(request, _("The delivery is being sent again."))
        return redirect(delivery)
    return render(
        request,
        "webhooks/delivery_detail.html",
        {
            "subscription": subscription,
            "delivery": delivery,
            "payload": payload_text(delivery),
            "labels": catalogue.events(),
        },
    )
