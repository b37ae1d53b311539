from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "crm.exchange"
    label = "exchange"
    verbose_name = _("Exchange with 1C")

    def ready(self) -> None:
        from crm.core.registry import SettingsCard, register_settings

        register_settings(
            SettingsCard(
                "exchange-1c",
                _("Exchange with 1C"),
                _(
                    "Catalogue, prices, counterparties and orders in CommerceML: "
                    "files and the exchange protocol of 1C."
                ),
                "arrow-left-right",
                "exchange:settings",
                order=400,
            )
        )
