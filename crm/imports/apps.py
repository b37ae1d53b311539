from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportConfig(AppConfig):
    name = "crm.imports"
    label = "imports"
    verbose_name = _("Import")

    def ready(self) -> None:
        from crm.imports import views

        views.register()
