"""Shapes of the customer base in the HTTP API: what comes in, what goes out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from crm.core import visibility
from crm.core.schemas import ListQuery
from crm.customers.models import ContactPointKind


class PointIn(Schema):
    """A further phone or e-mail."""

    label: str = ""
    value: str


class PointOut(Schema):
    label: str
    value: str


class TagIn(Schema):
    name: str
    color: str = "#6c757d"


class TagPatch(Schema):
    name: str | None = None
    color: str | None = None


class TagOut(Schema):
    id: int
    name: str
    color: str


class TagFilter(ListQuery):
    pass


class TagListOut(Schema):
    items: list[TagOut]
    count: int


def _points(obj, kind: str) -> list:
    return [p for p in obj.contact_points.all() if p.kind == kind]


class _RecordOut(Schema):
    tags: list[TagOut]
    custom_fields: dict[str, Any]
    phones: list[PointOut] = Field(
        description="Further phones beyond the primary `phone`."
    )
    emails: list[PointOut] = Field(
        description="Further e-mails beyond the primary `email`."
    )
    consent_email: bool
    consent_sms: bool
    consent_phone: bool
    curator_id: int | None
    source_id: int | None
    description: str
    external_id: str
    version: int = Field(description="Send it back with a change: a stale one is 409.")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_phones(obj) -> list:
        return _points(obj, ContactPointKind.PHONE)

    @staticmethod
    def resolve_emails(obj) -> list:
        return _points(obj, ContactPointKind.EMAIL)


class LikelyDuplicateOut(Schema):
    """A record you can see that looks like this one (see the duplicates queue)."""

    id: int
    name: str
    url: str
    score: float = Field(description="0 to 1; 0.85 and above is a duplicate.")
    decision: str = Field(description="`duplicate` or `possible`.")
    reasons: list[str] = Field(
        description="Stable codes: `same_email`, `same_inn`, `name_typo`…"
    )
    reason_labels: list[str] = Field(description="The reasons in your language.")


_LIKELY_DUPLICATES = (
    "Records you can see that look like this one, best first (at most 5). Saving "
    "is not refused: the pair also waits in the duplicates queue."
)


# --- companies ----------------------------------------------------------------------


class CompanyIn(Schema):
    """A whole company (POST, PUT). References are ids of reference list items."""

    name: str
    full_name: str = ""
    legal_form_id: int | None = None
    inn: str = ""
    kpp: str = ""
    ogrn: str = ""
    okpo: str = Field("", description="8 digits, 10 for a sole proprietor.")
    industry_id: int | None = None
    size: str = ""
    relation: str = "prospect"
    category_id: int | None = None
    parent_id: int | None = None
    email: str = ""
    phone: str = ""
    website: str = ""
    region: str = ""
    legal_address: str = ""
    actual_address: str = ""
    postal_address: str = ""
    source_id: int | None = None
    sales_channel_id: int | None = None
    curator_id: int | None = Field(None, description="Defaults to the caller.")
    description: str = ""
    external_id: str = ""
    consent_email: bool = False
    consent_sms: bool = False
    consent_phone: bool = False
    tag_ids: list[int] = []
    custom_fields: dict[str, Any] = {}
    phones: list[PointIn] = []
    emails: list[PointIn] = []
    version: int | None = Field(
        None, description="The version you loaded (PUT): a stale one is 409."
    )


class CompanyPatch(Schema):
    """Some fields of a company (PATCH): what is left out does not change."""

    name: str | None = None
    full_name: str | None = None
    legal_form_id: int | None = None
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    okpo: str | None = None
    industry_id: int | None = None
    size: str | None = None
    relation: str | None = None
    category_id: int | None = None
    parent_id: int | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    region: str | None = None
    legal_address: str | None = None
    actual_address: str | None = None
    postal_address: str | None = None
    source_id: int | None = None
    sales_channel_id: int | None = None
    curator_id: int | None = None
    description: str | None = None
    external_id: str | None = None
    consent_email: bool | None = None
    consent_sms: bool | None = None
    consent_phone: bool | None = None
    tag_ids: list[int] | None = None
    custom_fields: dict[str, Any] | None = None
    phones: list[PointIn] | None = None
    emails: list[PointIn] | None = None
    version: int | None = Field(
        None, description="The version you loaded: a stale one is 409."
    )


class CompanyOut(_RecordOut):
    id: int
    name: str
    full_name: str
    legal_form_id: int | None
    inn: str
    kpp: str
    ogrn: str
    okpo: str
    industry_id: int | None
    size: str
    relation: str
    category_id: int | None
    parent_id: int | None
    email: str
    phone: str
    website: str
    region: str
    legal_address: str
    actual_address: str
    postal_address: str
    sales_channel_id: int | None


class CompanyFilter(ListQuery):
    """Filters of the company list; custom fields filter as `cf_<key>=value`."""

    relation: str | None = None
    legal_form_id: int | None = None
    industry_id: int | None = None
    category_id: int | None = None
    source_id: int | None = None
    sales_channel_id: int | None = None
    curator_id: int | None = None
    parent_id: int | None = None
    region: str | None = None
    tags: list[int] | None = Field(None, description="Companies with any of these.")
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    has_email: bool | None = None
    has_phone: bool | None = None


class CompanyListOut(Schema):
    items: list[CompanyOut]
    count: int


class CompanyCreatedOut(CompanyOut):
    likely_duplicates: list[LikelyDuplicateOut] = Field(description=_LIKELY_DUPLICATES)


# --- contacts -----------------------------------------------------------------------


class EmploymentIn(Schema):
    """A place of work: the company, the position in it, the main one or not."""

    company_id: int
    position_id: int | None = None
    job_title: str = ""
    role: str = ""
    is_primary: bool = False


class EmploymentOut(Schema):
    company_id: int
    company_name: str
    position_id: int | None
    position: str | None
    job_title: str
    role: str
    is_primary: bool

    @staticmethod
    def resolve_company_name(obj) -> str:
        return obj.company.name

    @staticmethod
    def resolve_position(obj) -> str | None:
        return obj.position.name if obj.position_id else None


class ContactIn(Schema):
    """A whole contact (POST, PUT)."""

    first_name: str
    last_name: str = ""
    middle_name: str = ""
    birth_date: dt.date | None = None
    email: str = ""
    phone: str = ""
    address: str = ""
    source_id: int | None = None
    curator_id: int | None = Field(None, description="Defaults to the caller.")
    description: str = ""
    external_id: str = ""
    consent_email: bool = False
    consent_sms: bool = False
    consent_phone: bool = False
    companies: list[EmploymentIn] = []
    tag_ids: list[int] = []
    custom_fields: dict[str, Any] = {}
    phones: list[PointIn] = []
    emails: list[PointIn] = []
    version: int | None = Field(
        None, description="The version you loaded (PUT): a stale one is 409."
    )


class ContactPatch(Schema):
    """Some fields of a contact (PATCH): what is left out does not change."""

    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    birth_date: dt.date | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    source_id: int | None = None
    curator_id: int | None = None
    description: str | None = None
    external_id: str | None = None
    consent_email: bool | None = None
    consent_sms: bool | None = None
    consent_phone: bool | None = None
    companies: list[EmploymentIn] | None = Field(
        None,
        description="Replaces the places of work among the companies you can see.",
    )
    tag_ids: list[int] | None = None
    custom_fields: dict[str, Any] | None = None
    phones: list[PointIn] | None = None
    emails: list[PointIn] | None = None
    version: int | None = Field(
        None, description="The version you loaded: a stale one is 409."
    )


class ContactOut(_RecordOut):
    id: int
    first_name: str
    last_name: str
    middle_name: str
    full_name: str
    birth_date: dt.date | None
    email: str
    phone: str
    address: str
    companies: list[EmploymentOut] = Field(
        description="Places of work in the companies you can see."
    )

    @staticmethod
    def resolve_companies(obj, context) -> list:
        loaded = getattr(obj, "card_employments", None)
        if loaded is not None:
            return loaded
        request = context["request"] if context else None
        actor = getattr(request, "user", None)
        return [
            e
            for e in obj.employments.select_related("company", "position")
            if not e.company.is_deleted and visibility.can(actor, e.company)
        ]


class ContactCreatedOut(ContactOut):
    likely_duplicates: list[LikelyDuplicateOut] = Field(description=_LIKELY_DUPLICATES)


class ContactFilter(ListQuery):
    """Filters of the contact list; custom fields filter as `cf_<key>=value`."""

    company_id: int | None = Field(None, description="People working there.")
    source_id: int | None = None
    curator_id: int | None = None
    tags: list[int] | None = Field(None, description="Contacts with any of these.")
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    has_email: bool | None = None
    has_phone: bool | None = None


class ContactListOut(Schema):
    items: list[ContactOut]
    count: int
