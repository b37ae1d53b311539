"""`crm dedupe`: JSON lines and the summary."""

import json

import pytest

from crm.customers.tests.factories import ContactFactory
from crm.duplicates.commands import dedupe_command
from crm.duplicates.models import DuplicatePair

pytestmark = pytest.mark.django_db


def test_dedupe_command_prints_one_json_object_per_pair():
    a = ContactFactory(last_name="Иванов", first_name="Сергей", email="s@x.ru")
    b = ContactFactory(last_name="Сергей", first_name="Иванов", email="s@x.ru")
    lines = []
    code = dedupe_command(entity="contacts", as_json=True, echo=lines.append)
    assert code == 0
    assert [json.loads(line) for line in lines] == [
        {
            "a": a.pk,
            "b": b.pk,
            "score": 0.95,
            "decision": "duplicate",
            "reasons": ["names_swapped", "same_name", "same_email"],
        }
    ]
    assert DuplicatePair.objects.count() == 1


def test_dedupe_command_summarises_and_is_idempotent():
    ContactFactory(last_name="Иванов", first_name="Сергей", email="s@x.ru")
    ContactFactory(last_name="Иванов", first_name="Сергей", email="s@x.ru")
    first, second = [], []
    dedupe_command(entity="contacts", as_json=False, echo=first.append)
    dedupe_command(entity="contacts", as_json=False, echo=second.append)
    assert "1 duplicates" in first[0]
    assert "0 new" in second[0]
    assert DuplicatePair.objects.count() == 1


def test_dedupe_command_refuses_an_unknown_entity():
    lines = []
    assert dedupe_command(entity="deals", as_json=True, echo=lines.append) == 2
    assert lines == ["Choose contacts or companies."]
