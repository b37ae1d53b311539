"""Import of contacts: matched by external ID, then by e-mail; a company named in
the row (by INN or by name) becomes the person's place of work, and is created
when the CRM does not know it yet."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from crm.core import validation, visibility
from crm.core.bulk import listed
from crm.core.errors import DomainError
from crm.customers.models import Company, Contact, Employment, Source
from crm.imports import values as parse
from crm.imports.entities.base import (
    Outcome,
    Row,
    audit_batch,
    first_by,
    limited,
    source_lookup,
    user_lookup,
)
from crm.imports.entities.bulk import BulkImporter, required, value_of
from crm.imports.entities.extras import TAGS_FIELD
from crm.imports.fields import EXTERNAL_ID, Field
from crm.imports.writing import Inserter, reserve_ids

CONTACT_FIELDS = [
    EXTERNAL_ID,
    Field("last_name", _l("last name"), ("фамилия", "surname")),
    Field("first_name", _l("first name"), ("имя", "name", "given name")),
    Field("middle_name", _l("middle name"), ("отчество", "patronymic")),
    Field(
        "full_name",
        _l("full name"),
        ("фио", "ф и о", "контакт", "контактное лицо", "contact", "person"),
    ),
    Field(
        "birth_date", _l("birth date"), ("дата рождения", "день рождения", "birthday")
    ),
    Field(
        "email",
        _l("e-mail"),
        ("email", "почта", "эл почта", "электронная почта", "эл адрес", "e mail"),
    ),
    Field("phone", _l("phone"), ("телефон", "тел", "мобильный", "mobile", "tel")),
    Field("address", _l("address"), ("адрес",)),
    Field("source", _l("source"), ("источник",)),
    Field("curator", _l("curator"), ("куратор", "ответственный", "менеджер", "owner")),
    Field("description", _l("notes"), ("примечание", "комментарий", "описание")),
    Field(
        "company",
        _l("company"),
        ("компания", "организация", "место работы", "organisation", "organization"),
    ),
    Field("company_inn", _l("company INN"), ("инн", "инн компании", "inn")),
    Field("job_title", _l("job title"), ("должность", "position", "title")),
    Field("consent_email", _l("agrees to e-mails"), ("согласие на рассылку",)),
    Field("consent_sms", _l("agrees to SMS"), ("согласие на sms",)),
    Field("consent_phone", _l("agrees to calls"), ("согласие на звонки",)),
    TAGS_FIELD,
]

_TEXT_LIMITS = {
    "last_name": 100,
    "first_name": 100,
    "middle_name": 100,
    "external_id": 100,
    "job_title": 200,
    "company": 300,
}


def split_full_name(text: str) -> tuple[str, str, str]:
    """«Фамилия Имя Отчество» (the Russian order) into its three parts."""
    parts = text.split()
    if len(parts) == 1:
        return "", parts[0], ""
    return parts[0], parts[1], " ".join(parts[2:])


def full_name_values(text: str, row: Row) -> dict[str, str]:
    """The parts of a «Фамилия Имя Отчество» cell that the row does not give in
    their own columns; a part too long for its field refuses the row."""
    last, first, middle = split_full_name(text)
    return {
        key: limited(part, field="full_name", limit=100)
        for key, part in (
            ("last_name", last),
            ("first_name", first),
            ("middle_name", middle),
        )
        if part and not row.values.get(key)
    }


class ContactImporter(BulkImporter):
    """Contacts, their places of work and the companies those need."""

    entity = "contacts"
    object_type = "contact"
    model = Contact
    fields = CONTACT_FIELDS
    match_keys = ("external_id", "email")
    audited = (
        "last_name",
        "first_name",
        "middle_name",
        "birth_date",
        "email",
        "phone",
        "address",
        "source_id",
        "curator_id",
        "description",
        "external_id",
        "consent_email",
        "consent_sms",
        "consent_phone",
    )
    # Companies looked up by INN or name, kept across batches but never past this.
    COMPANY_CACHE = 50_000

    def __init__(self, *, actor) -> None:
        super().__init__(actor=actor)
        self.sources = source_lookup()
        self.users = user_lookup()
        self.names: dict[str, dict] = {
            "source_id": {s.pk: str(s) for s in Source.objects.all()},
            "curator_id": {
                u.pk: str(u) for u in get_user_model().objects.filter(is_active=True)
            },
        }
        self.companies: dict[tuple[str, str], Any] = {}
        self.today = timezone.localdate()
        self.inns = parse.Memo(validation.clean_inn)
        self.company_inserter = Inserter(
            Company,
            (
                "id",
                "name",
                "inn",
                "curator_id",
                "created_by_id",
                "created_at",
                "updated_at",
                "search_text",
            ),
        )
        self.employment_inserter = Inserter(
            Employment, ("contact_id", "company_id", "job_title", "is_primary")
        )
        self.may_create_companies = visibility.can_create(actor, "company")

    def written_models(self) -> list:
        return [Contact, Company, Employment]

    def display(self, name: str, value: Any) -> Any:
        if name in self.names and value is not None:
            return self.names[name].get(value, value)
        return super().display(name, value)

    def clean(self, row: Row) -> dict[str, Any]:
        values: dict[str, Any] = {}
        errors: dict[str, list] = {}
        for name, text in row.values.items():
            if not text:
                continue
            try:
                if name in _TEXT_LIMITS:
                    values[name] = limited(text, field=name, limit=_TEXT_LIMITS[name])
                elif name == "full_name":
                    values.update(full_name_values(text, row))
                elif name == "email":
                    values["email"] = parse.email(text, field="email")
                elif name == "phone":
                    values["phone"] = parse.phone(text, field="phone")
                elif name == "birth_date":
                    values["birth_date"] = parse.parse_date(text, field="birth_date")
                elif name in ("address", "description"):
                    values[name] = text
                elif name == "source":
                    values["source_id"] = self.sources.get(
                        text,
                        field="source",
                    )
                elif name == "curator":
                    values["curator_id"] = self.users.get(
                        text,
                        field="curator",
                    )
                elif name == "company_inn":
                    values["company_inn"] = self.inns(text, field="company_inn")
                elif name.startswith("consent_"):
                    values[name] = parse.parse_bool(text, field=name)
                else:
                    self.extras.clean(name, text, values)
            except DomainError as error:
                errors.setdefault(error.field or name, []).append(error.message)
        birth = values.get("birth_date")
        if birth and birth > self.today:
            errors.setdefault("birth_date", []).append(
                _("The birth date is in the future.")
            )
        if errors:
            raise DomainError.from_errors(errors)
        # Places of work are not model fields: keep them apart.
        for key in ("company", "company_inn", "job_title"):
            if key in values:
                values["_" + key] = values.pop(key)
        return values

    def check_new(self, values: dict[str, Any]) -> None:
        if not values.get("first_name"):
            required(values, "first_name", _("Enter the person's first name."))

    def missing_fields(self, mapped: set[str]) -> list[Field]:
        missing = [
            f
            for f in self.fields
            if f.required
            and f.name.startswith("custom_fields.")
            and f.name not in mapped
        ]
        if mapped & {"first_name", "full_name"}:
            return missing
        return [f for f in self.fields if f.name == "first_name"] + missing

    def name_of(self, record: dict[str, Any]) -> str:
        return " ".join(
            p
            for p in (
                record.get("last_name"),
                record.get("first_name"),
                record.get("middle_name"),
            )
            if p
        )

    def search_text(self, record, points: dict) -> str:
        get = partial(value_of, record)
        return parse.search_text(
            texts=[
                get("last_name"),
                get("first_name"),
                get("middle_name"),
                get("email"),
            ]
            + points.get("email", []),
            phones=[get("phone"), *points.get("phone", [])],
        )

    # --- companies -------------------------------------------------------------

    def prepare(self, cleaned: list[tuple[Row, dict]], outcome: Outcome) -> list:
        wanted_inns = {v["_company_inn"] for _r, v in cleaned if v.get("_company_inn")}
        wanted_names = {
            v["_company"]
            for _r, v in cleaned
            if v.get("_company") and not v.get("_company_inn")
        }
        self._load_companies(wanted_inns, wanted_names)
        kept = []
        new_companies: dict[tuple[str, str], dict] = {}
        for row, values in cleaned:
            inn, name = values.get("_company_inn", ""), values.get("_company", "")
            if not inn and not name:
                kept.append((row, values))
                continue
            key = ("inn", inn) if inn else ("name", name.casefold())
            company = self.companies.get(key)
            if company is None:
                company = new_companies.get(key)
            if company is None:
                if not name:
                    outcome.reject(
                        row,
                        _("There is no company with the INN %(inn)s.") % {"inn": inn},
                        "company_inn",
                    )
                    continue
                if not self.may_create_companies:
                    outcome.reject(
                        row,
                        _("There is no company «%(name)s», and you may not add one.")
                        % {"name": name},
                        "company",
                    )
                    continue
                company = {"name": name, "inn": inn}
                new_companies[key] = company
            elif not isinstance(company, dict) and not visibility.can(
                self.actor, company, "view"
            ):
                outcome.reject(
                    row,
                    _("You may not see the company «%(name)s».") % {"name": company},
                    "company",
                )
                continue
            values["_company_obj"] = company
            kept.append((row, values))
        if new_companies:
            self._insert_companies(list(new_companies.values()))
            self.companies.update(new_companies)
        return kept

    def _insert_companies(self, records: list[dict]) -> None:
        now = timezone.now()
        curator = str(self.actor)
        for record, pk in zip(records, reserve_ids(Company, len(records)), strict=True):
            record.update(
                id=pk,
                curator_id=self.actor.pk,
                created_by_id=self.actor.pk,
                created_at=now,
                updated_at=now,
                search_text=parse.search_text(texts=[record["name"], record["inn"]]),
            )
        self.company_inserter.insert(records)
        audit_batch(
            actor=self.actor,
            model=Company,
            created=[
                (
                    r["id"],
                    r["name"],
                    {
                        "name": {"old": None, "new": r["name"]},
                        **({"inn": {"old": None, "new": r["inn"]}} if r["inn"] else {}),
                        "curator": {"old": None, "new": curator},
                    },
                )
                for r in records
            ],
            updated=[],
            label="import",
        )

    def _load_companies(self, inns: set[str], names: set[str]) -> None:
        if len(self.companies) > self.COMPANY_CACHE:
            self.companies.clear()
        inns = {i for i in inns if ("inn", i) not in self.companies}
        names = {n for n in names if ("name", n.casefold()) not in self.companies}
        for inn, company in first_by(Company, "inn", inns).items():
            self.companies[("inn", inn)] = company
        for name, company in first_by(Company, "name", names).items():
            self.companies[("name", name.casefold())] = company

    # --- places of work -----------------------------------------------------------

    def after_write(self, rows: list[tuple[int, dict]], fresh: set[int]) -> None:
        links = {}
        for contact_id, values in rows:
            company = values.get("_company_obj")
            if company is not None:
                company_id = company["id"] if isinstance(company, dict) else company.pk
                links[(contact_id, company_id)] = values.get("_job_title", "")
        if not links:
            return
        # Only contacts that were there before the batch can have places of work.
        known = {c for c, _co in links if c not in fresh}
        existing = (
            set(
                Employment.objects.filter(contact_id__in=listed(known)).values_list(
                    "contact_id", "company_id"
                )
            )
            if known
            else set()
        )
        employed = {c for c, _co in existing}
        new = []
        for (contact_id, company_id), title in links.items():
            if (contact_id, company_id) in existing:
                continue
            new.append(
                {
                    "contact_id": contact_id,
                    "company_id": company_id,
                    "job_title": title,
                    "is_primary": contact_id not in employed,
                }
            )
            employed.add(contact_id)
        self.employment_inserter.insert(new)
