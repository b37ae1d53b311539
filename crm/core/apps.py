from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "crm.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Hooking Django's own migrate (a third-party event): make the search indexes.
        post_migrate.connect(_ensure_search_indexes, sender=self)


def _ensure_search_indexes(sender, using="default", **kwargs) -> None:
    from crm.core.search import ensure_indexes

    ensure_indexes(using=using)
