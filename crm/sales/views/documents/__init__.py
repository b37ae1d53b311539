"""Pages of documents: the deal's documents panel, document pages, lists of
proposals, orders and invoices, the margin report, our requisites, and the panels
on a client's card (sales figures, cross-sell)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def _panel(name: str):
    """A card panel's context function that imports the views only when called."""

    def context(request, obj):
        from crm.sales.views.documents import panels

        return getattr(panels, name)(request, obj)

    return context


def register() -> None:
    """Register this sub-domain's navigation items, card panels and search providers."""
    from crm.core.registry import CardPanel, NavItem, register_nav, register_panel
    from crm.sales.views.documents.lists import register_exports

    register_exports()

    register_nav(
        NavItem(
            key="sales-documents",
            label=_("Documents"),
            url_name="sales:invoice-list",
            icon="receipt",
            order=46,
            more=True,
        )
    )
    register_panel(
        "deal",
        CardPanel(
            key="sales-documents",
            template="sales/documents/panels/deal_documents.html",
            context=_panel("deal_documents_context"),
            order=25,
            column="main",
        ),
    )
    register_panel(
        "company",
        CardPanel(
            key="sales-figures",
            template="sales/documents/panels/company_sales.html",
            context=_panel("company_sales_context"),
            order=30,
            column="side",
        ),
    )
    register_panel(
        "company",
        CardPanel(
            key="sales-cross-sell",
            template="sales/documents/panels/cross_sell.html",
            context=_panel("cross_sell_context"),
            order=35,
            column="side",
        ),
    )
