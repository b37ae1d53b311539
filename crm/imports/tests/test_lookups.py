"""The look-ups of an import use their column's index on both engines, whatever
statistics the planner has: a batch that reads the whole table costs minutes at a
million contacts."""

import pytest
from django.db import connection

from crm.customers.models import Company, Contact
from crm.imports.entities.base import first_by, lookup_queryset


def _plan(queryset) -> str:
    if connection.vendor == "postgresql":
        # Tiny test tables are read whole anyway: ask whether an index *can* serve.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@pytest.mark.parametrize(
    ("model", "name", "index"),
    [
        (Contact, "external_id", "contact_unique_external_id"),
        (Contact, "email", "contact_email_idx"),
        (Company, "inn", "company_inn_idx"),
        (Company, "name", "company_name_idx"),
        (Company, "external_id", "company_unique_external_id"),
    ],
)
def test_each_lookup_walks_its_index(db, model, name, index):
    plan = _plan(lookup_queryset(model, name, ["a", "b", "c"]))
    assert index in plan, plan


def test_a_single_external_id_walks_the_partial_index(db):
    plan = _plan(Contact.all_objects.with_external_id("C-1"))
    assert "contact_unique_external_id" in plan, plan


def test_lookups_find_values_of_any_alphabet_and_skip_the_trash(db):
    from django.utils import timezone

    live = Contact.objects.create(
        first_name="Иван", email="Ivan@Example.com", external_id="Код «1»"
    )
    Contact.objects.create(
        first_name="Пётр", email="petr@example.com", deleted_at=timezone.now()
    )
    found = first_by(Contact, "external_id", ["Код «1»", "нет"], live=False)
    assert found == {"Код «1»": live}
    # an address is found as stored or in lower case; one stored in mixed case is
    # not found by another case (the duplicate check pairs those records)
    assert first_by(Contact, "email", ["ivan@example.com"]) == {}
    assert first_by(Contact, "email", ["Ivan@Example.com"]) == {
        "ivan@example.com": live
    }
    assert first_by(Contact, "email", ["petr@example.com"]) == {}
    assert first_by(Contact, "email", ["petr@example.com"], live=False) != {}
