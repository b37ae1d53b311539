from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "crm.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from crm.core import registry

        _register_exports()

        registry.register_nav(
            registry.NavItem(
                key="companies",
                label=_("Companies"),
                url_name="customers:company-list",
                icon="building",
                order=20,
            )
        )
        registry.register_nav(
            registry.NavItem(
                key="contacts",
                label=_("Contacts"),
                url_name="customers:contact-list",
                icon="person-vcard",
                order=30,
            )
        )
        registry.register_search(
            registry.SearchProvider(
                key="companies",
                label=_("Companies"),
                search=_search_companies,
                order=10,
            )
        )
        registry.register_search(
            registry.SearchProvider(
                key="contacts",
                label=_("Contacts"),
                search=_search_contacts,
                order=20,
            )
        )


def _register_exports() -> None:
    from crm.core.exports import register_export
    from crm.customers import views

    register_export(
        "customers.companies",
        lambda actor, params: views.company_listing(actor, params)[:2],
        url_name="customers:company-list",
    )
    register_export(
        "customers.contacts",
        lambda actor, params: views.contact_listing(actor, params)[:2],
        url_name="customers:contact-list",
    )


def _search_companies(actor, query: str, limit: int) -> list:
    from crm.core.registry import SearchHit
    from crm.core.validation import format_phone
    from crm.customers.selectors import company_search

    hits = []
    for company in company_search(actor=actor, query=query, limit=limit):
        details = [company.inn and _("INN %(inn)s") % {"inn": company.inn}]
        details += [company.email, format_phone(company.phone)]
        hits.append(
            SearchHit(
                title=company.name,
                url=company.get_absolute_url(),
                subtitle=" · ".join(str(d) for d in details if d),
                icon="building",
            )
        )
    return hits


def _search_contacts(actor, query: str, limit: int) -> list:
    from crm.core.registry import SearchHit
    from crm.core.validation import format_phone
    from crm.customers.selectors import contact_search

    return [
        SearchHit(
            title=contact.full_name,
            url=contact.get_absolute_url(),
            subtitle=" · ".join(
                d for d in (contact.email, format_phone(contact.phone)) if d
            ),
            icon="person",
        )
        for contact in contact_search(actor=actor, query=query, limit=limit)
    ]
