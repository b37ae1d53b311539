"""API schemas of tasks and activities: what clients send and what they get back."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from crm.activities.models import ActivityKind, Direction, TaskPriority, TaskStatus
from crm.core.schemas import ListQuery


class TaskIn(Schema):
    title: str = Field(..., max_length=300)
    description: str = ""
    assignee_id: int | None = None
    due_at: dt.datetime | None = None
    priority: TaskPriority = TaskPriority.NORMAL
    remind_at: dt.datetime | None = None
    company_id: int | None = None
    contact_id: int | None = None


class TaskPatch(Schema):
    """Fields to change; `version` is the one the client loaded (409 when stale)."""

    title: str | None = Field(None, max_length=300)
    description: str | None = None
    assignee_id: int | None = None
    due_at: dt.datetime | None = None
    priority: TaskPriority | None = None
    status: TaskStatus | None = None
    remind_at: dt.datetime | None = None
    company_id: int | None = None
    contact_id: int | None = None
    version: int | None = None


class TaskOut(Schema):
    id: int
    title: str
    description: str
    assignee_id: int
    due_at: dt.datetime | None
    priority: str
    status: str
    remind_at: dt.datetime | None
    completed_at: dt.datetime | None
    company_id: int | None
    contact_id: int | None
    created_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    is_overdue: bool


class TaskFilter(ListQuery):
    status: str | None = Field(
        None, description="A status, or 'active' for open and in progress."
    )
    priority: TaskPriority | None = None
    assignee: int | None = None
    due_from: dt.datetime | None = None
    due_to: dt.datetime | None = None
    overdue: bool | None = None
    company: int | None = None
    contact: int | None = None


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class ActivityIn(Schema):
    kind: ActivityKind
    subject: str = Field("", max_length=300)
    body: str = ""
    occurred_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    direction: Direction | None = None
    duration_minutes: int | None = Field(None, ge=0)
    outcome: str = Field("", max_length=300)
    location: str = Field("", max_length=300)
    company_id: int | None = None
    contact_id: int | None = None


class ActivityPatch(Schema):
    subject: str | None = Field(None, max_length=300)
    body: str | None = None
    occurred_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    direction: Direction | None = None
    duration_minutes: int | None = Field(None, ge=0)
    outcome: str | None = Field(None, max_length=300)
    location: str | None = Field(None, max_length=300)
    company_id: int | None = None
    contact_id: int | None = None
    version: int | None = None


class ActivityOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    occurred_at: dt.datetime
    ends_at: dt.datetime | None
    direction: str
    duration_minutes: int | None
    outcome: str
    location: str
    company_id: int | None
    contact_id: int | None
    created_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    attachments: list[AttachmentOut]


class ActivityFilter(ListQuery):
    kind: ActivityKind | None = None
    company: int | None = None
    contact: int | None = None
    author: int | None = None
    occurred_from: dt.datetime | None = None
    occurred_to: dt.datetime | None = None


class TaskListOut(Schema):
    items: list[TaskOut]
    count: int


class ActivityListOut(Schema):
    items: list[ActivityOut]
    count: int
