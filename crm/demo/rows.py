"""The shape of the demo's rows: the columns each table is filled with, the plan of a
load and a batch of rows ready for `bulk.insert`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from crm.activities.models import Activity, Task

# The columns each kind of row fills, in order; `bulk.Table` adds the rest.
COMPANY_COLUMNS = (
    "id", "name", "full_name", "legal_form_id", "inn", "kpp", "ogrn", "industry_id",
    "size", "relation", "category_id", "parent_id", "email", "phone", "website",
    "region", "legal_address", "actual_address", "postal_address", "source_id",
    "sales_channel_id", "curator_id", "description", "external_id", "search_text",
    "consent_email", "consent_sms", "consent_phone", "created_at", "updated_at",
    "created_by_id",
)  # fmt: skip
CONTACT_COLUMNS = (
    "id", "last_name", "first_name", "middle_name", "birth_date", "email", "phone",
    "address", "source_id", "curator_id", "description", "external_id",
    "search_text", "consent_email", "consent_sms", "consent_phone", "created_at",
    "updated_at", "created_by_id",
)  # fmt: skip
EMPLOYMENT_COLUMNS = (
    "contact_id", "company_id", "position_id", "job_title", "role", "is_primary",
)  # fmt: skip
POINT_COLUMNS = ("kind", "value", "label", "company_id", "contact_id")
COMPANY_TAG_COLUMNS = ("company_id", "tag_id")
CONTACT_TAG_COLUMNS = ("contact_id", "tag_id")


def _searchable(model) -> bool:
    return any(f.name == "search_text" for f in model._meta.concrete_fields)


ACTIVITY_COLUMNS: tuple[str, ...] = (
    "kind", "subject", "body", "occurred_at", "ends_at", "direction",
    "duration_minutes", "outcome", "location", "company_id", "contact_id",
    "created_at", "updated_at", "created_by_id",
)  # fmt: skip
TASK_COLUMNS: tuple[str, ...] = (
    "title", "description", "assignee_id", "due_at", "priority", "status",
    "remind_at", "reminder_sent_at", "completed_at", "company_id", "contact_id",
    "created_at", "updated_at", "created_by_id",
)  # fmt: skip
# Timeline events and tasks carry their search text when their models have one; it
# is appended to each row by `add_search_text()`.
SEARCHED: dict[str, tuple[Any, tuple[str, ...], bool]] = {
    "activities": (Activity, ACTIVITY_COLUMNS, _searchable(Activity)),
    "tasks": (Task, TASK_COLUMNS, _searchable(Task)),
}
if SEARCHED["activities"][2]:
    ACTIVITY_COLUMNS += ("search_text",)
if SEARCHED["tasks"][2]:
    TASK_COLUMNS += ("search_text",)


@dataclass
class Plan:
    """What a batch needs to know about the database, decided before loading."""

    seed: int
    batches: list[int]  # contacts per batch
    company_first_id: int
    contact_first_id: int
    legal_forms: dict[str, int]  # short name → id
    industries: list[int]
    categories: list[int]
    sources: list[int]
    channels: list[int]
    positions: list[int]
    tags: list[int]
    # Curators by region: the Moscow and St Petersburg teams serve their cities.
    moscow_sales: list[int]
    spb_sales: list[int]
    today: dt.date
    tz_name: str
    timestamp_suffix: str  # "+00" where the engine wants the zone spelled out
    batch_companies: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.batch_companies:
            self.batch_companies = [max(1, n // 4) for n in self.batches]

    @property
    def company_count(self) -> int:
        return sum(self.batch_companies)

    @property
    def contact_count(self) -> int:
        return sum(self.batches)


class SearchSource:
    """Just enough of a model instance for its `build_search_text()`."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


@dataclass
class Batch:
    """The rows of one batch, by table, and a few contacts per curator for agendas."""

    companies: list[tuple] = field(default_factory=list)
    contacts: list[tuple] = field(default_factory=list)
    employments: list[tuple] = field(default_factory=list)
    points: list[tuple] = field(default_factory=list)
    company_tags: list[tuple] = field(default_factory=list)
    contact_tags: list[tuple] = field(default_factory=list)
    activities: list[tuple] = field(default_factory=list)
    tasks: list[tuple] = field(default_factory=list)
    # curator id → [(contact id, company id or None)]
    samples: dict[int, list[tuple[int, int | None]]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(
            len(rows)
            for rows in (
                self.companies,
                self.contacts,
                self.employments,
                self.points,
                self.company_tags,
                self.contact_tags,
                self.activities,
                self.tasks,
            )
        )


def add_search_text(batch: Batch) -> None:
    """Append each event's and task's search text, made by its model's own rule."""
    for name, (model, columns, searchable) in SEARCHED.items():
        if not searchable:
            continue
        rows = getattr(batch, name)
        build = model.build_search_text
        for index, row in enumerate(rows):
            source = SearchSource(dict(zip(columns, row, strict=True)))
            rows[index] = (*row, build(source))


def task_row(
    *,
    title: str,
    description: str,
    assignee: int,
    due: str | None,
    priority: str,
    status: str,
    remind: str | None,
    reminded: str | None,
    completed: str | None,
    company_id: int | None,
    contact_id: int | None,
    created: str,
    author: int,
) -> tuple:
    """One row of the task table in TASK_COLUMNS order."""
    return (
        title,
        description,
        assignee,
        due,
        priority,
        status,
        remind,
        reminded,
        completed,
        company_id,
        contact_id,
        created,
        completed or created,
        author,
    )
