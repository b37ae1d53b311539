"""One importer per kind of record, by the entity names of the command line."""

from __future__ import annotations

from crm.core.errors import DomainError


def importer_class(entity: str):
    from crm.imports.entities.companies import CompanyImporter
    from crm.imports.entities.contacts import ContactImporter
    from crm.imports.entities.deals import DealImporter
    from crm.imports.entities.leads import LeadImporter
    from crm.imports.entities.orders import OrderImporter
    from crm.imports.entities.products import ProductImporter

    classes = {
        cls.entity: cls
        for cls in (
            CompanyImporter,
            ContactImporter,
            LeadImporter,
            ProductImporter,
            DealImporter,
            OrderImporter,
        )
    }
    try:
        return classes[entity]
    except KeyError:
        from django.utils.translation import gettext as _

        raise DomainError(
            _("Records of this kind cannot be imported yet: %(entity)s.")
            % {"entity": entity},
            field="entity",
        ) from None


def fields_of(entity: str):
    return importer_class(entity).all_fields()
