"""Writes of leads (first contacts): entering them by hand, through the API, a web
form or a CSV file; giving them a curator by the assignment rules; working them;
and converting one into a company, a contact and a deal in one step.

A lead may come without an actor (a visitor's web form): then no rights are
checked, nobody is its author, and only the assignment rules give it a curator.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.activities.models import Activity, ActivityKind
from crm.core import audit, validation, visibility
from crm.core.errors import DomainError, Forbidden
from crm.core.services import claim_version, notification_send, record_trash
from crm.customers.models import Company, Contact, Employment, Industry, Source
from crm.customers.services import company_create, contact_create, employment_add
from crm.customers.services.records import Errors, add_error, pk_of, raise_errors
from crm.sales.models import (
    AssignmentKind,
    AssignmentRule,
    Currency,
    Deal,
    Lead,
    LeadStatus,
    Pipeline,
    PriceList,
)
from crm.sales.services.catalogue import clean_amount

LEAD_TEXT_FIELDS = (
    "title",
    "company_name",
    "inn",
    "last_name",
    "first_name",
    "middle_name",
    "job_title",
    "email",
    "phone",
    "region",
    "description",
    "external_id",
)
LEAD_INPUT = frozenset(
    {*LEAD_TEXT_FIELDS, "industry_id", "source_id", "owner_id", "form_data"}
)
# The most rows one CSV file may bring: a bigger import belongs to the integrations.
IMPORT_MAX_ROWS = 5000


def _is_person(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def normalise_region(value: str) -> str:
    """A region as rules compare it: case, ё and extra spaces do not matter."""
    return " ".join(
        (value or "").replace("ё", "е").replace("Ё", "Е").split()
    ).casefold()


# --- checks -------------------------------------------------------------------------


def _text(value: Any, name: str, errors: Errors) -> str:
    text = "" if value is None else str(value).strip()
    limit = Lead._meta.get_field(name).max_length
    if limit and len(text) > limit:
        add_error(errors, name, _("At most %(count)d characters.") % {"count": limit})
    return text


def _reference(model, value: Any, name: str, current_id, errors: Errors):
    item_id = pk_of(value)
    if item_id is None:
        return None
    try:
        item_id = int(item_id)
    except (TypeError, ValueError):
        add_error(errors, name, _("Choose one of the offered values."))
        return None
    item = model.objects.filter(pk=item_id).first()
    if item is None or (not item.is_active and item_id != current_id):
        add_error(errors, name, _("Choose one of the offered values."))
        return None
    return item


def _active_user(value: Any, name: str, current_id, errors: Errors):
    user_id = pk_of(value)
    if user_id is None:
        return None
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        add_error(errors, name, _("Choose an active user."))
        return None
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or (not user.is_active and user_id != current_id):
        add_error(errors, name, _("Choose an active user."))
        return None
    return user


def _clean_lead(
    *, lead: Lead, fields: Mapping[str, Any], errors: Errors
) -> dict[str, Any]:
    """Check the submitted fields of a lead; returns model attributes to set."""
    unknown = set(fields) - LEAD_INPUT
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError(_("Unknown field: %(name)s.") % {"name": name}, field=name)
    values: dict[str, Any] = {}
    cleaners = {
        "email": validation.clean_email,
        "phone": validation.clean_phone,
        "inn": validation.clean_inn,
    }
    for name, value in fields.items():
        if name == "industry_id":
            values["industry"] = _reference(
                Industry, value, name, lead.industry_id, errors
            )
        elif name == "source_id":
            values["source"] = _reference(Source, value, name, lead.source_id, errors)
        elif name == "owner_id":
            values["owner"] = _active_user(value, name, lead.owner_id, errors)
        elif name == "form_data":
            if value is not None and not isinstance(value, Mapping):
                add_error(errors, name, _("Send the form's fields as an object."))
            values["form_data"] = dict(value or {})
        else:
            text = _text(value, name, errors)
            if name in cleaners and name not in errors:
                try:
                    text = cleaners[name](text, field=name)
                except DomainError as error:
                    add_error(errors, name, error.message)
            values[name] = text

    def final(name: str) -> str:
        return values.get(name, getattr(lead, name)) or ""

    if not final("title") and "title" not in errors:
        # A web form or a file may leave the need out: name the lead after who it is.
        person = " ".join(p for p in (final("last_name"), final("first_name")) if p)
        fallback = final("company_name") or person or final("email") or final("phone")
        if fallback:
            values["title"] = fallback[:300]
        else:
            add_error(
                errors,
                "title",
                _("Say what they need, or at least who they are: a company or a name."),
            )
    external_id = values.get("external_id")
    if (
        external_id
        and external_id != lead.external_id
        and Lead.all_objects.filter(external_id=external_id)
        .exclude(pk=lead.pk)
        .exists()
    ):
        add_error(errors, "external_id", _("Another lead has this external ID."))
    return values


# --- curators -----------------------------------------------------------------------


def _rule_matches(rule: AssignmentRule, lead: Lead) -> bool:
    """Whether a lead meets a rule's conditions (region and/or industry)."""
    if rule.kind == AssignmentKind.REGION and not rule.region:
        return False
    if rule.kind == AssignmentKind.INDUSTRY and rule.industry_id is None:
        return False
    if rule.region and normalise_region(rule.region) != normalise_region(lead.region):
        return False
    return not (rule.industry_id is not None and rule.industry_id != lead.industry_id)


def _may_curate(user) -> bool:
    return bool(user and user.is_active and visibility.can_create(user, "lead"))


def next_in_turn(rule: AssignmentRule):
    """The team member after the one who got the last lead of this rule, or None.

    The rule's row is locked for the rest of the transaction, so two leads created
    at once go to two people instead of both to the same one; people who left
    (inactive) or may not work on leads are skipped.
    """
    locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
    if locked.team_id is None:
        return None
    members = [
        user
        for user in get_user_model()
        .objects.filter(team_id=locked.team_id, is_active=True)
        .order_by("pk")
        if _may_curate(user)
    ]
    if not members:
        return None
    last = locked.last_assigned_id
    chosen = next((m for m in members if last is not None and m.pk > last), members[0])
    AssignmentRule.objects.filter(pk=locked.pk).update(last_assigned=chosen)
    rule.last_assigned = chosen
    return chosen


def curator_by_rules(lead: Lead):
    """The curator the assignment rules give a new lead, or None.

    Rules are tried in their order; the first that matches and has someone to
    give the lead to wins. A rule for a person who left is passed over.
    """
    rules = AssignmentRule.objects.filter(is_active=True).select_related("assignee")
    for rule in rules.order_by("position", "pk"):
        if not _rule_matches(rule, lead):
            continue
        if rule.kind == AssignmentKind.ROUND_ROBIN:
            chosen = next_in_turn(rule)
            if chosen is not None:
                return chosen
        elif _may_curate(rule.assignee):
            return rule.assignee
    return None


def _notify_curator(*, lead: Lead, user, actor) -> None:
    """Tell the new curator about the lead, in their own language."""
    if user is None or (actor is not None and user.pk == getattr(actor, "pk", None)):
        return
    with translation.override(user.language or None):
        notification_send(
            user=user,
            title=_("A lead for you: %(title)s") % {"title": lead.title},
            body="\n".join(
                part
                for part in (
                    lead.company_name,
                    lead.person_name,
                    lead.email,
                    lead.phone,
                )
                if part
            ),
            url=lead.get_absolute_url(),
        )


def _notify_imported(*, leads: list[Lead], actor) -> None:
    """One notification per curator for a whole file, not one per row."""
    by_owner: dict[Any, list[Lead]] = defaultdict(list)
    for lead in leads:
        if lead.owner is not None and lead.owner.pk != getattr(actor, "pk", None):
            by_owner[lead.owner].append(lead)
    for user, own in by_owner.items():
        if len(own) == 1:
            _notify_curator(lead=own[0], user=user, actor=actor)
            continue
        with translation.override(user.language or None):
            notification_send(
                user=user,
                title=ngettext(
                    "%(count)d imported lead for you",
                    "%(count)d imported leads for you",
                    len(own),
                )
                % {"count": len(own)},
                body="\n".join(lead.title for lead in own[:20]),
                url=f"{reverse('sales:lead-list')}?owner={user.pk}",
            )


# --- create, change, delete ---------------------------------------------------------


def _save_new(*, actor, lead: Lead, values: dict[str, Any]) -> Lead:
    for name, value in values.items():
        setattr(lead, name, value)
    if lead.owner_id is None:
        lead.owner = curator_by_rules(lead) or (actor if _is_person(actor) else None)
    lead.created_by = actor if _is_person(actor) else None
    lead.search_text = lead.build_search_text()
    lead.save()
    audit.record_create(actor if _is_person(actor) else None, lead)
    return lead


@transaction.atomic
def lead_create(
    *, actor=None, source: Source | int | None = None, notify: bool = True, **fields
) -> Lead:
    """Register a lead; with no curator named, the assignment rules choose one,
    else the actor becomes it.

    `actor` None is a visitor's web form: nothing is checked about rights and the
    lead has no author. `source` is where it came from (a Source or its id; also
    accepted as `source_id`). `fields` are the lead's fields, references as
    `industry_id`, `source_id`, `owner_id`; `form_data` keeps what a web form sent
    beyond them. The new curator is notified (in the application and by e-mail).
    """
    if _is_person(actor):
        visibility.ensure_can_create(actor=actor, object_type="lead")
    if source is not None:
        fields = {**fields, "source_id": pk_of(source)}
    lead = Lead()
    errors: Errors = {}
    values = _clean_lead(lead=lead, fields=fields, errors=errors)
    raise_errors(errors)
    _save_new(actor=actor, lead=lead, values=values)
    if notify:
        _notify_curator(lead=lead, user=lead.owner, actor=actor)
    return lead


def _ensure_open(lead: Lead) -> None:
    if lead.status == LeadStatus.CONVERTED:
        raise DomainError(
            _(
                "The lead is converted and stays as it was; change its company, "
                "contact or deal instead."
            ),
            field="status",
        )


@transaction.atomic
def lead_update(
    *,
    actor,
    lead: Lead,
    version: int | None = None,
    status: str | None = None,
    rejection_reason: str | None = None,
    **fields,
) -> Lead:
    """Change a lead; only the given fields change. A new curator is notified.

    A stale `version` (someone saved the lead after the actor opened it) is
    refused with Conflict. A converted lead no longer changes. `status` (with a
    `rejection_reason` to reject) moves it as `lead_set_status` does, in the same
    transaction.
    """
    visibility.ensure_can_edit(actor=actor, obj=lead)
    _ensure_open(lead)
    if fields or status is None:
        errors: Errors = {}
        if "owner_id" in fields and pk_of(fields["owner_id"]) is None:
            add_error(errors, "owner_id", _("Choose who works on the lead."))
        values = _clean_lead(lead=lead, fields=fields, errors=errors)
        raise_errors(errors)
        before = audit.snapshot(lead)
        old_owner_id = lead.owner_id
        claim_version(lead, expected_version=version)
        version = None
        for name, value in values.items():
            setattr(lead, name, value)
        lead.search_text = lead.build_search_text()
        lead.save()
        audit.record_update(actor, lead, before)
        if lead.owner_id != old_owner_id:
            _notify_curator(lead=lead, user=lead.owner, actor=actor)
    if status is not None and (
        status != lead.status or rejection_reason not in (None, lead.rejection_reason)
    ):
        lead_set_status(
            actor=actor,
            lead=lead,
            status=status,
            reason=rejection_reason or "",
            version=version,
        )
    return lead


@transaction.atomic
def lead_assign(*, actor, lead: Lead, owner, version: int | None = None) -> Lead:
    """Give a lead to another curator (by hand); they are notified."""
    return lead_update(actor=actor, lead=lead, version=version, owner_id=pk_of(owner))


_TRANSITIONS = {
    LeadStatus.NEW: {LeadStatus.IN_PROGRESS, LeadStatus.REJECTED},
    LeadStatus.IN_PROGRESS: {LeadStatus.NEW, LeadStatus.REJECTED},
    LeadStatus.REJECTED: {LeadStatus.IN_PROGRESS},
    LeadStatus.CONVERTED: set(),
}


@transaction.atomic
def lead_set_status(
    *,
    actor,
    lead: Lead,
    status: str,
    reason: str = "",
    version: int | None = None,
) -> Lead:
    """Move a lead between new, in progress and rejected (with a reason).

    Converted is reached only by `lead_convert`; a rejected lead is reopened by
    taking it back in progress.
    """
    visibility.ensure_can_edit(actor=actor, obj=lead)
    if status not in LeadStatus.values:
        raise DomainError(
            _("Choose one of: %(values)s.")
            % {"values": ", ".join(str(label) for label in LeadStatus.labels)},
            field="status",
        )
    _ensure_open(lead)
    if status == LeadStatus.CONVERTED:
        raise DomainError(
            _("Convert the lead to make it converted: that creates the client."),
            field="status",
        )
    if status != lead.status and status not in _TRANSITIONS[LeadStatus(lead.status)]:
        raise DomainError(
            _("A lead that is “%(old)s” cannot become “%(new)s”.")
            % {
                "old": LeadStatus(lead.status).label,
                "new": LeadStatus(status).label,
            },
            field="status",
        )
    reason = (reason or "").strip()
    if status == LeadStatus.REJECTED and not reason:
        raise DomainError(_("Say why the lead is rejected."), field="reason")
    before = audit.snapshot(lead)
    claim_version(lead, expected_version=version)
    lead.status = status
    lead.rejection_reason = reason if status == LeadStatus.REJECTED else ""
    lead.save()
    audit.record_update(actor, lead, before)
    return lead


def lead_reject(*, actor, lead: Lead, reason: str, version: int | None = None) -> Lead:
    """Reject a lead, saying why (not interested, spam, a competitor…)."""
    return lead_set_status(
        actor=actor,
        lead=lead,
        status=LeadStatus.REJECTED,
        reason=reason,
        version=version,
    )


@transaction.atomic
def lead_delete(*, actor, lead: Lead) -> Lead:
    """Move a lead to the trash; an administrator can restore it."""
    visibility.ensure_can_edit(actor=actor, obj=lead)
    if lead.is_deleted:
        raise DomainError(_("This lead is already in the trash."))
    record_trash(actor=actor, obj=lead)
    return lead


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
        .order_by(*PriceList._meta.ordering)
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


# --- import -------------------------------------------------------------------------

# Column names a file may use, in English or Russian, for each field of a lead.
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": (
        "title",
        "what they need",
        "need",
        "request",
        "потребность",
        "что нужно",
        "запрос",
    ),
    "company_name": (
        "company",
        "company name",
        "organisation",
        "organization",
        "компания",
        "организация",
    ),
    "inn": ("inn", "инн"),
    "last_name": ("last name", "surname", "фамилия"),
    "first_name": ("first name", "имя"),
    "middle_name": ("middle name", "отчество"),
    "job_title": ("job title", "position", "должность"),
    "email": ("e-mail", "email", "mail", "почта", "эл. почта", "электронная почта"),
    "phone": ("phone", "telephone", "телефон"),
    "region": ("region", "регион"),
    "source": ("source", "источник"),
    "industry": ("industry", "отрасль"),
    "description": ("notes", "description", "comment", "комментарий", "примечание"),
    "external_id": ("external id", "внешний код", "внешний id"),
}


def _header_key(name: str) -> str:
    return " ".join(
        (name or "")
        .strip()
        .lstrip("\ufeff")
        .replace("_", " ")
        .replace("ё", "е")
        .lower()
        .split()
    )


_ALIASES = {
    _header_key(alias): field_name
    for field_name, aliases in IMPORT_COLUMNS.items()
    for alias in aliases
}


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(
        _("Save the file as CSV in UTF-8 (or Windows-1251) and upload it again."),
        field="file",
    )


@dataclass
class ImportRow:
    """One data row of a file: its number as a spreadsheet shows it (the header is
    row 1) and the lead's fields it gives."""

    number: int
    fields: dict[str, Any]
    owner: Any = None


@dataclass
class ImportResult:
    rows: list[ImportRow]
    leads: list[Lead] = field(default_factory=list)


def parse_lead_csv(content: bytes | str) -> list[ImportRow]:
    """Read a CSV file of leads: a header row, then one lead per row.

    The separator (comma, semicolon or tab) is detected; the columns are named as
    in `IMPORT_COLUMNS`, in English or Russian, in any order. An unknown column is
    refused rather than silently dropped, and empty rows are skipped.
    """
    text = _decode(content)
    if not text.strip():
        raise DomainError(_("The file is empty."), field="file")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise DomainError(_("The file is empty."), field="file") from None
    columns: list[str | None] = []
    errors: Errors = {}
    for name in header:
        key = _header_key(name)
        if not key:
            columns.append(None)
            continue
        field_name = _ALIASES.get(key)
        if field_name is None:
            add_error(
                errors,
                "rows.1",
                _("Unknown column “%(name)s”. Known columns: %(known)s.")
                % {"name": name.strip(), "known": ", ".join(IMPORT_COLUMNS_HELP)},
            )
        elif field_name in columns:
            add_error(
                errors,
                "rows.1",
                _("The column “%(name)s” is given twice.") % {"name": name.strip()},
            )
        columns.append(field_name)
    if not any(columns) and not errors:
        add_error(errors, "rows.1", _("The first row must name the columns."))
    raise_errors(errors)
    rows: list[ImportRow] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= IMPORT_MAX_ROWS:
                raise DomainError(
                    _("At most %(count)d rows at a time: split the file.")
                    % {"count": IMPORT_MAX_ROWS},
                    field="file",
                )
            data = {
                name: cell.strip()
                for name, cell in zip(columns, cells, strict=False)
                if name
            }
            rows.append(ImportRow(number=number, fields=data))
    except csv.Error as error:
        raise DomainError(
            _("The file is not valid CSV: %(error)s") % {"error": error}, field="file"
        ) from None
    if not rows:
        raise DomainError(_("The file has no rows of leads."), field="file")
    return rows


IMPORT_COLUMNS_HELP = (
    "title",
    "company",
    "INN",
    "last name",
    "first name",
    "middle name",
    "job title",
    "e-mail",
    "phone",
    "region",
    "source",
    "industry",
    "notes",
)


def _named(model, active_only: bool = True) -> dict[str, Any]:
    """Reference items by their Russian and English names, folded."""
    items = model.objects.filter(is_active=True) if active_only else model.objects.all()
    result: dict[str, Any] = {}
    for item in items:
        for name in (item.name_ru, item.name_en):
            if name:
                result.setdefault(_header_key(name), item)
    return result


@transaction.atomic
def lead_import(*, actor, content: bytes | str, dry_run: bool = False) -> ImportResult:
    """Import leads from a CSV file: all rows or none.

    Every row is checked first; when any is wrong, nothing is imported and the
    DomainError lists each bad row by its number and field (`rows.<n>.<field>`).
    With `dry_run` the file is only checked (the preview). Each lead gets a
    curator by the assignment rules, else the importer; each curator is notified
    once for the whole file.
    """
    visibility.ensure_can_create(actor=actor, object_type="lead")
    rows = parse_lead_csv(content)
    sources = _named(Source)
    industries = _named(Industry)
    errors: Errors = {}
    cleaned: list[tuple[ImportRow, dict[str, Any]]] = []
    for row in rows:
        data = dict(row.fields)
        prefix = f"rows.{row.number}"
        row_errors: Errors = {}
        for name, model_map, label in (
            ("source", sources, _("source")),
            ("industry", industries, _("industry")),
        ):
            value = data.pop(name, "")
            if not value:
                continue
            item = model_map.get(_header_key(value))
            if item is None:
                add_error(
                    row_errors,
                    name,
                    _(
                        "Unknown %(what)s “%(value)s”: use a name from the list in the settings."
                    )
                    % {"what": label, "value": value},
                )
            else:
                data[f"{name}_id"] = item.pk
        values = _clean_lead(lead=Lead(), fields=data, errors=row_errors)
        for name, messages in row_errors.items():
            name = name.removesuffix("_id")
            errors.setdefault(f"{prefix}.{name}", []).extend(messages)
        cleaned.append((row, values))
    external_ids = [v.get("external_id") for _r, v in cleaned if v.get("external_id")]
    repeated = {x for x in external_ids if external_ids.count(x) > 1}
    for row, values in cleaned:
        if values.get("external_id") in repeated:
            add_error(
                errors,
                f"rows.{row.number}.external_id",
                _("This external ID is in the file twice."),
            )
    raise_errors(errors)
    result = ImportResult(rows=rows)
    if dry_run:
        return result
    for _row, values in cleaned:
        result.leads.append(_save_new(actor=actor, lead=Lead(), values=values))
    _notify_imported(leads=result.leads, actor=actor)
    return result


# --- assignment rules (settings) ----------------------------------------------------

RULE_INPUT = frozenset(
    {
        "name",
        "position",
        "kind",
        "is_active",
        "team_id",
        "region",
        "industry_id",
        "assignee_id",
    }
)


def _clean_rule(
    *, rule: AssignmentRule, fields: Mapping[str, Any], errors: Errors
) -> dict[str, Any]:
    from crm.accounts.models import Team

    unknown = set(fields) - RULE_INPUT
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError(_("Unknown field: %(name)s.") % {"name": name}, field=name)
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "kind":
            if value not in AssignmentKind.values:
                add_error(
                    errors,
                    "kind",
                    _("Choose one of: %(values)s.")
                    % {"values": ", ".join(str(x) for x in AssignmentKind.labels)},
                )
            values["kind"] = value
        elif name == "is_active":
            values["is_active"] = bool(value)
        elif name == "position":
            try:
                values["position"] = int(value or 0)
            except (TypeError, ValueError):
                add_error(errors, "position", _("Enter a whole number from 0."))
                continue
            if not 0 <= values["position"] <= 2**31 - 1:
                add_error(errors, "position", _("Enter a whole number from 0."))
        elif name == "team_id":
            team_id = pk_of(value)
            team = (
                Team.objects.filter(pk=team_id).first()
                if str(team_id).isdigit()
                else None
            )
            if team_id is not None and team is None:
                add_error(errors, "team_id", _("Choose a team."))
            values["team"] = team
        elif name == "industry_id":
            values["industry"] = _reference(
                Industry, value, "industry_id", rule.industry_id, errors
            )
        elif name == "assignee_id":
            values["assignee"] = _active_user(
                value, "assignee_id", rule.assignee_id, errors
            )
        else:
            text = "" if value is None else str(value).strip()
            limit = AssignmentRule._meta.get_field(name).max_length
            if len(text) > limit:
                add_error(
                    errors, name, _("At most %(count)d characters.") % {"count": limit}
                )
            values[name] = text

    def final(name: str):
        return values[name] if name in values else getattr(rule, name)

    if not final("name") and "name" not in errors:
        add_error(errors, "name", _("Give the rule a name."))
    kind = final("kind")
    if kind == AssignmentKind.REGION and not final("region") and "region" not in errors:
        add_error(errors, "region", _("Enter the region whose leads this person gets."))
    if (
        kind == AssignmentKind.INDUSTRY
        and final("industry") is None
        and "industry_id" not in errors
    ):
        add_error(
            errors,
            "industry_id",
            _("Choose the industry whose leads this person gets."),
        )
    if kind in (AssignmentKind.REGION, AssignmentKind.INDUSTRY):
        if final("assignee") is None and "assignee_id" not in errors:
            add_error(errors, "assignee_id", _("Choose who gets these leads."))
        values["team"] = None
    if kind == AssignmentKind.ROUND_ROBIN:
        if final("team") is None and "team_id" not in errors:
            add_error(errors, "team_id", _("Choose the team whose members take turns."))
        values["assignee"] = None
    return values


@transaction.atomic
def assignment_rule_create(*, actor, **fields) -> AssignmentRule:
    """Add a rule that gives new leads a curator (administrators)."""
    visibility.ensure_admin(actor=actor)
    rule = AssignmentRule()
    errors: Errors = {}
    values = _clean_rule(rule=rule, fields=fields, errors=errors)
    raise_errors(errors)
    for name, value in values.items():
        setattr(rule, name, value)
    if "position" not in fields:
        last = AssignmentRule.objects.order_by("-position").first()
        rule.position = (last.position + 10) if last else 10
    rule.save()
    audit.record_create(actor, rule)
    return rule


@transaction.atomic
def assignment_rule_update(*, actor, rule: AssignmentRule, **fields) -> AssignmentRule:
    """Change a rule (administrators); a round robin keeps its place in the turn."""
    visibility.ensure_admin(actor=actor)
    errors: Errors = {}
    values = _clean_rule(rule=rule, fields=fields, errors=errors)
    raise_errors(errors)
    before = audit.snapshot(rule)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.save()
    audit.record_update(actor, rule, before)
    return rule


@transaction.atomic
def assignment_rule_delete(*, actor, rule: AssignmentRule) -> None:
    """Delete a rule (administrators); leads it assigned keep their curators."""
    visibility.ensure_admin(actor=actor)
    audit.record_delete(actor, rule)
    rule.delete()
