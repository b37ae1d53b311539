"""What the services of documents share: which deal a document follows, whether the
actor may change it, the parties' requisites, and notes on the client's timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import formats, timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from crm.activities.models import Activity, ActivityKind
from crm.core import audit, visibility
from crm.core.errors import DomainError, Forbidden
from crm.core.money import format_money
from crm.sales.models import Deal, Invoice, Order, OwnCompany, Proposal

SalesDocument = Proposal | Order | Invoice
KINDS: dict[str, type[Proposal] | type[Order] | type[Invoice]] = {
    "proposal": Proposal,
    "order": Order,
    "invoice": Invoice,
}


def kind_of(document: SalesDocument) -> str:
    return document.number_kind


money_text = format_money


def ensure_can_change_deal(*, actor, deal: Deal) -> None:
    """Documents follow their deal: whoever may change the deal may change them."""
    if not visibility.can(actor, deal, "edit"):
        raise Forbidden(
            _("You may not change this deal, so you may not change its documents.")
        )


def supplier_requisites(own: OwnCompany) -> dict[str, Any]:
    """Our requisites as a document keeps them."""
    return {
        "name": own.full_name or own.name,
        "short_name": own.name,
        "inn": own.inn,
        "kpp": own.kpp,
        "ogrn": own.ogrn,
        "address": own.address,
        "phone": own.phone,
        "email": own.email,
        "bank_name": own.bank_name,
        "bik": own.bik,
        "bank_account": own.bank_account,
        "correspondent_account": own.correspondent_account,
        "director": own.director,
        "accountant": own.accountant,
        "is_vat_payer": own.is_vat_payer,
    }


def buyer_requisites(deal: Deal) -> dict[str, Any]:
    """The client's requisites as a document keeps them: the company, else the
    person."""
    company, contact = deal.company, deal.contact
    if company is not None:
        return {
            "name": company.full_name or company.name,
            "short_name": company.name,
            "inn": company.inn,
            "kpp": company.kpp,
            "address": company.legal_address or company.actual_address,
            "phone": company.phone,
            "email": company.email,
            "contact": contact.full_name if contact is not None else "",
        }
    if contact is not None:
        return {
            "name": contact.full_name,
            "short_name": contact.full_name,
            "inn": "",
            "kpp": "",
            "address": contact.address,
            "phone": contact.phone,
            "email": contact.email,
            "contact": contact.full_name,
        }
    return {}


def absolute_url(path: str) -> str:
    """The address to open a page from a note or a letter (CRM_BASE_URL + path)."""
    return f"{settings.CRM_BASE_URL.rstrip('/')}{path}"


def _timeline(
    *, actor, company_id, contact_id, subject: str, body: str, url: str, kind, direction
) -> Activity | None:
    """Put a note (or a letter) on a client's timeline: the company and the person.

    Written by the system on the actor's behalf as a consequence of a change they
    were allowed to make, so it does not ask whether they may log activities or see
    the client's card. Without a client there is no timeline to write on.
    """
    if company_id is None and contact_id is None:
        return None
    entry = Activity(
        kind=kind,
        subject=subject[:300],
        body="\n\n".join(part for part in (body, url) if part),
        direction=direction,
        company_id=company_id,
        contact_id=contact_id,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    entry.search_text = entry.build_search_text()
    entry.save()
    audit.record_create(actor, entry)
    return entry


def timeline_entry(
    *,
    actor,
    document: SalesDocument,
    subject: str,
    body: str = "",
    kind: str = ActivityKind.NOTE,
    direction: str = "",
    link: bool = True,
) -> Activity | None:
    """Put what happened to a document on its client's timeline, with its address."""
    return _timeline(
        actor=actor,
        company_id=document.company_id,
        contact_id=document.contact_id,
        subject=subject,
        body=body,
        url=absolute_url(document.get_absolute_url()) if link else "",
        kind=kind,
        direction=direction,
    )


def deal_timeline_entry(*, actor, deal: Deal, subject: str, body: str = "") -> None:
    """Put what happened to a deal's sales on its client's timeline."""
    _timeline(
        actor=actor,
        company_id=deal.company_id,
        contact_id=deal.contact_id,
        subject=subject,
        body=body,
        url="",
        kind=ActivityKind.NOTE,
        direction="",
    )


def document_title(document: SalesDocument) -> str:
    """«Invoice No. 12 of 05.03.2025» in the reader's language."""
    return _("%(document)s of %(date)s") % {
        "document": str(document),
        "date": formats.date_format(document.date, "SHORT_DATE_FORMAT"),
    }


def clean_date(value: Any, *, field: str) -> dt.date | None:
    """A date from a form, the API or code (a date, or text like 2025-03-14)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).date()
            if timezone.is_aware(value)
            else value.date()
        )
    if isinstance(value, dt.date):
        return value
    try:
        parsed = parse_date(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise DomainError(_("Enter a date, like 2025-03-14."), field=field)
    return parsed


def clean_money(value: Any, *, field: str) -> Decimal:
    """An amount of money in kopecks: a number with at most two decimals."""
    try:
        amount = Decimal(str(value).strip().replace(" ", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter an amount, like 1500.00."), field=field) from None
    if not amount.is_finite():
        raise DomainError(_("Enter an amount, like 1500.00."), field=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(
            _("Enter the amount to the kopeck: at most two decimals."), field=field
        )
    if abs(amount) >= Decimal("1e16"):
        raise DomainError(_("This amount is too large."), field=field)
    return amount.quantize(Decimal("0.01"))


def clean_text(value: Any, *, field: str, limit: int | None = None) -> str:
    text = ("" if value is None else str(value)).strip()
    if limit and len(text) > limit:
        raise DomainError(
            _("At most %(limit)d characters.") % {"limit": limit}, field=field
        )
    return text
