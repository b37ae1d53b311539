"""Writes of contacts (people) and of their places of work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import audit, visibility
from crm.core.errors import DomainError
from crm.core.services import claim_version, record_trash
from crm.customers.models import (
    Company,
    Contact,
    ContactPointKind,
    Employment,
    Position,
    Source,
)
from crm.customers.services.records import (
    Errors,
    add_error,
    clean_custom_fields,
    clean_points,
    clean_scalar,
    forget_related,
    get_value,
    pk_of,
    raise_errors,
    replace_points,
    resolve_curator,
    resolve_reference,
    resolve_tags,
    set_search_text,
)

CONTACT_FIELDS = frozenset(
    {
        "last_name",
        "first_name",
        "middle_name",
        "email",
        "phone",
        "address",
        "description",
        "external_id",
        "consent_email",
        "consent_sms",
        "consent_phone",
    }
)
CONTACT_INPUT = CONTACT_FIELDS | {"birth_date", "source_id", "curator_id"}


def _clean_birth_date(value: Any, errors: Errors) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            add_error(errors, "birth_date", _("Enter a date as YYYY-MM-DD."))
            return None
    if value > timezone.localdate():
        add_error(errors, "birth_date", _("A birth date cannot be in the future."))
        return None
    if value.year < 1900:
        add_error(errors, "birth_date", _("Enter a year after 1900."))
        return None
    return value


def _clean(
    *, contact: Contact, fields: Mapping[str, Any], errors: Errors
) -> dict[str, Any]:
    """Check the submitted fields; returns model attributes to set."""
    unknown = set(fields) - CONTACT_INPUT
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError(_("Unknown field: %(name)s.") % {"name": name}, field=name)
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "source_id":
            values["source"] = resolve_reference(
                Source, name, value, contact.source_id, errors
            )
        elif name == "curator_id":
            values["curator"] = resolve_curator(value, contact.curator_id, errors)
        elif name == "birth_date":
            values["birth_date"] = _clean_birth_date(value, errors)
        else:
            values[name] = clean_scalar(Contact, name, value, errors)
    if not values.get("first_name", contact.first_name) and "first_name" not in errors:
        add_error(errors, "first_name", _("Enter the first name."))
    external_id = values.get("external_id")
    if (
        external_id
        and external_id != contact.external_id
        and Contact.all_objects.with_external_id(external_id)
        .exclude(pk=contact.pk)
        .exists()
    ):
        add_error(errors, "external_id", _("Another contact has this external ID."))
    return values


def _visible_company_ids(actor, ids: Iterable[int]) -> set[int]:
    return set(
        visibility.visible(Company.objects, actor)
        .filter(pk__in=set(ids))
        .values_list("pk", flat=True)
    )


def _clean_employments(
    *, actor, contact: Contact, items: Iterable | None, errors: Errors
) -> list[dict] | None:
    """Places of work as dicts ready for `Employment`; rows without a company are
    dropped (blank form rows). Errors are named `companies.<i>.<field>`."""
    if items is None:
        return None
    current = (
        {e.company_id: e for e in Employment.objects.filter(contact=contact)}
        if contact.pk
        else {}
    )
    rows: list[tuple[int, dict]] = []
    for index, item in enumerate(items):
        prefix = f"companies.{index}"
        company_id = pk_of(get_value(item, "company_id"))
        if company_id is None:
            continue
        try:
            company_id = int(company_id)
        except (TypeError, ValueError):
            add_error(errors, f"{prefix}.company_id", _("Choose a company."))
            continue
        existing = current.get(company_id)
        row = {
            "company_id": company_id,
            "position": resolve_reference(
                Position,
                f"{prefix}.position_id",
                get_value(item, "position_id"),
                existing.position_id if existing else None,
                errors,
            ),
            "is_primary": bool(get_value(item, "is_primary")),
        }
        for name in ("job_title", "role"):
            text = str(get_value(item, name) or "").strip()
            if len(text) > 200:
                add_error(
                    errors,
                    f"{prefix}.{name}",
                    _("At most %(count)d characters.") % {"count": 200},
                )
            row[name] = text
        rows.append((index, row))
    seen: set[int] = set()
    primary_seen = False
    visible_ids = _visible_company_ids(actor, [row["company_id"] for _i, row in rows])
    for index, row in rows:
        prefix = f"companies.{index}"
        if row["company_id"] not in visible_ids:
            add_error(
                errors, f"{prefix}.company_id", _("Choose a company you can see.")
            )
        elif row["company_id"] in seen:
            add_error(
                errors, f"{prefix}.company_id", _("This company is listed twice.")
            )
        seen.add(row["company_id"])
        if row["is_primary"]:
            if primary_seen:
                add_error(
                    errors,
                    f"{prefix}.is_primary",
                    _("Only one place of work can be the main one."),
                )
            primary_seen = True
    return [row for _index, row in rows]


def _replace_employments(*, actor, contact: Contact, rows: list[dict]) -> None:
    """Make the contact's places of work among the companies the actor sees exactly
    `rows`; links to companies hidden from the actor (or in the trash) stay as they
    are, because the actor could not see them to keep them."""
    scope = visibility.scope_q(actor, Company, prefix="company__")
    shown = Employment.objects.filter(contact=contact, company__deleted_at__isnull=True)
    if scope is not None:
        shown = shown.filter(scope)
    existing = {e.company_id: e for e in shown}
    wanted = {row["company_id"] for row in rows}
    Employment.objects.filter(
        pk__in=[e.pk for cid, e in existing.items() if cid not in wanted]
    ).delete()
    primary_id = next((r["company_id"] for r in rows if r["is_primary"]), None)
    for row in rows:
        employment = existing.get(row["company_id"]) or Employment(
            contact=contact, company_id=row["company_id"]
        )
        employment.position = row["position"]
        employment.job_title = row["job_title"]
        employment.role = row["role"]
        employment.is_primary = row["company_id"] == primary_id
        employment.save()
    _settle_primary(contact, primary_id)


def _settle_primary(contact: Contact, primary_company_id: int | None) -> None:
    """Keep exactly one main place of work when the person has any."""
    links = Employment.objects.filter(contact=contact)
    if primary_company_id is not None:
        links.exclude(company_id=primary_company_id).update(is_primary=False)
        return
    if links.filter(is_primary=True).exists():
        return
    first = links.order_by("id").first()
    if first is not None:
        links.filter(pk=first.pk).update(is_primary=True)


@transaction.atomic
def contact_create(
    *,
    actor,
    companies: Iterable | None = None,
    tag_ids: Iterable | None = None,
    custom_fields: Mapping | None = None,
    phones: Iterable | None = None,
    emails: Iterable | None = None,
    **fields: Any,
) -> Contact:
    """Create a contact; the actor becomes the curator unless another is named.

    `companies` are places of work as `{company_id, position_id, job_title, role,
    is_primary}`; the first one is the main one unless another is marked.
    """
    visibility.ensure_can_create(actor=actor, object_type="contact")
    contact = Contact()
    errors: Errors = {}
    values = _clean(contact=contact, fields=fields, errors=errors)
    custom = clean_custom_fields("contact", custom_fields, None, errors)
    phone_points = clean_points(ContactPointKind.PHONE, phones, errors) or []
    email_points = clean_points(ContactPointKind.EMAIL, emails, errors) or []
    tags = resolve_tags(tag_ids, errors)
    jobs = _clean_employments(
        actor=actor, contact=contact, items=companies, errors=errors
    )
    raise_errors(errors)

    for name, value in values.items():
        setattr(contact, name, value)
    if contact.curator_id is None:
        contact.curator = actor
    contact.created_by = actor
    contact.custom_fields = custom
    set_search_text(contact, phone_points, email_points)
    contact.save()
    replace_points(contact, phone_points, email_points)
    if tags:
        contact.tags.set(tags)
    if jobs:
        _replace_employments(actor=actor, contact=contact, rows=jobs)
    audit.record_create(actor, contact)
    return contact


@transaction.atomic
def contact_update(
    *,
    actor,
    contact: Contact,
    version: int | None = None,
    companies: Iterable | None = None,
    tag_ids: Iterable | None = None,
    custom_fields: Mapping | None = None,
    phones: Iterable | None = None,
    emails: Iterable | None = None,
    **fields: Any,
) -> Contact:
    """Change a contact; only the given fields change (None leaves a list alone).

    A stale `version` (someone saved the contact since the user opened it) is
    refused with `Conflict`. `companies` replaces the places of work among the
    companies the actor can see.
    """
    visibility.ensure_can_edit(actor=actor, obj=contact)
    errors: Errors = {}
    values = _clean(contact=contact, fields=fields, errors=errors)
    custom = (
        clean_custom_fields("contact", custom_fields, contact.custom_fields, errors)
        if custom_fields is not None
        else None
    )
    phone_points = clean_points(ContactPointKind.PHONE, phones, errors)
    email_points = clean_points(ContactPointKind.EMAIL, emails, errors)
    tags = resolve_tags(tag_ids, errors)
    jobs = _clean_employments(
        actor=actor, contact=contact, items=companies, errors=errors
    )
    raise_errors(errors)
    before = audit.snapshot(contact)
    claim_version(contact, expected_version=version)

    for name, value in values.items():
        setattr(contact, name, value)
    if custom is not None:
        contact.custom_fields = custom
    set_search_text(contact, phone_points, email_points)
    contact.save()
    replace_points(contact, phone_points, email_points)
    if tags is not None:
        contact.tags.set(tags)
    if jobs is not None:
        _replace_employments(actor=actor, contact=contact, rows=jobs)
    forget_related(contact)
    audit.record_update(actor, contact, before)
    return contact


@transaction.atomic
def contact_delete(*, actor, contact: Contact) -> Contact:
    """Move a contact to the trash; an administrator can restore it."""
    visibility.ensure_can_edit(actor=actor, obj=contact)
    if contact.is_deleted:
        raise DomainError(_("This contact is already in the trash."))
    record_trash(actor=actor, obj=contact)
    return contact


# --- places of work one by one (the card's quick actions) --------------------------


def _employment_values(
    *, item: Mapping, current: Employment | None, errors: Errors
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "position_id" in item:
        values["position"] = resolve_reference(
            Position,
            "position_id",
            item["position_id"],
            current.position_id if current else None,
            errors,
        )
    for name in ("job_title", "role"):
        if name in item:
            text = str(item[name] or "").strip()
            if len(text) > 200:
                add_error(
                    errors, name, _("At most %(count)d characters.") % {"count": 200}
                )
            values[name] = text
    return values


@transaction.atomic
def employment_add(
    *,
    actor,
    contact: Contact,
    company: Company,
    is_primary: bool = False,
    **fields: Any,
) -> Employment:
    """Link a person to a company (`position_id`, `job_title`, `role`).

    The company must be one the actor sees; a person's first place of work becomes
    the main one, and marking another as main unmarks the previous one.
    """
    visibility.ensure_can_edit(actor=actor, obj=contact)
    if not visibility.can(actor, company) or company.is_deleted:
        raise DomainError(_("Choose a company you can see."), field="company_id")
    if Employment.objects.filter(contact=contact, company=company).exists():
        raise DomainError(
            _("This person is already linked to this company."), field="company_id"
        )
    errors: Errors = {}
    values = _employment_values(item=fields, current=None, errors=errors)
    raise_errors(errors)
    before = audit.snapshot(contact)
    claim_version(contact)
    employment = Employment.objects.create(
        contact=contact, company=company, is_primary=is_primary, **values
    )
    _settle_primary(contact, company.pk if is_primary else None)
    employment.refresh_from_db(fields=["is_primary"])
    forget_related(contact)
    audit.record_update(actor, contact, before)
    return employment


@transaction.atomic
def employment_update(
    *, actor, employment: Employment, is_primary: bool | None = None, **fields: Any
) -> Employment:
    """Change a person's position in a company, or make it the main place of work."""
    contact = employment.contact
    visibility.ensure_can_edit(actor=actor, obj=contact)
    errors: Errors = {}
    values = _employment_values(item=fields, current=employment, errors=errors)
    raise_errors(errors)
    before = audit.snapshot(contact)
    claim_version(contact)
    for name, value in values.items():
        setattr(employment, name, value)
    if is_primary is not None:
        employment.is_primary = is_primary
    employment.save()
    _settle_primary(contact, employment.company_id if employment.is_primary else None)
    employment.refresh_from_db(fields=["is_primary"])
    forget_related(contact)
    audit.record_update(actor, contact, before)
    return employment


@transaction.atomic
def employment_remove(*, actor, employment: Employment) -> None:
    """Unlink a person from a company; another place of work becomes the main one."""
    contact = employment.contact
    visibility.ensure_can_edit(actor=actor, obj=contact)
    before = audit.snapshot(contact)
    claim_version(contact)
    employment.delete()
    _settle_primary(contact, None)
    forget_related(contact)
    audit.record_update(actor, contact, before)
