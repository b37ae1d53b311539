"""Import of leads through lead_create / lead_update."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from crm.customers.models import Industry
from crm.imports import values as parse
from crm.imports.entities.base import (
    Row,
    limited,
    reference_lookup,
    source_lookup,
    user_lookup,
)
from crm.imports.entities.contacts import full_name_values
from crm.imports.entities.rows import ServiceImporter
from crm.imports.fields import EXTERNAL_ID, Field
from crm.sales.models import (
    Lead,
)
from crm.sales.services.leads import lead_create, lead_update

LEAD_FIELDS = [
    EXTERNAL_ID,
    Field(
        "title", _l("what they need"), ("потребность", "что нужно", "запрос", "need")
    ),
    Field(
        "company_name",
        _l("company"),
        ("компания", "организация", "company name", "organisation", "organization"),
    ),
    Field("inn", _l("INN"), ("инн",)),
    Field("last_name", _l("last name"), ("фамилия", "surname")),
    Field("first_name", _l("first name"), ("имя", "name")),
    Field("middle_name", _l("middle name"), ("отчество",)),
    Field("full_name", _l("full name"), ("фио", "контакт", "контактное лицо")),
    Field("job_title", _l("job title"), ("должность", "position")),
    Field("email", _l("e-mail"), ("email", "почта", "эл почта")),
    Field("phone", _l("phone"), ("телефон", "тел", "tel")),
    Field("region", _l("region"), ("регион", "город", "city")),
    Field("industry", _l("industry"), ("отрасль",)),
    Field("source", _l("source"), ("источник",)),
    Field("owner", _l("curator"), ("ответственный", "куратор", "менеджер", "owner")),
    Field("description", _l("notes"), ("примечание", "комментарий", "описание")),
]

_LEAD_LIMITS = {
    "title": 300,
    "company_name": 300,
    "last_name": 100,
    "first_name": 100,
    "middle_name": 100,
    "job_title": 200,
    "region": 100,
    "external_id": 100,
}


class LeadImporter(ServiceImporter):
    """Leads: curators from the file, else the importer (no assignment rules and no
    notification per row — whoever imports a list decides who works it)."""

    entity = "leads"
    object_type = "lead"
    model = Lead
    fields = LEAD_FIELDS
    match_keys = ("external_id", "email")

    def __init__(self, *, actor) -> None:
        super().__init__(actor=actor)
        self.industries = reference_lookup(Industry)
        self.sources = source_lookup()
        self.users = user_lookup()

    def values(self, row: Row) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, text in row.values.items():
            if not text:
                continue
            if name in _LEAD_LIMITS:
                values[name] = limited(text, field=name, limit=_LEAD_LIMITS[name])
            elif name == "full_name":
                values.update(full_name_values(text, row))
            elif name in ("inn", "description"):
                values[name] = text
            elif name == "email":
                values["email"] = parse.email(text, field="email")
            elif name == "phone":
                values["phone"] = parse.phone(text, field="phone")
            elif name == "industry":
                values["industry_id"] = self.industries.get(
                    text,
                    field="industry",
                    message=_("There is no industry «%(value)s» in the list."),
                )
            elif name == "source":
                values["source_id"] = self.sources.get(
                    text,
                    field="source",
                )
            elif name == "owner":
                values["owner_id"] = self.users.get(
                    text,
                    field="owner",
                )
        return values

    def save(self, obj, values: dict[str, Any]):
        if obj is None:
            if "owner_id" not in values:
                values = {**values, "owner_id": self.actor.pk}
            return lead_create(actor=self.actor, notify=False, **values)
        return lead_update(actor=self.actor, lead=obj, **values)
