"""Conversion of a lead into a client: a company, a contact and a deal made (or
linked to existing ones) at once, from the lead's data, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.activities.models import Activity, ActivityKind
from crm.core import audit, visibility
from crm.core.errors import DomainError, Forbidden
from crm.core.services import claim_version
from crm.customers.models import Company, Contact, Employment
from crm.customers.services import company_create, contact_create, employment_add
from crm.customers.services.records import Errors, add_error, pk_of, raise_errors
from crm.sales.models import (
    Currency,
    Deal,
    Lead,
    LeadStatus,
    Pipeline,
    PriceList,
)
from crm.sales.services.catalogue import clean_amount

# --- conversion ---------------------------------------------------------------------


@dataclass
class Conversion:
    """What a conversion made of a lead and what it linked to."""

    lead: Lead
    company: Company | None = None
    contact: Contact | None = None
    deal: Deal | None = None
    created: dict[str, bool] = field(default_factory=dict)


def _deal_create(**kwargs) -> Deal:
    # The deals module owns how a deal opens (stage, probability, history, the
    # client's timeline); a conversion only says what to open.
    from crm.sales.services.deals import deal_create

    return deal_create(**kwargs)


def _curator_for(lead: Lead, actor):
    owner = lead.owner
    return owner if owner is not None and owner.is_active else actor


def _company_fields(lead: Lead, *, with_points: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": lead.company_name,
        "inn": lead.inn,
        "region": lead.region,
        "description": lead.description,
    }
    if lead.industry is not None and lead.industry.is_active:
        data["industry_id"] = lead.industry_id
    if lead.source is not None and lead.source.is_active:
        data["source_id"] = lead.source_id
    if with_points:
        data["email"], data["phone"] = lead.email, lead.phone
    return data


def _contact_fields(lead: Lead) -> dict[str, Any]:
    data: dict[str, Any] = {
        "last_name": lead.last_name,
        "first_name": lead.first_name,
        "middle_name": lead.middle_name,
        "email": lead.email,
        "phone": lead.phone,
    }
    if lead.source is not None and lead.source.is_active:
        data["source_id"] = lead.source_id
    return data


def _prefixed(error: DomainError, prefix: str) -> DomainError:
    """A nested service's errors under the part of the conversion they concern."""
    errors = {
        f"{prefix}.{name}" if name else prefix: messages
        for name, messages in error.all_errors.items()
    }
    return DomainError.from_errors(errors)


def _visible(actor, model, value: Any, field_name: str):
    obj_id = pk_of(value)
    try:
        obj_id = int(obj_id)
    except (TypeError, ValueError):
        obj_id = None
    found = (
        visibility.visible(model.objects.all(), actor).filter(pk=obj_id).first()
        if obj_id is not None
        else None
    )
    if found is None:
        raise DomainError(
            _("Choose a company you can see.")
            if model is Company
            else _("Choose a contact you can see."),
            field=field_name,
        )
    return found


def _price_list_in(currency: str) -> PriceList | None:
    return (
        PriceList.objects.filter(is_active=True, currency=currency)
        .order_by("-is_default", "name", "pk")
        .first()
    )


def _timeline_note(*, actor, lead: Lead, company, contact) -> None:
    """Say on the client's timeline where the client came from."""
    if company is None and contact is None:
        return
    subject = _("Came as the lead “%(title)s”") % {"title": lead.title}
    body = "\n".join(
        part
        for part in (
            lead.source and _("Source: %(name)s") % {"name": lead.source},
            lead.description,
        )
        if part
    )
    note = Activity(
        kind=ActivityKind.NOTE,
        subject=subject[:300],
        body=body,
        company=company,
        contact=contact,
        created_by=actor,
    )
    note.search_text = note.build_search_text()
    note.save()
    audit.record_create(actor, note)


class _DryRun(Exception):
    """Raised inside a dry run's savepoint to undo what it made."""

    def __init__(self, result: Conversion):
        super().__init__("dry run")
        self.result = result


@transaction.atomic
def lead_convert(*, actor, lead: Lead, dry_run: bool = False, **options) -> Conversion:
    """Turn a lead into a company, a contact and a deal at once, without retyping.

    `company`/`contact` link to existing records the actor sees instead of
    creating new ones (a duplicate warned about by `lead_similar`); otherwise a new
    company is made from the lead's company name, INN, region, industry and source,
    and a new contact from the person's name, e-mail and phone, working at the
    company — unless `create_company`/`create_contact` say no. Everything made gets
    the lead's curator. The deal (`deal_title`, by default the lead's need;
    `deal_amount`, `deal_currency`, `pipeline`) is opened for the company and the
    contact. The lead becomes converted, linked to what it became.

    All in one transaction: a refusal anywhere (a bad INN, a pipeline without open
    stages, a stale `version`) leaves nothing half-made. With `dry_run` everything
    is made and checked, then undone: the answer says what would be made (records
    without ids) or raises what would be refused.
    """
    if not dry_run:
        return _convert(actor=actor, lead=lead, **options)
    try:
        with transaction.atomic():
            raise _DryRun(_convert(actor=actor, lead=lead, **options))
    except _DryRun as done:
        result = done.result
    lead.refresh_from_db()
    for name in ("company", "contact", "deal"):
        obj = getattr(result, name)
        if result.created.get(name) and obj is not None:
            obj.pk = obj.id = None
    return result


def _convert(
    *,
    actor,
    lead: Lead,
    company: Company | int | None = None,
    contact: Contact | int | None = None,
    create_company: bool = True,
    create_contact: bool = True,
    create_deal: bool = True,
    deal_title: str = "",
    deal_amount: Any = None,
    deal_currency: str = "",
    pipeline: Pipeline | int | None = None,
    version: int | None = None,
) -> Conversion:
    """Do the conversion of `lead_convert` (see there)."""
    visibility.ensure_can_edit(actor=actor, obj=lead)
    if lead.status == LeadStatus.CONVERTED:
        raise DomainError(_("The lead is already converted."), field="status")
    if lead.status == LeadStatus.REJECTED:
        raise DomainError(
            _("The lead is rejected: take it back in progress to convert it."),
            field="status",
        )
    errors: Errors = {}
    amount = None
    if create_deal:
        amount = clean_amount(
            deal_amount if deal_amount not in (None, "") else "0",
            field="deal_amount",
            errors=errors,
            message=_("Enter an amount of zero or more."),
        )
        if deal_currency and deal_currency not in Currency.values:
            add_error(
                errors,
                "deal_currency",
                _("Choose one of: %(values)s.")
                % {"values": ", ".join(Currency.values)},
            )
        if len((deal_title or "").strip()) > 300:
            add_error(
                errors,
                "deal_title",
                _("At most %(count)d characters.") % {"count": 300},
            )
    try:
        existing_company = (
            _visible(actor, Company, company, "company_id")
            if company is not None
            else None
        )
    except DomainError as error:
        add_error(errors, "company_id", error.message)
        existing_company = None
    try:
        existing_contact = (
            _visible(actor, Contact, contact, "contact_id")
            if contact is not None
            else None
        )
    except DomainError as error:
        add_error(errors, "contact_id", error.message)
        existing_contact = None
    new_company = (
        existing_company is None and create_company and bool(lead.company_name)
    )
    new_contact = existing_contact is None and create_contact and bool(lead.first_name)
    if (
        create_contact
        and existing_contact is None
        and not lead.first_name
        and lead.last_name
        and "contact_id" not in errors
    ):
        add_error(
            errors,
            "first_name",
            _("The person has no first name: add it to the lead to make a contact."),
        )
    if (
        not (existing_company or existing_contact or new_company or new_contact)
        and "contact_id" not in errors
        and "company_id" not in errors
    ):
        add_error(
            errors,
            "company_id",
            _("Choose or create a company or a contact: a client to convert to."),
        )
    raise_errors(errors)

    curator = _curator_for(lead, actor)
    result = Conversion(lead=lead)
    with_person = new_contact or existing_contact is not None
    if existing_company is not None:
        result.company = existing_company
    elif new_company:
        try:
            result.company = company_create(
                actor=actor,
                curator_id=curator.pk,
                **_company_fields(lead, with_points=not with_person),
            )
        except DomainError as error:
            raise _prefixed(error, "company") from None
    if existing_contact is not None:
        result.contact = existing_contact
        if (
            result.company is not None
            and visibility.can(actor, existing_contact, "edit")
            and not Employment.objects.filter(
                contact=existing_contact, company=result.company
            ).exists()
        ):
            employment_add(
                actor=actor,
                contact=existing_contact,
                company=result.company,
                is_primary=not Employment.objects.filter(
                    contact=existing_contact
                ).exists(),
                job_title=lead.job_title,
            )
    elif new_contact:
        jobs = (
            [
                {
                    "company_id": result.company.pk,
                    "job_title": lead.job_title,
                    "is_primary": True,
                }
            ]
            if result.company is not None
            else None
        )
        try:
            result.contact = contact_create(
                actor=actor,
                curator_id=curator.pk,
                companies=jobs,
                **_contact_fields(lead),
            )
        except DomainError as error:
            raise _prefixed(error, "contact") from None
    _timeline_note(
        actor=actor, lead=lead, company=result.company, contact=result.contact
    )
    if create_deal:
        currency = deal_currency or None
        deal_data: dict[str, Any] = {
            "title": (deal_title or "").strip() or lead.title,
            "company": result.company,
            "contact": result.contact,
            "owner": curator,
            "amount": amount if amount is not None else Decimal("0"),
            "source": lead.source if lead.source and lead.source.is_active else None,
            "lead": lead,
        }
        if pipeline is not None:
            deal_data["pipeline"] = pipeline
        if currency:
            deal_data["currency"] = currency
            deal_data["price_list"] = _price_list_in(currency)
        try:
            result.deal = _deal_create(actor=actor, **deal_data)
        except DomainError as error:
            raise _prefixed(error, "deal") from None
        except Forbidden:
            raise DomainError(
                _("Your role may not open deals: convert without a deal."),
                field="create_deal",
            ) from None

    before = audit.snapshot(lead)
    claim_version(lead, expected_version=version)
    lead.status = LeadStatus.CONVERTED
    lead.company = result.company
    lead.contact = result.contact
    lead.converted_at = timezone.now()
    lead.save()
    audit.record_update(actor, lead, before)
    result.created = {
        "company": new_company,
        "contact": new_contact,
        "deal": result.deal is not None,
    }
    return result
