"""Tags and administrator-defined (custom) fields of imported companies and contacts.

Tags come several to a cell («VIP; опт, Москва»); a name the CRM does not know yet
becomes a new tag, and a record only ever gains tags: a re-import adds what is new
and removes nothing, an empty cell changes nothing. Links go in with one
`bulk_create(ignore_conflicts=True)` per batch, so a link already there is no error.

Every active custom field of the entity is a field of the mapping
(`custom_fields.<key>`, guessed by its English and Russian labels). Cells are read
with the import's own parsers (31.12.2024, 1 234,50, да/нет) and then checked by
`crm.core.custom_fields.clean_value`, the rule the forms apply, so an imported value
is stored exactly as one typed in a form. Values merge into the record's JSON.

A tag the import creates gets its own history entry, as one added on the tags page.

Pitfalls: tags created by a dry run roll back with its batch, so they are looked up
per batch rather than kept across batches. Tag names are matched case-insensitively
(«опт» is the tag «Опт»), while the unique index is case-sensitive: a name not found
exactly makes the batch read the whole (small) tag table once.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from crm.core import audit
from crm.core import custom_fields as core_custom_fields
from crm.core.errors import DomainError
from crm.core.models import CustomField, CustomFieldKind
from crm.customers.models import Tag
from crm.imports import values as parse
from crm.imports.entities.base import Rejected, limited
from crm.imports.fields import Field

PREFIX = "custom_fields."
TAG_LIMIT = 50
_TAG_SEPARATORS = re.compile(r"[,;\n]+")

TAGS_FIELD = Field("tags", _l("tags"), ("теги", "тэги", "метки", "tags", "labels"))


class CustomLabel:
    """A custom field's label in the language active when it is shown."""

    def __init__(self, en: str, ru: str) -> None:
        self.en, self.ru = en, ru

    def __str__(self) -> str:
        if (get_language() or "en").startswith("ru"):
            return self.ru or self.en
        return self.en or self.ru


def custom_fields_of(entity: str) -> list[CustomField]:
    return core_custom_fields.fields_for(entity)


def custom_import_fields(custom: list[CustomField]) -> list[Field]:
    return [
        Field(
            PREFIX + f.key,
            CustomLabel(f.label_en, f.label_ru),
            required=f.is_required,
        )
        for f in custom
    ]


def split_tags(text: str) -> list[str]:
    """Tag names of a cell: split on `,` `;` or line breaks, spaces collapsed,
    repeats (in any letter case) dropped."""
    names: dict[str, str] = {}
    for part in _TAG_SEPARATORS.split(text):
        name = " ".join(part.split())
        if name:
            limited(name, field="tags", limit=TAG_LIMIT)
            names.setdefault(name.casefold(), name)
    return list(names.values())


def clean_custom(field: CustomField, text: str) -> Any:
    """A cell of a custom field as the record's JSON stores it; raises DomainError
    naming `custom_fields.<key>`."""
    name = PREFIX + field.key
    kind = field.kind
    value: Any = text.strip()
    if kind == CustomFieldKind.NUMBER:
        value = parse.parse_decimal(value, field=name)
    elif kind == CustomFieldKind.DATE:
        value = parse.parse_date(value, field=name)
    elif kind == CustomFieldKind.BOOLEAN:
        value = parse.parse_bool(value, field=name)
    elif kind == CustomFieldKind.CHOICE:
        folded = " ".join(value.split()).casefold()
        value = next((c for c in field.choices if c.casefold() == folded), value)
    return core_custom_fields.clean_value(field, value)


class Extras:
    """Tags and custom fields of one importer (one job): the custom fields are
    read once, tags per batch."""

    def __init__(self, model, entity: str, *, actor=None) -> None:
        self.model = model
        self.actor = actor
        self.custom = {f.key: f for f in custom_fields_of(entity)}
        through = model.tags.through
        self.through = through
        self.owner_column = f"{model._meta.model_name}_id"

    # --- cells ------------------------------------------------------------------

    def clean(self, name: str, text: str, values: dict[str, Any]) -> bool:
        """Put a tags or custom-field cell into `values`; False for other fields."""
        if name == "tags":
            tags = split_tags(text)
            if tags:
                values["_tags"] = tags
            return True
        if name.startswith(PREFIX):
            field = self.custom.get(name.removeprefix(PREFIX))
            if field is None:
                raise Rejected(
                    _("There is no field «%(name)s» to import into.") % {"name": name},
                    field=name,
                )
            value = clean_custom(field, text)
            if value is not None:
                values.setdefault("_custom", {})[field.key] = value
            return True
        return False

    def check_new(self, values: dict[str, Any]) -> None:
        """A new record needs every required custom field, as in the form."""
        given = values.get("_custom", {})
        errors = {
            PREFIX + key: [_("This field is required.")]
            for key, field in self.custom.items()
            if field.is_required and given.get(key) in (None, "")
        }
        if errors:
            raise DomainError.from_errors(errors)

    def check_saved(self, obj, values: dict[str, Any]) -> None:
        """A saved record the row changes must keep every required custom field
        filled, as its form requires on saving: the row may fill what is missing."""
        given = values.get("_custom", {})
        current = obj.custom_fields or {}
        errors = {
            PREFIX + key: [_("This field is required.")]
            for key, field in self.custom.items()
            if field.is_required
            and given.get(key) in (None, "")
            and current.get(key) in (None, "")
        }
        if errors:
            raise DomainError.from_errors(errors)

    # --- custom fields ------------------------------------------------------------

    @staticmethod
    def merge_new(record: dict[str, Any], values: dict[str, Any]) -> None:
        if values.get("_custom"):
            record["custom_fields"] = {
                **record.get("custom_fields", {}),
                **values["_custom"],
            }

    @staticmethod
    def apply(obj, values: dict[str, Any], changes: dict) -> None:
        """Merge a row's custom values into a saved record, noting what changed."""
        given = values.get("_custom")
        if not given:
            return
        current = dict(obj.custom_fields or {})
        for key, value in given.items():
            old = current.get(key)
            if old == value:
                continue
            entry = changes.setdefault(PREFIX + key, {"old": old})
            entry["new"] = value
            current[key] = value
        obj.custom_fields = current

    @staticmethod
    def created_changes(record: dict[str, Any]) -> dict[str, dict]:
        return {
            PREFIX + key: {"old": None, "new": value}
            for key, value in (record.get("custom_fields") or {}).items()
            if value not in (None, "")
        }

    # --- tags ---------------------------------------------------------------------

    def link_tags(self, written: list[tuple[Any, dict]], changed: dict) -> dict:
        """Link the tags of a batch's rows to their records (after the new ones got
        their ids); returns {id of a new record: the history's tags value} and puts
        a "tags" change into `changed` for the saved records that gain a tag."""
        wanted: dict[int, dict[str, str]] = {}
        new_ids: set[int] = set()
        saved: dict[int, Any] = {}
        for target, values in written:
            names = values.get("_tags")
            if not names:
                continue
            if isinstance(target, dict):
                pk = target["id"]
                new_ids.add(pk)
            else:
                pk = target.pk
                saved[pk] = target
            bucket = wanted.setdefault(pk, {})
            for name in names:
                bucket.setdefault(name.casefold(), name)
        if not wanted:
            return {}
        tags = self._tags({k: v for b in wanted.values() for k, v in b.items()})
        column = self.owner_column
        existing: dict[int, set[int]] = {}
        for owner, tag_id in self.through.objects.filter(
            **{f"{column}__in": list(saved)}
        ).values_list(column, "tag_id"):
            existing.setdefault(owner, set()).add(tag_id)
        names_by_id = dict(tags.values())
        old_names = self._names(
            {t for ids in existing.values() for t in ids} - set(names_by_id)
        )
        names_by_id.update(old_names)
        links = []
        history: dict[int, str] = {}
        for owner, bucket in wanted.items():
            have = existing.get(owner, set())
            ids = {tags[key][0] for key in bucket}
            added = ids - have
            if not added:
                continue
            links += [
                self.through(**{column: owner, "tag_id": tag_id})
                for tag_id in sorted(added)
            ]
            after = ", ".join(sorted(names_by_id[t] for t in have | ids))
            if owner in new_ids:
                history[owner] = after
            else:
                before = ", ".join(sorted(names_by_id[t] for t in have)) or None
                obj = saved[owner]
                changed.setdefault(owner, (obj, {}))[1]["tags"] = {
                    "old": before,
                    "new": after,
                }
        self.through.objects.bulk_create(links, ignore_conflicts=True, batch_size=1000)
        return history

    def _tags(self, wanted: dict[str, str]) -> dict[str, tuple[int, str]]:
        """{folded name: (id, name)} of the wanted tags, creating the missing ones."""
        found: dict[str, tuple[int, str]] = {}

        def load(names) -> None:
            for pk, name in Tag.objects.filter(name__in=names).values_list(
                "id", "name"
            ):
                found.setdefault(name.casefold(), (pk, name))

        load(list(wanted.values()))
        if any(key not in found for key in wanted):
            # The same name in another letter case is the same tag. Tags are a
            # small vocabulary: read them all, and only when a name is new.
            for pk, name in Tag.objects.values_list("id", "name"):
                found.setdefault(name.casefold(), (pk, name))
        missing = [name for key, name in wanted.items() if key not in found]
        if missing:
            Tag.objects.bulk_create(
                [Tag(name=name) for name in missing], ignore_conflicts=True
            )
            load(missing)
            # A new tag has its own history, as one added on the tags page.
            created = [found[name.casefold()][0] for name in missing]
            for tag in Tag.objects.filter(pk__in=created).order_by("id"):
                audit.record_create(self.actor, tag)
        return found

    @staticmethod
    def _names(ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        return dict(Tag.objects.filter(pk__in=ids).values_list("id", "name"))
