from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "crm.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from crm.core import events
        from crm.core.registry import SettingsCard, register_settings
        from crm.webhooks import catalogue
        from crm.webhooks.services.dispatch import webhook_event_dispatch

        catalogue.register_defaults()
        events.subscribe(webhook_event_dispatch)
        register_settings(
            SettingsCard(
                "webhooks",
                _("Webhooks"),
                _(
                    "Send changes of records to other systems as signed HTTP "
                    "requests, with retries and a delivery log."
                ),
                "broadcast",
                "webhooks:webhook-list",
                order=400,
            )
        )
