"""API schemas of imports."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from crm.core.schemas import ListQuery


class ImportFieldOut(Schema):
    name: str
    label: str
    required: bool


class ImportOut(Schema):
    id: int
    entity: str
    filename: str
    status: str
    file_format: str
    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str]
    preview: list[list[str]]
    fields: list[ImportFieldOut]
    total_rows: int | None
    committed_rows: int
    checked_rows: int
    percent: int
    created_count: int
    updated_count: int
    rejected_count: int
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ImportListItemOut(Schema):
    id: int
    entity: str
    filename: str
    status: str
    percent: int
    created_count: int
    updated_count: int
    rejected_count: int
    created_at: dt.datetime


class ImportListOut(Schema):
    items: list[ImportListItemOut]
    count: int


class ImportFilter(ListQuery):
    entity: str | None = None


class ImportMappingIn(Schema):
    # {column number: field name}; "" or a left-out column is skipped.
    mapping: dict[str, str]


class ImportTemplateApplyIn(Schema):
    template_id: int


class ImportErrorOut(Schema):
    row: int
    column: str
    message: str
    values: list[str]


class ImportErrorListOut(Schema):
    items: list[ImportErrorOut]
    count: int


class ImportErrorFilter(ListQuery):
    dry_run: bool | None = None


class MappingTemplateIn(Schema):
    entity: str
    name: str
    # {column header: field name}
    mapping: dict[str, str] | None = None
    # …or take the mapping of this import.
    import_id: int | None = None


class MappingTemplateOut(Schema):
    id: int
    entity: str
    name: str
    mapping: dict[str, str]


class MappingTemplateListOut(Schema):
    items: list[MappingTemplateOut]
    count: int
