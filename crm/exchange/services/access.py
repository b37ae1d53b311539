"""Who may exchange with 1C: administrators and the one dedicated user."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from crm.core import audit
from crm.core.errors import DomainError, Forbidden
from crm.core.visibility import ensure_admin, is_admin
from crm.exchange.models import ExchangeSettings


def exchange_settings() -> ExchangeSettings:
    """The one settings row, created on first use."""
    row = ExchangeSettings.objects.order_by("pk").first()
    if row is None:
        row = ExchangeSettings.objects.create()
    return row


def can_exchange(user) -> bool:
    """Administrators and the user named on the exchange settings page.

    The dedicated user writes the catalogue, companies and documents that 1C sends
    whatever its role, so an administrator chooses it deliberately; an inactive
    user may not exchange.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if is_admin(user):
        return True
    dedicated = (
        ExchangeSettings.objects.order_by("pk")
        .values_list("user_id", flat=True)
        .first()
    )
    return dedicated is not None and dedicated == user.pk


def ensure_can_exchange(*, actor) -> None:
    if not can_exchange(actor):
        raise Forbidden(
            _("Only administrators and the exchange user may exchange data with 1C.")
        )


@transaction.atomic
def exchange_user_set(*, actor, user) -> ExchangeSettings:
    """Name the CRM user 1C signs in as (None: administrators only)."""
    ensure_admin(actor=actor)
    if user is not None and not user.is_active:
        raise DomainError(_("Choose an active user."), field="user")
    row = exchange_settings()
    before = audit.snapshot(row)
    row.user = user
    row.save(update_fields=["user"])
    audit.record_update(actor, row, before)
    return row
