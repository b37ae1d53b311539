"""Import of deals through deal_create / deal_update / deal_move_stage."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from crm.core import visibility
from crm.core.errors import DomainError
from crm.customers.models import Company, Contact
from crm.imports import values as parse
from crm.imports.entities.base import (
    Lookup,
    Row,
    limited,
    source_lookup,
    user_lookup,
)
from crm.imports.entities.rows import ServiceImporter
from crm.imports.fields import EXTERNAL_ID, Field, normalise_header
from crm.sales.models import (
    Deal,
    Pipeline,
    Stage,
)
from crm.sales.services.deals import (
    deal_create,
    deal_move_stage,
    deal_update,
    default_pipeline,
)

DEAL_FIELDS = [
    EXTERNAL_ID,
    Field("title", _l("title"), ("название", "сделка", "наименование", "deal"), True),
    Field("company", _l("company"), ("компания", "клиент", "контрагент", "client")),
    Field("company_inn", _l("company INN"), ("инн", "инн клиента", "inn")),
    Field("contact", _l("contact's e-mail"), ("контакт", "e-mail", "email", "почта")),
    Field("owner", _l("owner"), ("ответственный", "менеджер", "владелец")),
    Field("pipeline", _l("pipeline"), ("воронка",)),
    Field("stage", _l("stage"), ("этап", "стадия")),
    Field("amount", _l("amount"), ("сумма", "бюджет", "sum")),
    Field("currency", _l("currency"), ("валюта",)),
    Field("probability", _l("probability, %"), ("вероятность",)),
    Field(
        "expected_close_date",
        _l("expected close date"),
        ("дата закрытия", "план закрытия", "close date"),
    ),
    Field("source", _l("source"), ("источник",)),
    Field("description", _l("description"), ("описание", "комментарий")),
]


class DealImporter(ServiceImporter):
    """Deals through `deal_create` / `deal_update`: a client by INN or name (or a
    contact by e-mail) that the importer can see, a pipeline and a stage by name.
    A changed stage of a matched deal moves it through `deal_move_stage`, so the
    stage history stays true."""

    entity = "deals"
    object_type = "deal"
    model = Deal
    fields = DEAL_FIELDS
    match_keys = ("external_id",)

    def __init__(self, *, actor) -> None:
        super().__init__(actor=actor)
        self.users = user_lookup()
        self.sources = source_lookup()
        self.pipelines = Lookup((p.name, p.pk) for p in Pipeline.objects.all())
        self.stages = {
            (s.pipeline_id, normalise_header(s.name)): s.pk for s in Stage.objects.all()
        }
        default = default_pipeline()
        self.default_pipeline_id = default.pk if default else None

    def values(self, row: Row) -> dict[str, Any]:
        values: dict[str, Any] = {}
        errors: dict[str, list] = {}
        cells = row.values
        for name, text in cells.items():
            if not text:
                continue
            try:
                if name in ("title", "external_id"):
                    values[name] = limited(
                        text, field=name, limit=300 if name == "title" else 100
                    )
                elif name == "description":
                    values[name] = text
                elif name == "currency":
                    values["currency"] = text.upper()
                elif name == "amount":
                    values["amount"] = parse.parse_decimal(
                        text, field="amount", minimum=Decimal(0)
                    )
                elif name == "probability":
                    values["probability"] = parse.parse_decimal(
                        text, field="probability", minimum=Decimal(0)
                    )
                elif name == "expected_close_date":
                    values[name] = parse.parse_date(text, field=name)
                elif name == "owner":
                    values["owner"] = self.users.get(
                        text,
                        field="owner",
                    )
                elif name == "source":
                    values["source"] = self.sources.get(
                        text,
                        field="source",
                    )
                elif name == "pipeline":
                    values["pipeline"] = self.pipelines.get(
                        text,
                        field="pipeline",
                        message=_("There is no pipeline «%(value)s»."),
                    )
            except DomainError as error:
                errors.setdefault(error.field or name, []).append(error.message)
        if cells.get("stage"):
            pipeline = values.get("pipeline", self.default_pipeline_id)
            stage = self.stages.get((pipeline, normalise_header(cells["stage"])))
            if stage is None:
                errors.setdefault("stage", []).append(
                    _("The pipeline has no stage «%(value)s».")
                    % {"value": cells["stage"][:100]}
                )
            values["stage"] = stage
        self._client(cells, values, errors)
        if errors:
            raise DomainError.from_errors(errors)
        if "probability" in values:
            values["probability"] = int(values["probability"])
        return values

    def _client(self, cells: dict, values: dict, errors: dict) -> None:
        """The deal's company (by INN, else by name) and contact (by e-mail), among
        the records the importer can see."""
        inn, name = cells.get("company_inn", ""), cells.get("company", "")
        companies = visibility.visible(Company.objects, self.actor)
        if inn:
            company = companies.filter(inn=inn).order_by("id").first()
        elif name:
            company = companies.filter(name=name).order_by("id").first()
        else:
            company = None
        if (inn or name) and company is None:
            field = "company_inn" if inn else "company"
            errors.setdefault(field, []).append(
                _("There is no company «%(value)s» among those you can see.")
                % {"value": (inn or name)[:100]}
            )
        elif company is not None:
            values["company"] = company.pk
        email = cells.get("contact", "")
        if email:
            contact = (
                visibility.visible(Contact.objects, self.actor)
                .filter(email=email.strip())
                .order_by("id")
                .first()
            )
            if contact is None:
                errors.setdefault("contact", []).append(
                    _(
                        "There is no contact with the e-mail %(value)s among those you "
                        "can see."
                    )
                    % {"value": email[:100]}
                )
            else:
                values["contact"] = contact.pk

    def save(self, obj, values: dict[str, Any]):
        if obj is None:
            if not values.get("title"):
                raise DomainError(_("Name the deal."), field="title")
            return deal_create(actor=self.actor, **values)
        values = dict(values)
        stage = values.pop("stage", None)
        deal = deal_update(actor=self.actor, deal=obj, **values)
        if stage is not None and stage != deal.stage_id:
            deal = deal_move_stage(actor=self.actor, deal=deal, stage=stage)
        return deal
