"""The fields a file's columns can be mapped to, and the guess of that mapping from
the header row.

A header matches a field when, lower-cased with punctuation and `ё` folded, it is
the field's name, its English or Russian title, or one of the usual synonyms
(«ИНН», «Наименование», «E-mail», «Телефон», «Фамилия»…). Each field is taken by
the first column that names it; the rest stay unmapped for the user to choose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _l

_PUNCTUATION = re.compile(r"[\s_\-.,:;/\\()\"'«»№#*]+")


@dataclass(frozen=True)
class Field:
    name: str
    label: Any  # gettext_lazy: shown in the user's language
    synonyms: tuple[str, ...] = ()
    required: bool = False


# Every kind of record matches a row by the id another system gave it first.
EXTERNAL_ID = Field(
    "external_id", _l("external ID"), ("id", "код", "внешний код", "guid")
)


def normalise_header(text: str) -> str:
    text = (text or "").strip().lower().replace("ё", "е")
    return _PUNCTUATION.sub(" ", text).strip()


def _names(field: Field) -> list[str]:
    names = [field.name, field.name.replace("_", " "), *field.synonyms]
    for language in ("en", "ru"):
        with translation.override(language):
            names.append(str(field.label))
    return [normalise_header(n) for n in names]


def guess_mapping(fields: list[Field], headers: list[str]) -> dict[str, str]:
    """{column number as a string: field name} for the headers that name a field."""
    known: dict[str, str] = {}
    for field in fields:
        for name in _names(field):
            known.setdefault(name, field.name)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        name = known.get(normalise_header(header))
        if name and name not in taken:
            mapping[str(index)] = name
            taken.add(name)
    return mapping


def mapping_from_headers(
    saved: dict[str, str], headers: list[str], fields: list[Field]
) -> dict[str, str]:
    """Turn a saved {header: field} template into {column number: field}."""
    valid = {f.name for f in fields}
    by_header = {normalise_header(k): v for k, v in saved.items() if v in valid}
    mapping = {}
    for index, header in enumerate(headers):
        name = by_header.get(normalise_header(header))
        if name and name not in mapping.values():
            mapping[str(index)] = name
    return mapping


def mapping_to_headers(mapping: dict[str, str], headers: list[str]) -> dict[str, str]:
    """{header: field} of a job's mapping, to save as a template."""
    result = {}
    for index, name in mapping.items():
        position = int(index)
        if name and position < len(headers):
            result[headers[position]] = name
    return result
