"""Import of leads from a CSV file: every row checked, then all imported or none,
with a preview; each bad row reported by its number and column."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.core import visibility
from crm.core.errors import DomainError
from crm.core.services import notification_send
from crm.customers.models import Industry, Source
from crm.customers.services.records import Errors, add_error, raise_errors
from crm.sales.models import (
    Lead,
)
from crm.sales.services.leads import (
    clean_lead,
    notify_curator,
    save_new_lead,
)

# The most rows one CSV file may bring: a bigger import belongs to the integrations.
IMPORT_MAX_ROWS = 5000


def _notify_imported(*, leads: list[Lead], actor) -> None:
    """One notification per curator for a whole file, not one per row."""
    by_owner: dict[Any, list[Lead]] = defaultdict(list)
    for lead in leads:
        if lead.owner is not None and lead.owner.pk != getattr(actor, "pk", None):
            by_owner[lead.owner].append(lead)
    for user, own in by_owner.items():
        if len(own) == 1:
            notify_curator(lead=own[0], user=user, actor=actor)
            continue
        with translation.override(user.language or None):
            notification_send(
                user=user,
                title=ngettext(
                    "%(count)d imported lead for you",
                    "%(count)d imported leads for you",
                    len(own),
                )
                % {"count": len(own)},
                body="\n".join(lead.title for lead in own[:20]),
                url=f"{reverse('sales:lead-list')}?owner={user.pk}",
            )


# Column names a file may use, in English or Russian, for each field of a lead.
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": (
        "title",
        "what they need",
        "need",
        "request",
        "потребность",
        "что нужно",
        "запрос",
    ),
    "company_name": (
        "company",
        "company name",
        "organisation",
        "organization",
        "компания",
        "организация",
    ),
    "inn": ("inn", "инн"),
    "last_name": ("last name", "surname", "фамилия"),
    "first_name": ("first name", "имя"),
    "middle_name": ("middle name", "отчество"),
    "job_title": ("job title", "position", "должность"),
    "email": ("e-mail", "email", "mail", "почта", "эл. почта", "электронная почта"),
    "phone": ("phone", "telephone", "телефон"),
    "region": ("region", "регион"),
    "source": ("source", "источник"),
    "industry": ("industry", "отрасль"),
    "description": ("notes", "description", "comment", "комментарий", "примечание"),
    "external_id": ("external id", "внешний код", "внешний id"),
}


def _header_key(name: str) -> str:
    return " ".join(
        (name or "")
        .strip()
        .lstrip("\ufeff")
        .replace("_", " ")
        .replace("ё", "е")
        .lower()
        .split()
    )


_ALIASES = {
    _header_key(alias): field_name
    for field_name, aliases in IMPORT_COLUMNS.items()
    for alias in aliases
}


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(
        _("Save the file as CSV in UTF-8 (or Windows-1251) and upload it again."),
        field="file",
    )


@dataclass
class ImportRow:
    """One data row of a file: its number as a spreadsheet shows it (the header is
    row 1) and the lead's fields it gives."""

    number: int
    fields: dict[str, Any]
    owner: Any = None


@dataclass
class ImportResult:
    rows: list[ImportRow]
    leads: list[Lead] = field(default_factory=list)


def parse_lead_csv(content: bytes | str) -> list[ImportRow]:
    """Read a CSV file of leads: a header row, then one lead per row.

    The separator (comma, semicolon or tab) is detected; the columns are named as
    in `IMPORT_COLUMNS`, in English or Russian, in any order. An unknown column is
    refused rather than silently dropped, and empty rows are skipped.
    """
    text = _decode(content)
    if not text.strip():
        raise DomainError(_("The file is empty."), field="file")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise DomainError(_("The file is empty."), field="file") from None
    columns: list[str | None] = []
    errors: Errors = {}
    for name in header:
        key = _header_key(name)
        if not key:
            columns.append(None)
            continue
        field_name = _ALIASES.get(key)
        if field_name is None:
            add_error(
                errors,
                "rows.1",
                _("Unknown column “%(name)s”. Known columns: %(known)s.")
                % {"name": name.strip(), "known": ", ".join(IMPORT_COLUMNS_HELP)},
            )
        elif field_name in columns:
            add_error(
                errors,
                "rows.1",
                _("The column “%(name)s” is given twice.") % {"name": name.strip()},
            )
        columns.append(field_name)
    if not any(columns) and not errors:
        add_error(errors, "rows.1", _("The first row must name the columns."))
    raise_errors(errors)
    rows: list[ImportRow] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= IMPORT_MAX_ROWS:
                raise DomainError(
                    _("At most %(count)d rows at a time: split the file.")
                    % {"count": IMPORT_MAX_ROWS},
                    field="file",
                )
            data = {
                name: cell.strip()
                for name, cell in zip(columns, cells, strict=False)
                if name
            }
            rows.append(ImportRow(number=number, fields=data))
    except csv.Error as error:
        raise DomainError(
            _("The file is not valid CSV: %(error)s") % {"error": error}, field="file"
        ) from None
    if not rows:
        raise DomainError(_("The file has no rows of leads."), field="file")
    return rows


IMPORT_COLUMNS_HELP = (
    "title",
    "company",
    "INN",
    "last name",
    "first name",
    "middle name",
    "job title",
    "e-mail",
    "phone",
    "region",
    "source",
    "industry",
    "notes",
)


def _named(model, active_only: bool = True) -> dict[str, Any]:
    """Reference items by their Russian and English names, folded."""
    items = model.objects.filter(is_active=True) if active_only else model.objects.all()
    result: dict[str, Any] = {}
    for item in items:
        for name in (item.name_ru, item.name_en):
            if name:
                result.setdefault(_header_key(name), item)
    return result


@transaction.atomic
def lead_import(*, actor, content: bytes | str, dry_run: bool = False) -> ImportResult:
    """Import leads from a CSV file: all rows or none.

    Every row is checked first; when any is wrong, nothing is imported and the
    DomainError lists each bad row by its number and field (`rows.<n>.<field>`).
    With `dry_run` the file is only checked (the preview). Each lead gets a
    curator by the assignment rules, else the importer; each curator is notified
    once for the whole file.
    """
    visibility.ensure_can_create(actor=actor, object_type="lead")
    rows = parse_lead_csv(content)
    sources = _named(Source)
    industries = _named(Industry)
    errors: Errors = {}
    cleaned: list[tuple[ImportRow, dict[str, Any]]] = []
    for row in rows:
        data = dict(row.fields)
        prefix = f"rows.{row.number}"
        row_errors: Errors = {}
        for name, model_map, label in (
            ("source", sources, _("source")),
            ("industry", industries, _("industry")),
        ):
            value = data.pop(name, "")
            if not value:
                continue
            item = model_map.get(_header_key(value))
            if item is None:
                add_error(
                    row_errors,
                    name,
                    _(
                        "Unknown %(what)s “%(value)s”: use a name from the list in the settings."
                    )
                    % {"what": label, "value": value},
                )
            else:
                data[f"{name}_id"] = item.pk
        values = clean_lead(lead=Lead(), fields=data, errors=row_errors)
        for name, messages in row_errors.items():
            name = name.removesuffix("_id")
            errors.setdefault(f"{prefix}.{name}", []).extend(messages)
        cleaned.append((row, values))
    external_ids = [v.get("external_id") for _r, v in cleaned if v.get("external_id")]
    repeated = {x for x in external_ids if external_ids.count(x) > 1}
    for row, values in cleaned:
        if values.get("external_id") in repeated:
            add_error(
                errors,
                f"rows.{row.number}.external_id",
                _("This external ID is in the file twice."),
            )
    raise_errors(errors)
    result = ImportResult(rows=rows)
    if dry_run:
        return result
    for _row, values in cleaned:
        result.leads.append(save_new_lead(actor=actor, lead=Lead(), values=values))
    _notify_imported(leads=result.leads, actor=actor)
    return result
