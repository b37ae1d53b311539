"""Factories of leads for tests: assignment rules, and CSV files to import."""

import factory
from factory.django import DjangoModelFactory

from crm.sales.models import AssignmentKind, AssignmentRule


class AssignmentRuleFactory(DjangoModelFactory):
    """A round robin rule by default: pass `team`; or `kind` with `region` /
    `industry` and `assignee`."""

    class Meta:
        model = AssignmentRule

    name = factory.Sequence(lambda n: f"Правило {n}")
    position = factory.Sequence(lambda n: n * 10)
    kind = AssignmentKind.ROUND_ROBIN


def csv_text(
    *rows: list[str],
    header: str = "title;company;INN;last name;first name;e-mail;phone;region;source",
) -> bytes:
    """A CSV file (semicolon-separated, UTF-8) with the header and the rows."""
    lines = [header, *(";".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()
