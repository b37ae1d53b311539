"""Shapes of leads in the HTTP API: what comes in, what goes out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from crm.core.schemas import ListQuery


class LeadIn(Schema):
    """A new lead. Without `owner_id` the assignment rules choose the curator,
    else the caller becomes it."""

    title: str = Field("", description="What they need; defaults to who they are.")
    company_name: str = ""
    inn: str = ""
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    job_title: str = ""
    email: str = ""
    phone: str = ""
    region: str = ""
    industry_id: int | None = None
    source_id: int | None = None
    owner_id: int | None = None
    description: str = ""
    form_data: dict[str, Any] = {}
    external_id: str = ""


class LeadPatch(Schema):
    """Some fields of a lead (PATCH): what is left out does not change. `status`
    moves it between `new`, `in_progress` and `rejected` (with a
    `rejection_reason`); `converted` is reached by the convert endpoint."""

    title: str | None = None
    company_name: str | None = None
    inn: str | None = None
    last_name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    job_title: str | None = None
    email: str | None = None
    phone: str | None = None
    region: str | None = None
    industry_id: int | None = None
    source_id: int | None = None
    owner_id: int | None = None
    description: str | None = None
    form_data: dict[str, Any] | None = None
    external_id: str | None = None
    status: str | None = None
    rejection_reason: str | None = None
    version: int | None = Field(
        None, description="The version you loaded: a stale one is 409."
    )


class LeadOut(Schema):
    id: int
    title: str
    company_name: str
    inn: str
    last_name: str
    first_name: str
    middle_name: str
    job_title: str
    email: str
    phone: str
    region: str
    industry_id: int | None
    source_id: int | None
    owner_id: int | None = Field(description="The curator.")
    status: str
    rejection_reason: str
    description: str
    form_data: dict[str, Any]
    company_id: int | None = Field(description="The company it was converted into.")
    contact_id: int | None = Field(description="The contact it was converted into.")
    converted_at: dt.datetime | None
    external_id: str
    version: int = Field(description="Send it back with a change: a stale one is 409.")
    created_at: dt.datetime
    updated_at: dt.datetime


class LeadFilter(ListQuery):
    """Filters of the lead list; `q` searches the need, company, INN, names,
    e-mail and phone."""

    status: list[str] | None = Field(None, description="Any of these statuses.")
    owner_id: int | None = None
    unassigned: bool | None = Field(None, description="true: leads without a curator.")
    source_id: int | None = None
    industry_id: int | None = None
    region: str | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None


class LeadListOut(Schema):
    items: list[LeadOut]
    count: int


class LeadConvertIn(Schema):
    """What the lead becomes. Name an existing `company_id` / `contact_id` to link
    to it instead of creating one (see `similar` of a dry run); with
    `dry_run: true` nothing is written and the answer lists similar records."""

    company_id: int | None = None
    contact_id: int | None = None
    create_company: bool = Field(True, description="Make a company of the lead's.")
    create_contact: bool = Field(True, description="Make a contact of the person.")
    create_deal: bool = True
    deal_title: str = Field("", description="Defaults to the lead's need.")
    deal_amount: Decimal | None = None
    deal_currency: str = Field("", description="Defaults to the price list's.")
    pipeline_id: int | None = Field(None, description="Defaults to the default one.")
    version: int | None = Field(
        None, description="The lead's version you loaded: a stale one is 409."
    )
    dry_run: bool = False


class SimilarOut(Schema):
    """A record the lead may already be, and why."""

    id: int
    name: str
    reasons: list[str]
    score: float


class SimilarListOut(Schema):
    companies: list[SimilarOut]
    contacts: list[SimilarOut]


class CreatedOut(Schema):
    company: bool
    contact: bool
    deal: bool


class LeadConvertOut(Schema):
    """What the conversion made or linked; ids are null in a dry run for what
    would be made."""

    dry_run: bool
    lead: LeadOut
    company_id: int | None
    contact_id: int | None
    deal_id: int | None
    created: CreatedOut
    similar: SimilarListOut | None = None
