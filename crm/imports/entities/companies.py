"""Import of companies (контрагенты): matched by external ID, then by INN."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from crm.core import validation
from crm.core.errors import DomainError
from crm.customers.models import (
    Company,
    CompanyCategory,
    CompanySize,
    Industry,
    LegalForm,
    Relation,
    SalesChannel,
    Source,
)
from crm.imports import values as parse
from crm.imports.entities.base import (
    Row,
    choice_lookup,
    limited,
    reference_lookup,
    user_lookup,
)
from crm.imports.entities.bulk import BulkImporter, required, value_of
from crm.imports.entities.extras import TAGS_FIELD
from crm.imports.fields import EXTERNAL_ID, Field

COMPANY_FIELDS = [
    EXTERNAL_ID,
    Field(
        "name",
        _l("name"),
        (
            "наименование",
            "название",
            "компания",
            "организация",
            "company",
            "контрагент",
        ),
        required=True,
    ),
    Field("full_name", _l("full legal name"), ("полное наименование", "full name")),
    Field("legal_form", _l("legal form"), ("опф", "форма собственности")),
    Field("inn", _l("INN"), ("инн", "tax id")),
    Field("kpp", _l("KPP"), ("кпп",)),
    Field("ogrn", _l("OGRN"), ("огрн", "огрнип")),
    Field("okpo", _l("OKPO"), ("окпо",)),
    Field("industry", _l("industry"), ("отрасль", "сфера деятельности")),
    Field("size", _l("size"), ("размер",)),
    Field("relation", _l("relation"), ("отношения", "тип отношений", "тип", "type")),
    Field("category", _l("category"), ("категория",)),
    Field(
        "email",
        _l("e-mail"),
        ("email", "почта", "эл почта", "электронная почта", "эл адрес", "e mail"),
    ),
    Field("phone", _l("phone"), ("телефон", "тел", "tel")),
    Field("website", _l("web site"), ("сайт", "website", "url", "www")),
    Field("region", _l("region"), ("регион", "город", "city")),
    Field("legal_address", _l("legal address"), ("юридический адрес", "адрес")),
    Field("actual_address", _l("actual address"), ("фактический адрес",)),
    Field("postal_address", _l("postal address"), ("почтовый адрес",)),
    Field("source", _l("source"), ("источник",)),
    Field("sales_channel", _l("sales channel"), ("канал продаж",)),
    Field("curator", _l("curator"), ("куратор", "ответственный", "менеджер", "owner")),
    Field("description", _l("notes"), ("примечание", "комментарий", "описание")),
    Field("consent_email", _l("agrees to e-mails"), ("согласие на рассылку",)),
    Field("consent_sms", _l("agrees to SMS"), ("согласие на sms",)),
    Field("consent_phone", _l("agrees to calls"), ("согласие на звонки",)),
    TAGS_FIELD,
]

_TEXT_LIMITS = {
    "name": 300,
    "full_name": 500,
    "region": 100,
    "external_id": 100,
}
_LONG_TEXTS = ("legal_address", "actual_address", "postal_address", "description")
_REFERENCES = {
    "legal_form": (LegalForm, _l("There is no legal form «%(value)s».")),
    "industry": (Industry, _l("There is no industry «%(value)s» in the list.")),
    "category": (CompanyCategory, _l("There is no category «%(value)s».")),
    "source": (Source, _l("There is no source «%(value)s» in the list.")),
    "sales_channel": (SalesChannel, _l("There is no sales channel «%(value)s».")),
}


class CompanyImporter(BulkImporter):
    """Companies: the INN and KPP checked by their check digits, references by name."""

    entity = "companies"
    object_type = "company"
    model = Company
    fields = COMPANY_FIELDS
    match_keys = ("external_id", "inn")
    audited = (
        "name",
        "full_name",
        "legal_form_id",
        "inn",
        "kpp",
        "ogrn",
        "okpo",
        "industry_id",
        "size",
        "relation",
        "category_id",
        "email",
        "phone",
        "website",
        "region",
        "legal_address",
        "actual_address",
        "postal_address",
        "source_id",
        "sales_channel_id",
        "curator_id",
        "description",
        "external_id",
        "consent_email",
        "consent_sms",
        "consent_phone",
    )

    def __init__(self, *, actor) -> None:
        super().__init__(actor=actor)
        self.references = {
            name: reference_lookup(model) for name, (model, _m) in _REFERENCES.items()
        }
        self.users = user_lookup()
        self.sizes = choice_lookup(CompanySize.choices)
        self.relations = choice_lookup(Relation.choices)
        self.names: dict[str, dict] = {
            f"{name}_id": {pk: str(item) for pk, item in _items(model).items()}
            for name, (model, _m) in _REFERENCES.items()
        }
        self.names["curator_id"] = {
            u.pk: str(u) for u in get_user_model().objects.filter(is_active=True)
        }

    def display(self, name: str, value: Any) -> Any:
        if name in self.names and value is not None:
            return self.names[name].get(value, value)
        if name in ("size", "relation") and value:
            return str(dict(Company._meta.get_field(name).flatchoices).get(value))
        return super().display(name, value)

    def clean(self, row: Row) -> dict[str, Any]:
        cells = row.values
        values: dict[str, Any] = {}
        errors: dict[str, list] = {}
        for name, text in cells.items():
            if not text:
                continue
            try:
                if name in _TEXT_LIMITS:
                    values[name] = limited(text, field=name, limit=_TEXT_LIMITS[name])
                elif name in _LONG_TEXTS:
                    values[name] = text
                elif name == "inn":
                    values["inn"] = validation.clean_inn(text)
                elif name == "kpp":
                    values["kpp"] = validation.clean_kpp(text)
                elif name == "ogrn":
                    values["ogrn"] = validation.clean_ogrn(text)
                elif name == "okpo":
                    values["okpo"] = validation.clean_okpo(text)
                elif name == "email":
                    values["email"] = parse.email(text, field="email")
                elif name == "phone":
                    values["phone"] = parse.phone(text, field="phone")
                elif name == "website":
                    values["website"] = validation.clean_url(text)
                elif name in _REFERENCES:
                    values[f"{name}_id"] = self.references[name].get(
                        text, field=name, message=_REFERENCES[name][1]
                    )
                elif name == "curator":
                    values["curator_id"] = self.users.get(
                        text,
                        field="curator",
                    )
                elif name == "size":
                    values["size"] = self.sizes.get(
                        text, field="size", message=_("Unknown size «%(value)s».")
                    )
                elif name == "relation":
                    values["relation"] = self.relations.get(
                        text,
                        field="relation",
                        message=_("Unknown relation «%(value)s»."),
                    )
                elif name.startswith("consent_"):
                    values[name] = parse.parse_bool(text, field=name)
                else:
                    self.extras.clean(name, text, values)
            except DomainError as error:
                errors.setdefault(error.field or name, []).append(error.message)
        if values.get("kpp") and len(values.get("inn", "")) == 12:
            errors.setdefault("kpp", []).append(
                _("A sole proprietor (12-digit INN) has no KPP.")
            )
        if errors:
            raise DomainError.from_errors(errors)
        return values

    def check_new(self, values: dict[str, Any]) -> None:
        if not values.get("name"):
            required(values, "name", _("Enter the company's name."))

    def name_of(self, record: dict[str, Any]) -> str:
        return record.get("name", "")

    def search_text(self, record, points: dict) -> str:
        get = partial(value_of, record)
        return parse.search_text(
            texts=[get("name"), get("full_name"), get("inn"), get("ogrn"), get("email")]
            + points.get("email", []),
            phones=[get("phone"), *points.get("phone", [])],
        )


def _items(model) -> dict:
    return {item.pk: item for item in model.objects.all()}
