"""API schemas of the duplicates queue and merges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class PairFilter(Schema):
    """`entity`: `contacts` (default) or `companies`; `decision`: `duplicate` or
    `possible`; `status`: `open` (default), `dismissed` or `merged`."""

    entity: str = "contacts"
    decision: str | None = None
    status: str | None = None
    page: int = 1
    page_size: int = 50


class RecordBrief(Schema):
    id: int
    name: str
    email: str
    phone: str
    url: str


class PairOut(Schema):
    id: int
    entity: str
    a_id: int
    b_id: int
    score: float
    decision: str
    status: str
    reasons: list[str]
    reason_labels: list[str]
    a: RecordBrief | None
    b: RecordBrief | None


class PairListOut(Schema):
    items: list[PairOut]
    count: int


class ScanIn(Schema):
    entity: str = "contacts"


class ScanOut(Schema):
    entity: str
    queued: bool


class MergeIn(Schema):
    """Merge `ids` (two or more) into `survivor_id` (one of them; by default the
    oldest). `field_choices` maps a field (`email`, `custom_fields.<key>`) to the id
    of the record whose value is kept; fields left out keep the survivor's value, or
    the first filled one of the others when the survivor's is empty."""

    entity: str
    ids: list[int]
    survivor_id: int | None = None
    field_choices: dict[str, int] = {}


class MergeOut(Schema):
    id: int
    entity: str
    survivor_id: int
    merged_ids: list[int]
    survivor_before: dict[str, Any]
    survivor_after: dict[str, Any]
    moved: dict[str, dict[str, list[int]]]
    at: dt.datetime
    undone_at: dt.datetime | None


class MergeListOut(Schema):
    items: list[MergeOut]
    count: int


class DuplicateCheckIn(Schema):
    """A record as it is being typed, to check before it is saved."""

    entity: str = Field(description="`contacts` or `companies`.")
    values: dict[str, Any] = Field(
        description=(
            "Its fields as you would send them to create it. Contacts are checked "
            "by `last_name`, `first_name`, `middle_name`, `birth_date`, `email`, "
            "`phone`, `address`; companies by `name`, `inn`, `kpp`, `email`, "
            "`phone`, `legal_address`, `actual_address`, `website`; both by "
            "`phones` and `emails`, lists of further ones (up to 5 each). Other "
            "keys are ignored, and an incomplete e-mail, phone or INN is left out."
        )
    )
    exclude_id: int | None = Field(
        None, description="The record being edited, left out of its own duplicates."
    )
