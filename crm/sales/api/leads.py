"""Leads in the HTTP API: list, create, read, change, delete, and convert into a
company, a contact and a deal in one call."""

from __future__ import annotations

from ninja import Query, Router, Status

from crm.core.errors import NotFound
from crm.core.schemas import ordered, paginate
from crm.sales.schemas.leads import (
    LeadConvertIn,
    LeadConvertOut,
    LeadFilter,
    LeadIn,
    LeadListOut,
    LeadOut,
    LeadPatch,
)
from crm.sales.selectors import leads as selectors
from crm.sales.services import lead_conversion
from crm.sales.services import leads as services

router = Router(tags=["leads"])

LEAD_ORDERING = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "title": "title",
    "company_name": "company_name",
    "status": "status",
}


def _reloaded(request, lead):
    """The saved lead as the caller now sees it (or as saved, when the rules or
    the caller gave it to someone the caller cannot see)."""
    try:
        return selectors.lead_get(actor=request.user, lead_id=lead.pk)
    except NotFound:
        return lead


@router.get("/leads", response=LeadListOut, operation_id="lead_list")
def list_leads(request, filters: Query[LeadFilter]):
    """Leads you can see (a sales manager: their own)."""
    queryset = selectors.lead_list(
        actor=request.user,
        filters={
            "q": filters.q,
            "status": filters.status,
            "owner": "none" if filters.unassigned else filters.owner_id,
            "source": filters.source_id,
            "industry": filters.industry_id,
            "region": filters.region,
            "created_from": filters.created_from,
            "created_to": filters.created_to,
        },
    )
    queryset = ordered(queryset, filters.ordering, LEAD_ORDERING)
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


@router.post("/leads", response={201: LeadOut}, operation_id="lead_create")
def create_lead(request, payload: LeadIn):
    """Register a lead; the assignment rules give it a curator unless you name one."""
    data = payload.dict()
    if data.get("owner_id") is None:
        data.pop("owner_id")
    lead = services.lead_create(actor=request.user, **data)
    return Status(201, _reloaded(request, lead))


@router.get("/leads/{lead_id}", response=LeadOut, operation_id="lead_get")
def read_lead(request, lead_id: int):
    return selectors.lead_get(actor=request.user, lead_id=lead_id)


@router.patch("/leads/{lead_id}", response=LeadOut, operation_id="lead_update")
def update_lead(request, lead_id: int, payload: LeadPatch):
    """Change the fields you send; send `version` to be told (409) of others' saves."""
    lead = selectors.lead_get(actor=request.user, lead_id=lead_id)
    lead = services.lead_update(
        actor=request.user, lead=lead, **payload.dict(exclude_unset=True)
    )
    return _reloaded(request, lead)


@router.delete("/leads/{lead_id}", response={204: None}, operation_id="lead_delete")
def delete_lead(request, lead_id: int):
    """Move the lead to the trash (an administrator can restore it)."""
    lead = selectors.lead_get(actor=request.user, lead_id=lead_id)
    services.lead_delete(actor=request.user, lead=lead)
    return Status(204, None)


@router.post(
    "/leads/{lead_id}/convert", response=LeadConvertOut, operation_id="lead_convert"
)
def convert_lead(request, lead_id: int, payload: LeadConvertIn):
    """Make a company, a contact and a deal of the lead at once (or link to
    existing ones); 422 names the failing fields (`company.inn`, `deal.pipeline`…).
    With `dry_run: true` nothing is written and `similar` lists the companies and
    contacts you can see that the lead may already be."""
    lead = selectors.lead_get(actor=request.user, lead_id=lead_id)
    similar = (
        selectors.lead_similar(actor=request.user, lead=lead)
        if payload.dry_run
        else None
    )
    result = lead_conversion.lead_convert(
        actor=request.user,
        lead=lead,
        dry_run=payload.dry_run,
        company=payload.company_id,
        contact=payload.contact_id,
        create_company=payload.create_company,
        create_contact=payload.create_contact,
        create_deal=payload.create_deal,
        deal_title=payload.deal_title,
        deal_amount=payload.deal_amount,
        deal_currency=payload.deal_currency,
        pipeline=payload.pipeline_id,
        version=payload.version,
    )
    return {
        "dry_run": payload.dry_run,
        "lead": _reloaded(request, result.lead),
        "company_id": result.company.pk if result.company else None,
        "contact_id": result.contact.pk if result.contact else None,
        "deal_id": result.deal.pk if result.deal else None,
        "created": result.created,
        "similar": None
        if similar is None
        else {
            "companies": [
                {
                    "id": m.obj.pk,
                    "name": m.obj.name,
                    "reasons": m.reasons,
                    "score": m.score,
                }
                for m in similar.companies
            ],
            "contacts": [
                {
                    "id": m.obj.pk,
                    "name": m.obj.full_name,
                    "reasons": m.reasons,
                    "score": m.score,
                }
                for m in similar.contacts
            ],
        },
    }
