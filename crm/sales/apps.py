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
