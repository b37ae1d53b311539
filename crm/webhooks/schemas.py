"""API schemas of webhooks."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from ninja import Field, Schema


class WebhookIn(Schema):
    name: str = Field(..., max_length=100)
    url: str = Field(..., max_length=500, description="An http(s) address.")
    events: list[str] = Field(
        ..., description="Event names from `GET /webhooks/events`."
    )
    is_active: bool = True


class WebhookPatch(Schema):
    name: str | None = Field(None, max_length=100)
    url: str | None = Field(None, max_length=500)
    events: list[str] | None = None
    is_active: bool | None = None


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    is_active: bool
    failure_count: int
    disabled_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    created_at: dt.datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(
        ...,
        description=(
            "The signing secret, returned only here and by `rotate-secret`: "
            "store it now."
        ),
    )


class WebhookSecretOut(Schema):
    secret: str


class WebhookListOut(Schema):
    items: list[WebhookOut]
    count: int


class EventOut(Schema):
    name: str
    label: str


class DeliveryOut(Schema):
    id: int
    uuid: UUID
    event: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    response_code: int | None
    error: str
    duration_ms: int | None
    created_at: dt.datetime


class DeliveryDetailOut(DeliveryOut):
    payload: dict[str, Any]
    response_body: str


class DeliveryListOut(Schema):
    items: list[DeliveryOut]
    count: int


class DeliveryFilter(Schema):
    status: str | None = Field(None, description="`pending`, `succeeded` or `failed`.")
    page: int = 1
    page_size: int = 50
