"""Writes of the customer base: every change to companies, contacts, their links,
tags and reference lists goes through these functions."""

from crm.customers.services.classification import (
    company_tags_set,
    contact_tags_set,
    reference_item_create,
    reference_item_deactivate,
    reference_item_update,
    reference_model,
    tag_create,
    tag_delete,
    tag_update,
)
from crm.customers.services.companies import (
    company_create,
    company_delete,
    company_update,
)
from crm.customers.services.contact_points import (
    contact_point_add,
    contact_point_remove,
)
from crm.customers.services.contacts import (
    contact_create,
    contact_delete,
    contact_update,
    employment_add,
    employment_remove,
    employment_update,
)
from crm.customers.services.records import client_touch

__all__ = [
    "client_touch",
    "company_create",
    "company_delete",
    "company_tags_set",
    "company_update",
    "contact_create",
    "contact_delete",
    "contact_point_add",
    "contact_point_remove",
    "contact_tags_set",
    "contact_update",
    "employment_add",
    "employment_remove",
    "employment_update",
    "reference_item_create",
    "reference_item_deactivate",
    "reference_item_update",
    "reference_model",
    "tag_create",
    "tag_delete",
    "tag_update",
]
