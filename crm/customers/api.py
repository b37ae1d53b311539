"""The customer base in the HTTP API: companies, contacts and tags.

Routes parse, call one selector or service with the caller as actor, and render;
errors become 403/404/409/422 in the handlers of `crm.api`.
"""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status

from crm.core import duplicate_check
from crm.core.errors import NotFound
from crm.core.schemas import ordered, paginate
from crm.customers import selectors, services
from crm.customers.schemas import (
    CompanyCreatedOut,
    CompanyFilter,
    CompanyIn,
    CompanyListOut,
    CompanyOut,
    CompanyPatch,
    ContactCreatedOut,
    ContactFilter,
    ContactIn,
    ContactListOut,
    ContactOut,
    ContactPatch,
    TagFilter,
    TagIn,
    TagListOut,
    TagOut,
    TagPatch,
)

router = Router()

COMPANY_ORDERING = {
    "name": "name",
    "inn": "inn",
    "created_at": "created_at",
    "updated_at": "updated_at",
}
CONTACT_ORDERING = {
    "last_name": "last_name",
    "first_name": "first_name",
    "created_at": "created_at",
    "updated_at": "updated_at",
}
CUSTOM_PREFIX = "cf_"


def _custom_filters(request) -> dict[str, str]:
    return {
        key[len(CUSTOM_PREFIX) :]: value
        for key, value in request.GET.items()
        if key.startswith(CUSTOM_PREFIX)
    }


def _write_data(payload, *, partial: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=partial)
    if not partial and data.get("curator_id") is None:
        # A whole record sent without a curator keeps (or, new, gets) the default
        # one rather than dropping out of everyone's "own" records.
        data.pop("curator_id", None)
    for name in ("phones", "emails", "companies"):
        if data.get(name) is not None:
            data[name] = list(data[name])
    return data


# --- companies ----------------------------------------------------------------------


def _company_reloaded(request, company):
    """The saved company as the caller now sees it (or as saved, if they gave it
    away to another curator and no longer see it)."""
    try:
        return selectors.company_get(actor=request.user, company_id=company.pk)
    except NotFound:
        return company


@router.get(
    "/companies",
    response=CompanyListOut,
    operation_id="company_list",
    tags=["companies"],
)
def list_companies(request, filters: Query[CompanyFilter]):
    """Companies you can see; `q` searches names, e-mails, phones and INN."""
    queryset = selectors.company_list(
        actor=request.user,
        filters={
            "q": filters.q,
            "relation": filters.relation,
            "legal_form": filters.legal_form_id,
            "industry": filters.industry_id,
            "category": filters.category_id,
            "source": filters.source_id,
            "sales_channel": filters.sales_channel_id,
            "curator": filters.curator_id,
            "parent": filters.parent_id,
            "region": filters.region,
            "tags": filters.tags,
            "created_from": filters.created_from,
            "created_to": filters.created_to,
            "has_email": filters.has_email,
            "has_phone": filters.has_phone,
            "custom": _custom_filters(request),
        },
    )
    queryset = ordered(queryset, filters.ordering, COMPANY_ORDERING)
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


@router.post(
    "/companies",
    response={201: CompanyCreatedOut},
    operation_id="company_create",
    tags=["companies"],
)
def create_company(request, payload: CompanyIn):
    """Create a company; the answer names the likely duplicates you can see."""
    data = _write_data(payload, partial=False)
    data.pop("version", None)
    company = services.company_create(actor=request.user, **data)
    company = _company_reloaded(request, company)
    company.likely_duplicates = duplicate_check.likely_duplicates(
        actor=request.user, obj=company
    )
    return Status(201, company)


@router.get(
    "/companies/{company_id}",
    response=CompanyOut,
    operation_id="company_get",
    tags=["companies"],
)
def read_company(request, company_id: int):
    return selectors.company_get(actor=request.user, company_id=company_id)


@router.patch(
    "/companies/{company_id}",
    response=CompanyOut,
    operation_id="company_update",
    tags=["companies"],
)
def update_company(request, company_id: int, payload: CompanyPatch):
    """Change the fields you send; send `version` to be told (409) of others' saves."""
    company = selectors.company_get(actor=request.user, company_id=company_id)
    company = services.company_update(
        actor=request.user, company=company, **_write_data(payload, partial=True)
    )
    return _company_reloaded(request, company)


@router.put(
    "/companies/{company_id}",
    response=CompanyOut,
    operation_id="company_replace",
    tags=["companies"],
)
def replace_company(request, company_id: int, payload: CompanyIn):
    """Replace the whole company: fields left out take their empty values."""
    company = selectors.company_get(actor=request.user, company_id=company_id)
    company = services.company_update(
        actor=request.user, company=company, **_write_data(payload, partial=False)
    )
    return _company_reloaded(request, company)


@router.delete(
    "/companies/{company_id}",
    response={204: None},
    operation_id="company_delete",
    tags=["companies"],
)
def delete_company(request, company_id: int):
    """Move the company to the trash (an administrator can restore it)."""
    company = selectors.company_get(actor=request.user, company_id=company_id)
    services.company_delete(actor=request.user, company=company)
    return Status(204, None)


# --- contacts -----------------------------------------------------------------------


def _contact_reloaded(request, contact):
    try:
        return selectors.contact_get(actor=request.user, contact_id=contact.pk)
    except NotFound:
        return contact


@router.get(
    "/contacts",
    response=ContactListOut,
    operation_id="contact_list",
    tags=["contacts"],
)
def list_contacts(request, filters: Query[ContactFilter]):
    """Contacts you can see; `q` searches names, e-mails and phones."""
    queryset = selectors.contact_list(
        actor=request.user,
        filters={
            "q": filters.q,
            "company": filters.company_id,
            "source": filters.source_id,
            "curator": filters.curator_id,
            "tags": filters.tags,
            "created_from": filters.created_from,
            "created_to": filters.created_to,
            "has_email": filters.has_email,
            "has_phone": filters.has_phone,
            "custom": _custom_filters(request),
        },
    )
    queryset = ordered(queryset, filters.ordering, CONTACT_ORDERING)
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


@router.post(
    "/contacts",
    response={201: ContactCreatedOut},
    operation_id="contact_create",
    tags=["contacts"],
)
def create_contact(request, payload: ContactIn):
    """Create a contact; the answer names the likely duplicates you can see."""
    data = _write_data(payload, partial=False)
    data.pop("version", None)
    contact = services.contact_create(actor=request.user, **data)
    contact = _contact_reloaded(request, contact)
    contact.likely_duplicates = duplicate_check.likely_duplicates(
        actor=request.user, obj=contact
    )
    return Status(201, contact)


@router.get(
    "/contacts/{contact_id}",
    response=ContactOut,
    operation_id="contact_get",
    tags=["contacts"],
)
def read_contact(request, contact_id: int):
    return selectors.contact_get(actor=request.user, contact_id=contact_id)


@router.patch(
    "/contacts/{contact_id}",
    response=ContactOut,
    operation_id="contact_update",
    tags=["contacts"],
)
def update_contact(request, contact_id: int, payload: ContactPatch):
    """Change the fields you send; send `version` to be told (409) of others' saves."""
    contact = selectors.contact_get(actor=request.user, contact_id=contact_id)
    contact = services.contact_update(
        actor=request.user, contact=contact, **_write_data(payload, partial=True)
    )
    return _contact_reloaded(request, contact)


@router.put(
    "/contacts/{contact_id}",
    response=ContactOut,
    operation_id="contact_replace",
    tags=["contacts"],
)
def replace_contact(request, contact_id: int, payload: ContactIn):
    """Replace the whole contact: fields left out take their empty values."""
    contact = selectors.contact_get(actor=request.user, contact_id=contact_id)
    contact = services.contact_update(
        actor=request.user, contact=contact, **_write_data(payload, partial=False)
    )
    return _contact_reloaded(request, contact)


@router.delete(
    "/contacts/{contact_id}",
    response={204: None},
    operation_id="contact_delete",
    tags=["contacts"],
)
def delete_contact(request, contact_id: int):
    """Move the contact to the trash (an administrator can restore it)."""
    contact = selectors.contact_get(actor=request.user, contact_id=contact_id)
    services.contact_delete(actor=request.user, contact=contact)
    return Status(204, None)


# --- tags ---------------------------------------------------------------------------


@router.get("/tags", response=TagListOut, operation_id="tag_list", tags=["tags"])
def list_tags(request, filters: Query[TagFilter]):
    """Tags, shared by everyone; `q` finds them by the start of the name."""
    queryset = selectors.tag_list(actor=request.user, q=filters.q)
    queryset = ordered(queryset, filters.ordering, {"name": "name"})
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


@router.post("/tags", response={201: TagOut}, operation_id="tag_create", tags=["tags"])
def create_tag(request, payload: TagIn):
    return Status(201, services.tag_create(actor=request.user, **payload.dict()))


@router.get("/tags/{tag_id}", response=TagOut, operation_id="tag_get", tags=["tags"])
def read_tag(request, tag_id: int):
    return selectors.tag_get(actor=request.user, tag_id=tag_id)


@router.patch(
    "/tags/{tag_id}", response=TagOut, operation_id="tag_update", tags=["tags"]
)
def update_tag(request, tag_id: int, payload: TagPatch):
    """Rename or recolour a tag (administrators)."""
    tag = selectors.tag_get(actor=request.user, tag_id=tag_id)
    return services.tag_update(
        actor=request.user, tag=tag, **payload.dict(exclude_unset=True)
    )


@router.put(
    "/tags/{tag_id}", response=TagOut, operation_id="tag_replace", tags=["tags"]
)
def replace_tag(request, tag_id: int, payload: TagIn):
    tag = selectors.tag_get(actor=request.user, tag_id=tag_id)
    return services.tag_update(actor=request.user, tag=tag, **payload.dict())


@router.delete(
    "/tags/{tag_id}", response={204: None}, operation_id="tag_delete", tags=["tags"]
)
def delete_tag(request, tag_id: int):
    """Delete a tag and take it off every record (administrators)."""
    tag = selectors.tag_get(actor=request.user, tag_id=tag_id)
    services.tag_delete(actor=request.user, tag=tag)
    return Status(204, None)
