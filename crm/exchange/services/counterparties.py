"""Import of 1C counterparties (Контрагенты) into companies and their people.

Companies go through `company_create`/`company_update`, so every rule of the
customer base holds (INN and KPP checks, the history, events that flag duplicates).
A counterparty is found by its 1C Ид (`external_id`), then by INN (and KPP when both
have one); only changed fields are sent, so a second identical import changes
nothing and bumps no versions.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from crm.core.bulk import by_external_id
from crm.core.errors import DomainError, Forbidden
from crm.customers.models import Company, Contact
from crm.customers.services.companies import company_create, company_update
from crm.customers.services.contacts import contact_create
from crm.customers.services.records import clean_scalar
from crm.exchange.services.catalogue import label
from crm.exchange.services.ids import own_pk
from crm.exchange.services.report import Report


def _refusal(error: Exception) -> str:
    if isinstance(error, DomainError):
        return "; ".join(
            f"{field}: {message}" if field else str(message)
            for field, messages in error.all_errors.items()
            for message in messages
        )
    return str(getattr(error, "message", "") or error)


def find_company(data: dict[str, Any]) -> Company | None:
    """The company a counterparty names: by Ид, then by INN (+ KPP)."""
    pk = own_pk("company", data.get("id", ""))
    if pk:
        return Company.objects.filter(pk=pk).first()
    if data.get("id"):
        found = by_external_id(Company.objects, data["id"]).first()
        if found is not None:
            return found
    inn = data.get("inn", "")
    if not inn:
        return None
    candidates = Company.objects.filter(inn=inn).order_by("pk")
    if data.get("kpp"):
        exact = candidates.filter(kpp=data["kpp"]).first()
        if exact is not None:
            return exact
    return candidates.first()


def _stored(name: str, value: Any) -> Any:
    """The value as the company service would store it (a phone in E.164…), so
    an unchanged counterparty is seen as unchanged."""
    errors: dict = {}
    stored = clean_scalar(Company, name, value, errors)
    return value if errors else stored


def _values(data: dict[str, Any]) -> dict[str, Any]:
    """The company fields a counterparty fills; empty ones are left out, so a
    thinner file never erases what the CRM knows."""
    values = {
        "name": data["name"][:300],
        "full_name": data["full_name"][:500],
        "inn": data["inn"],
        "kpp": data["kpp"],
        "ogrn": data.get("ogrn", ""),
        "okpo": data.get("okpo", ""),
        "region": data.get("region", "")[:100],
        "legal_address": data["legal_address"],
        "actual_address": data["actual_address"],
    }
    for kind, value in data["contacts"]:
        low = kind.lower()
        if "@" in value:
            values.setdefault("email", value)
        elif "телефон" in low:
            values.setdefault("phone", value)
        elif "сайт" in low or "веб" in low or low == "url":
            values.setdefault("website", value)
        elif low == "почта":
            # 1C names a postal address «Почта» as well as an e-mail.
            values.setdefault("postal_address", value)
    return {k: v for k, v in values.items() if v}


def counterparty_import(
    *, actor, data: dict[str, Any], report: Report
) -> Company | None:
    """Create or update the company of a counterparty (and its representatives);
    a refusal is reported and leaves nothing of this counterparty."""
    if not data["name"]:
        report.refuse(
            "counterparty",
            label("counterparty", data),
            _("The counterparty has no name (Наименование)."),
        )
        return None
    try:
        with transaction.atomic():
            company = find_company(data)
            values = _values(data)
            if company is None:
                if data["id"] and own_pk("company", data["id"]) is None:
                    values["external_id"] = data["id"][:100]
                company = company_create(actor=actor, relation="client", **values)
                report.count("counterparty", "created")
            else:
                if (
                    data["id"]
                    and not company.external_id
                    and own_pk("company", data["id"]) is None
                ):
                    values["external_id"] = data["id"][:100]
                if company.region:
                    # The region sorts companies into territories in the CRM: 1C's
                    # «Москва г» fills a blank one but never replaces a chosen one.
                    values.pop("region", None)
                changed = {
                    k: v
                    for k, v in values.items()
                    if getattr(company, k) != _stored(k, v)
                }
                if changed:
                    company = company_update(actor=actor, company=company, **changed)
                    report.count("counterparty", "updated")
                else:
                    report.count("counterparty", "unchanged")
            for person in data["representatives"]:
                _representative(
                    actor=actor, company=company, person=person, report=report
                )
            return company
    except (DomainError, Forbidden) as error:
        report.refuse("counterparty", label("counterparty", data), _refusal(error))
        return None


def _representative(*, actor, company: Company, person: dict, report: Report) -> None:
    """A contact person of the counterparty, found by Ид or by name at the company."""
    parts = person["name"].split()
    last, first, middle = (
        (parts + ["", "", ""])[:3] if len(parts) > 1 else ("", parts[0], "")
    )
    found = None
    if person["id"]:
        found = by_external_id(Contact.objects, person["id"]).first()
    if found is None:
        found = company.contacts.filter(
            last_name=last, first_name=first, middle_name=middle
        ).first()
    if found is not None:
        report.count("contact", "unchanged")
        return
    contact_create(
        actor=actor,
        last_name=last[:100],
        first_name=first[:100],
        middle_name=" ".join(parts[2:])[:100] if len(parts) > 2 else middle,
        external_id=person["id"][:100],
        companies=[{"company_id": company.pk, "job_title": person["relation"][:200]}],
    )
    report.count("contact", "created")
