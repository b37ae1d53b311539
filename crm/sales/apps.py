from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "crm.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from crm.core.visibility import register_object_type

        register_object_type("lead", _("Leads"))
        register_object_type("deal", _("Deals"))

        from crm.sales.views import (
            analytics,
            catalogue,
            deals,
            documents,
            leads,
            playbooks,
        )

        for area in (catalogue, leads, deals, playbooks, documents, analytics):
            area.register()
        _register_settings()


def _register_settings() -> None:
    from crm.core.registry import SettingsCard, register_settings

    for card in (
        SettingsCard(
            "pipelines",
            _("Pipelines and stages"),
            _("Sales pipelines, stages, reasons for losing and discount limits."),
            "kanban",
            "sales:pipeline-list",
            order=200,
        ),
        SettingsCard(
            "assignment-rules",
            _("Lead assignment"),
            _("Who gets a new lead: by region, by industry or in turn in a team."),
            "signpost-split",
            "sales:assignment-rule-list",
            order=210,
        ),
        SettingsCard(
            "units",
            _("Units and VAT rates"),
            _("Units of measure and VAT rates of the catalogue."),
            "rulers",
            "sales:unit-list",
            order=220,
        ),
        SettingsCard(
            "own-companies",
            _("Our requisites"),
            _("Our legal entity and bank details printed on documents."),
            "building-gear",
            "sales:own-company-list",
            order=230,
        ),
    ):
        register_settings(card)
