"""Writes of companies: create, change, move to the trash."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from crm.core import audit, visibility
from crm.core.errors import DomainError
from crm.core.services import claim_version, record_trash
from crm.customers.models import (
    Company,
    CompanyCategory,
    ContactPointKind,
    Industry,
    LegalForm,
    SalesChannel,
    Source,
)
from crm.customers.services.records import (
    Errors,
    add_error,
    clean_custom_fields,
    clean_points,
    clean_scalar,
    forget_related,
    pk_of,
    raise_errors,
    replace_points,
    resolve_curator,
    resolve_reference,
    resolve_tags,
    set_search_text,
)

COMPANY_FIELDS = frozenset(
    {
        "name",
        "full_name",
        "inn",
        "kpp",
        "ogrn",
        "okpo",
        "size",
        "relation",
        "email",
        "phone",
        "website",
        "region",
        "legal_address",
        "actual_address",
        "postal_address",
        "description",
        "external_id",
        "consent_email",
        "consent_sms",
        "consent_phone",
    }
)
COMPANY_REFERENCES = {
    "legal_form_id": LegalForm,
    "industry_id": Industry,
    "category_id": CompanyCategory,
    "source_id": Source,
    "sales_channel_id": SalesChannel,
}
COMPANY_INPUT = COMPANY_FIELDS | set(COMPANY_REFERENCES) | {"curator_id", "parent_id"}

# Deeper chains than this are not real holdings but damaged data; stop walking.
MAX_PARENT_DEPTH = 100


def _resolve_parent(*, actor, company: Company, value: Any, errors: Errors) -> Any:
    """The parent company: visible to the actor, and neither the company itself nor
    one of its branches (a holding cannot own itself through a chain)."""
    parent_id = pk_of(value)
    if parent_id is None:
        return None
    try:
        parent_id = int(parent_id)
    except (TypeError, ValueError):
        add_error(errors, "parent_id", _("Choose a company."))
        return None
    if company.pk and parent_id == company.pk:
        add_error(errors, "parent_id", _("A company cannot be its own parent."))
        return None
    if parent_id == company.parent_id:
        return company.parent
    parent = visibility.visible(Company.objects, actor).filter(pk=parent_id).first()
    if parent is None:
        add_error(errors, "parent_id", _("Choose a company you can see."))
        return None
    if company.pk:
        ancestor_id, depth = parent.parent_id, 0
        while ancestor_id is not None and depth < MAX_PARENT_DEPTH:
            if ancestor_id == company.pk:
                add_error(
                    errors,
                    "parent_id",
                    _("This company is a branch of the company you edit."),
                )
                return None
            ancestor_id = (
                Company.all_objects.filter(pk=ancestor_id)
                .values_list("parent_id", flat=True)
                .first()
            )
            depth += 1
    return parent


def _clean(
    *, actor, company: Company, fields: Mapping[str, Any], errors: Errors
) -> dict[str, Any]:
    """Check the submitted fields; returns model attributes to set."""
    unknown = set(fields) - COMPANY_INPUT
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError(_("Unknown field: %(name)s.") % {"name": name}, field=name)
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name in COMPANY_REFERENCES:
            values[name[:-3]] = resolve_reference(
                COMPANY_REFERENCES[name], name, value, getattr(company, name), errors
            )
        elif name == "curator_id":
            values["curator"] = resolve_curator(value, company.curator_id, errors)
        elif name == "parent_id":
            values["parent"] = _resolve_parent(
                actor=actor, company=company, value=value, errors=errors
            )
        else:
            values[name] = clean_scalar(Company, name, value, errors)
    if not values.get("name", company.name) and "name" not in errors:
        add_error(errors, "name", _("Enter the company's name."))
    if "relation" in values and not values["relation"]:
        add_error(errors, "relation", _("Choose one of the offered values."))
    inn = values.get("inn", company.inn)
    kpp = values.get("kpp", company.kpp)
    if kpp and len(inn or "") == 12 and "kpp" not in errors and "inn" not in errors:
        add_error(errors, "kpp", _("A sole proprietor (12-digit INN) has no KPP."))
    external_id = values.get("external_id")
    if (
        external_id
        and external_id != company.external_id
        and Company.all_objects.with_external_id(external_id)
        .exclude(pk=company.pk)
        .exists()
    ):
        add_error(errors, "external_id", _("Another company has this external ID."))
    return values


@transaction.atomic
def company_create(
    *,
    actor,
    tag_ids: Iterable | None = None,
    custom_fields: Mapping | None = None,
    phones: Iterable | None = None,
    emails: Iterable | None = None,
    **fields: Any,
) -> Company:
    """Create a company; the actor becomes its curator unless another is named.

    `fields` are the company's own fields, references as `<name>_id`; `phones` and
    `emails` are the further ones as `{label, value}`; `custom_fields` maps keys of
    the administrator's fields to values. Every mistake is reported at once.
    """
    visibility.ensure_can_create(actor=actor, object_type="company")
    company = Company()
    errors: Errors = {}
    values = _clean(actor=actor, company=company, fields=fields, errors=errors)
    custom = clean_custom_fields("company", custom_fields, None, errors)
    phone_points = clean_points(ContactPointKind.PHONE, phones, errors) or []
    email_points = clean_points(ContactPointKind.EMAIL, emails, errors) or []
    tags = resolve_tags(tag_ids, errors)
    raise_errors(errors)

    for name, value in values.items():
        setattr(company, name, value)
    if company.curator_id is None:
        company.curator = actor
    company.created_by = actor
    company.custom_fields = custom
    set_search_text(company, phone_points, email_points)
    company.save()
    replace_points(company, phone_points, email_points)
    if tags:
        company.tags.set(tags)
    audit.record_create(actor, company)
    return company


@transaction.atomic
def company_update(
    *,
    actor,
    company: Company,
    version: int | None = None,
    tag_ids: Iterable | None = None,
    custom_fields: Mapping | None = None,
    phones: Iterable | None = None,
    emails: Iterable | None = None,
    **fields: Any,
) -> Company:
    """Change a company; only the given fields change (None leaves a list alone).

    `version` is the version the user loaded: when someone saved the company since,
    the save is refused with `Conflict` instead of overwriting their changes. Without
    it, the version of the `company` instance is used.
    """
    visibility.ensure_can_edit(actor=actor, obj=company)
    errors: Errors = {}
    values = _clean(actor=actor, company=company, fields=fields, errors=errors)
    custom = (
        clean_custom_fields("company", custom_fields, company.custom_fields, errors)
        if custom_fields is not None
        else None
    )
    phone_points = clean_points(ContactPointKind.PHONE, phones, errors)
    email_points = clean_points(ContactPointKind.EMAIL, emails, errors)
    tags = resolve_tags(tag_ids, errors)
    raise_errors(errors)
    # Checked before the version is claimed, so a refused save leaves `company` as it
    # was and the caller may correct the input and try again.
    before = audit.snapshot(company)
    claim_version(company, expected_version=version)

    for name, value in values.items():
        setattr(company, name, value)
    if custom is not None:
        company.custom_fields = custom
    set_search_text(company, phone_points, email_points)
    company.save()
    replace_points(company, phone_points, email_points)
    if tags is not None:
        company.tags.set(tags)
    forget_related(company)
    audit.record_update(actor, company, before)
    return company


@transaction.atomic
def company_delete(*, actor, company: Company) -> Company:
    """Move a company to the trash; its branches, contacts and history stay.

    An administrator restores it from the trash with everything linked to it.
    """
    visibility.ensure_can_edit(actor=actor, obj=company)
    if company.is_deleted:
        raise DomainError(_("This company is already in the trash."))
    record_trash(actor=actor, obj=company)
    return company
