"""What every importer shares: rows, outcomes, look-ups of reference lists, users and
choices by the names people type, and the audit entries of a whole batch.

An importer gets one batch of rows inside the batch's transaction and writes it; a
row it cannot take is reported (row, field, reason) and left out, the others go in.
Look-ups are loaded once per job (reference lists and users are small) or per batch
(the records the rows match), so memory stays bounded whatever the file's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from crm.core import events, visibility
from crm.core.bulk import listed
from crm.core.errors import DomainError
from crm.core.models import AuditAction, AuditEntry
from crm.customers.models import Source
from crm.imports.fields import Field, normalise_header


@dataclass
class Row:
    number: int  # in the file, the header being row 1
    values: dict[str, str]  # field name → the cell's text


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    # (row number, field name or "", message in the job owner's language)
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    def reject(self, row: Row, error: DomainError | str, field_name: str = "") -> None:
        if isinstance(error, DomainError):
            for name, messages in error.all_errors.items():
                for message in messages:
                    self.errors.append((row.number, name or field_name, str(message)))
        else:
            self.errors.append((row.number, field_name, str(error)))


class Rejected(DomainError):
    """A row that cannot be imported; raised while cleaning it."""


class Lookup:
    """Names → ids of a small table (a reference list, the users), loaded once."""

    def __init__(self, pairs, *, message=None) -> None:
        # The refusal of an unknown name, unless `get()` is given its own.
        self.message = message
        self.ids: dict[str, Any] = {}
        for key, pk in pairs:
            key = normalise_header(str(key or ""))
            if key:
                self.ids.setdefault(key, pk)

    def get(self, value: str, *, field: str, message=None) -> Any:
        if not value:
            return None
        pk = self.ids.get(normalise_header(value))
        if pk is None:
            message = message or self.message
            raise Rejected(message % {"value": value[:100]}, field=field)
        return pk


def reference_lookup(model, *, message=None) -> Lookup:
    """A reference list (industries, sources…) by its Russian or English name or
    abbreviation; only active entries are offered."""
    pairs = []
    for item in model.objects.filter(is_active=True):
        pairs += [(item.name_ru, item.pk), (item.name_en, item.pk)]
        if getattr(item, "short_name", ""):
            pairs.append((item.short_name, item.pk))
    return Lookup(pairs, message=message)


def user_lookup() -> Lookup:
    """Active users by username, e-mail, «Фамилия Имя» and «Имя Фамилия»."""
    pairs = []
    for user in get_user_model().objects.filter(is_active=True):
        pairs += [
            (user.username, user.pk),
            (user.email, user.pk),
            (f"{user.last_name} {user.first_name}".strip(), user.pk),
            (f"{user.first_name} {user.last_name}".strip(), user.pk),
        ]
    return Lookup(pairs, message=_l("There is no active user «%(value)s»."))


def source_lookup() -> Lookup:
    """Active sources of clients (a reference list) by name."""
    return reference_lookup(
        Source, message=_l("There is no source «%(value)s» in the list.")
    )


def choice_lookup(choices) -> Lookup:
    """A model field's choices by value and by their English and Russian labels."""
    pairs = []
    for value, label in choices:
        pairs.append((value, value))
        for language in ("en", "ru"):
            with translation.override(language):
                pairs.append((str(label), value))
    return Lookup(pairs)


def limited(value: str, *, field: str, limit: int) -> str:
    if len(value) > limit:
        raise Rejected(
            _("At most %(count)d characters.") % {"count": limit}, field=field
        )
    return value


class Importer:
    """One kind of record. Subclasses declare `fields` and implement `write()`."""

    entity: ClassVar[str]
    object_type: ClassVar[str]
    fields: ClassVar[list[Field]]
    # Rows with the same value of this field stay in one batch (an order's lines).
    group_field: ClassVar[str] = ""

    def __init__(self, *, actor) -> None:
        self.actor = actor
        # The fields of this job: the declared ones and any read from the database.
        self.fields = type(self).all_fields()

    @classmethod
    def all_fields(cls) -> list[Field]:
        """The fields a column may go into (custom fields included)."""
        return list(cls.fields)

    def check_rights(self) -> None:
        """Refuse the whole job when the actor may not create such records."""
        visibility.ensure_can_create(actor=self.actor, object_type=self.object_type)

    def missing_fields(self, mapped: set[str]) -> list[Field]:
        """Required fields that no column of the file goes into."""
        return [f for f in self.fields if f.required and f.name not in mapped]

    def write(self, rows: list[Row]) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError

    def written_models(self) -> list:
        """The tables an import fills, whose statistics are recounted after it."""
        model = getattr(self, "model", None)
        return [model] if model is not None else []

    def may_edit(self, obj) -> bool:
        return visibility.can(self.actor, obj, "edit")


def match_value(name: str, value: Any) -> Any:
    """The form of a value rows are matched on: an e-mail in any letter case is one
    mailbox (Ivanov@… and ivanov@… in one file or against the base are one person)."""
    if name == "email" and isinstance(value, str):
        return value.lower()
    return value


def first_by(model, name: str, values, *, live: bool = True) -> dict[Any, Any]:
    """{matched value: the first record (lowest id) having it} for one batch's values;
    `live=False` finds records in the trash too.

    E-mails are looked up as written and in lower case (the index serves both); an
    address stored in another mixed case is not found here, the duplicate check
    finds it. The queries are shaped so that each can use only its column's index:
    SQLite plans without statistics on a freshly filled table and would otherwise
    walk the index on `deleted_at` (every live row) for each batch.
    """
    values = {v for v in values if v}
    if name == "email":
        values |= {v.lower() for v in values}
    found: dict[Any, Any] = {}
    if not values:
        return found
    for obj in lookup_queryset(model, name, sorted(values)):
        if live and obj.deleted_at is not None:
            continue
        found.setdefault(match_value(name, getattr(obj, name)), obj)
    return found


def lookup_queryset(model, name: str, values: list):
    """The records (in the trash too) whose `name` is one of `values`."""
    if name == "external_id":
        queryset = model.all_objects.with_external_id(values)
    elif name == "name":
        # The name index leads with `deleted_at`: there the condition helps.
        queryset = model.all_objects.filter(name__in=listed(values), deleted_at=None)
    else:
        queryset = model.all_objects.filter(**{f"{name}__in": listed(values)})
    return queryset.order_by("id")


_AUDIT_COLUMNS = (
    "content_type_id",
    "object_id",
    "object_repr",
    "action",
    "actor_id",
    "at",
    "changes",
)


def audit_batch(
    *, actor, model, created: list[tuple[int, str, dict]], updated: list, label: str
) -> None:
    """Write the history of a batch in one statement and tell the listeners.

    `created` are (id, name, {field: {"old", "new"}}) of new records (their history
    lists the fields the file gave), `updated` pairs of a record and its changes.
    Bulk writes skip the services, so the batch announces itself as
    `<entity>.imported` rather than one event per row.
    """
    from crm.imports.writing import Inserter

    content_type_id = ContentType.objects.get_for_model(model).pk
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    now = timezone.now()
    entries = [
        {
            "content_type_id": content_type_id,
            "object_id": pk,
            "object_repr": name[:300],
            "action": AuditAction.CREATE,
            "actor_id": actor_id,
            "at": now,
            "changes": changes,
        }
        for pk, name, changes in created
    ]
    entries += [
        {
            "content_type_id": content_type_id,
            "object_id": obj.pk,
            "object_repr": str(obj)[:300],
            "action": AuditAction.UPDATE,
            "actor_id": actor_id,
            "at": now,
            "changes": changes,
        }
        for obj, changes in updated
        if changes
    ]
    Inserter(AuditEntry, _AUDIT_COLUMNS).insert(entries)
    created_ids = [pk for pk, _name, _changes in created]
    updated_ids = [obj.pk for obj, _changes in updated]
    events.emit_batch(
        f"{events.entity_name(model)}.imported",
        model,
        created_ids + updated_ids,
        actor=actor,
        data={"created": created_ids, "updated": updated_ids, "source": label},
    )


def shown(value: Any) -> Any:
    """A value as the history shows it (see crm.core.audit)."""
    if value in (None, ""):
        return None
    if isinstance(value, bool | int | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
