"""Merging duplicate records into one, and undoing a merge.

Dangerous by nature: a merge rewrites one record, moves every related row of the
others to it and puts the others in the trash. So it runs in one transaction, the
actor must be allowed to change every record involved, and it writes down exactly
what it did (`Merge`): the survivor's values before and after, which related rows
moved from which record, which unique values it took off the merged records and
which further phones/e-mails it created. An administrator's undo replays that list
backwards, touching only rows that still look as the merge left them.

Related rows are found by model introspection (`_meta.get_fields()`), not by a list:
every foreign key, one-to-one and many-to-many pointing at a company or contact in
any installed app is covered, so apps added later (service requests…) need nothing
here. A row whose move would break a unique constraint (the survivor already works
at that company; already has that tag) stays with the merged record, in the trash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import UniqueConstraint
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import audit, visibility
from crm.core.errors import DomainError, NotFound
from crm.core.models import AuditAction
from crm.core.services import claim_version, record_restore
from crm.customers.models import ContactPoint, ContactPointKind
from crm.customers.services.records import refresh_search_text
from crm.duplicates.models import DuplicatePair, Merge, MergedRecord, PairStatus
from crm.duplicates.services.queue import entity_of, model_of

CONSENTS = ("consent_email", "consent_sms", "consent_phone")
MERGE_FIELDS = {
    "contact": (
        "last_name",
        "first_name",
        "middle_name",
        "birth_date",
        "email",
        "phone",
        "address",
        "source",
        "curator",
        "description",
        "external_id",
        *CONSENTS,
    ),
    "company": (
        "name",
        "full_name",
        "legal_form",
        "inn",
        "kpp",
        "ogrn",
        "industry",
        "size",
        "relation",
        "category",
        "parent",
        "email",
        "phone",
        "website",
        "region",
        "legal_address",
        "actual_address",
        "postal_address",
        "source",
        "sales_channel",
        "curator",
        "description",
        "external_id",
        *CONSENTS,
    ),
}
# Values no two records may share: taken off a merged record when the survivor
# takes them over.
UNIQUE_FIELDS = ("external_id",)
CUSTOM_PREFIX = "custom_fields."


def _ordered(records: Iterable) -> list:
    """Oldest first: the default survivor and the default source of a value."""
    return sorted(records, key=lambda r: (r.created_at, r.pk))


def _empty(value: Any) -> bool:
    return value in (None, "")


def _value(record, name: str) -> Any:
    if name.startswith(CUSTOM_PREFIX):
        return (record.custom_fields or {}).get(name[len(CUSTOM_PREFIX) :])
    field = record._meta.get_field(name)
    return getattr(record, field.attname)


def mergeable_fields(entity: str, records: Iterable) -> list[str]:
    """The fields a merge chooses between: the entity's own and every custom field
    key any of the records has."""
    keys: dict[str, None] = {}
    for record in records:
        for key in record.custom_fields or {}:
            keys[f"{CUSTOM_PREFIX}{key}"] = None
    return [*MERGE_FIELDS[entity], *keys]


def merge_defaults(*, entity: str, survivor, others: Iterable) -> dict[str, int]:
    """For each field, the id of the record whose value survives by default: the
    survivor's own value, or when it is empty the first filled one of the others,
    oldest first. Consents stay the survivor's: consent is never assumed."""
    entity = entity_of(entity)
    others = _ordered(others)
    choices = {}
    for name in mergeable_fields(entity, [survivor, *others]):
        chosen = survivor.pk
        if name not in CONSENTS and _empty(_value(survivor, name)):
            for other in others:
                if not _empty(_value(other, name)):
                    chosen = other.pk
                    break
        choices[name] = chosen
    return choices


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _from_json(model, name: str, value: Any) -> Any:
    if name.startswith(CUSTOM_PREFIX) or value is None:
        return value
    return model._meta.get_field(name).to_python(value)


def _set(record, name: str, value: Any) -> None:
    if name.startswith(CUSTOM_PREFIX):
        key = name[len(CUSTOM_PREFIX) :]
        values = dict(record.custom_fields or {})
        if _empty(value):
            values.pop(key, None)
        else:
            values[key] = value
        record.custom_fields = values
        return
    setattr(record, record._meta.get_field(name).attname, value)


def _stored_names(names: Iterable[str], model) -> list[str]:
    out = {"custom_fields" if n.startswith(CUSTOM_PREFIX) else n for n in names}
    return [model._meta.get_field(n).attname for n in sorted(out)]


# --- related rows -----------------------------------------------------------------


def related_links(model) -> list[tuple[type[models.Model], models.Field]]:
    """Every (model, foreign key) pointing at `model`, in all installed apps.

    Reverse foreign keys and one-to-ones (hidden ones, `related_name="+"`,
    included), and the through tables of many-to-many relations in both directions;
    a many-to-many with its own through model is covered by that model's keys.
    """
    links = []
    for rel in model._meta.get_fields(include_hidden=True):
        if (
            rel.auto_created
            and not rel.concrete
            and (rel.one_to_many or rel.one_to_one)
        ):
            links.append((rel.related_model, rel.field))
    m2m = list(model._meta.local_many_to_many)
    m2m += [
        rel.field
        for rel in model._meta.get_fields(include_hidden=True)
        if rel.auto_created and not rel.concrete and rel.many_to_many
    ]
    seen = set()
    for field in m2m:
        through = field.remote_field.through
        if not through._meta.auto_created or through in seen:
            continue
        seen.add(through)
        for fk in through._meta.concrete_fields:
            if fk.is_relation and fk.related_model is model:
                links.append((through, fk))
    return links


def _unique_sets(model) -> list[tuple[str, ...]]:
    sets = [
        (f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key
    ]
    sets += [tuple(u) for u in model._meta.unique_together]
    sets += [
        tuple(c.fields)
        for c in model._meta.constraints
        if isinstance(c, UniqueConstraint) and c.condition is None and c.fields
    ]
    return sets


def _move(related, fk, *, survivor_id: int, other_id: int, exclude: set) -> list:
    """Point `related` rows of `other_id` at the survivor; returns the moved ids."""
    manager = related._base_manager
    rows = manager.filter(**{fk.attname: other_id})
    if fk.related_model is related:  # a self link (a company's branches)
        rows = rows.exclude(pk__in=exclude)
    sets = [s for s in _unique_sets(related) if fk.name in s]
    if not sets:
        ids = list(rows.values_list("pk", flat=True))
    else:
        ids = []
        rules = []
        for names in sets:
            columns = [
                related._meta.get_field(n).attname for n in names if n != fk.name
            ]
            taken = set(
                manager.filter(**{fk.attname: survivor_id}).values_list(
                    *columns, named=False
                )
                if columns
                else []
            )
            has_any = (
                not columns and manager.filter(**{fk.attname: survivor_id}).exists()
            )
            rules.append((columns, taken, has_any))
        for row in rows.values("pk", *{c for cols, _t, _h in rules for c in cols}):
            clash = False
            for columns, taken, has_any in rules:
                if not columns:
                    clash = clash or has_any
                elif tuple(row[c] for c in columns) in taken:
                    clash = True
            if clash:
                continue
            ids.append(row["pk"])
            for columns, taken, _has_any in rules:
                if columns:
                    taken.add(tuple(row[c] for c in columns))
    for start in range(0, len(ids), 1000):
        manager.filter(pk__in=ids[start : start + 1000]).update(
            **{fk.attname: survivor_id}
        )
    return ids


def _label(related, fk) -> str:
    return f"{related._meta.label_lower}.{fk.name}"


# --- merge ------------------------------------------------------------------------


def _load(model, actor, ids: list[int]) -> dict[int, Any]:
    records = {r.pk: r for r in model.objects.filter(pk__in=ids)}
    for pk in ids:
        record = records.get(pk)
        if record is None or not visibility.can(actor, record, "view"):
            raise NotFound()
        visibility.ensure_can_edit(actor=actor, obj=record)
    return records


def _clean_choices(
    entity: str, survivor, others: list, field_choices: Mapping[str, Any] | None
) -> dict[str, int]:
    ids = {survivor.pk, *(o.pk for o in others)}
    allowed = set(mergeable_fields(entity, [survivor, *others]))
    choices = merge_defaults(entity=entity, survivor=survivor, others=others)
    for name, value in (field_choices or {}).items():
        if name not in allowed:
            raise DomainError(
                _("Unknown field: %(name)s.") % {"name": name},
                field=f"field_choices.{name}",
            )
        try:
            chosen = int(getattr(value, "pk", value))
        except (TypeError, ValueError):
            chosen = None
        if chosen not in ids:
            raise DomainError(
                _("Choose the value of one of the records being merged."),
                field=f"field_choices.{name}",
            )
        choices[name] = chosen
    return choices


def _ids(values: Iterable) -> list[int]:
    out = []
    for value in values:
        try:
            out.append(int(getattr(value, "pk", value)))
        except (TypeError, ValueError):
            raise DomainError(_("Choose records by their ids."), field="ids") from None
    return list(dict.fromkeys(out))


@transaction.atomic
def duplicates_merge(
    *,
    actor,
    entity: str,
    survivor,
    others: Iterable,
    field_choices: Mapping[str, Any] | None = None,
) -> Merge:
    """Merge `others` into `survivor`, field by field, and move all they own to it.

    `field_choices` maps a field (`email`, `custom_fields.size`) to the id of the
    record whose value the survivor keeps; fields left out keep the defaults of
    `merge_defaults`. The others go to the trash, pointing at the survivor
    (`MergedRecord`), and their open pairs in the queue are closed. Phones and
    e-mails of the others that the survivor does not keep become its further
    phones and e-mails, so no way to reach the client is lost.

    Pitfalls: the actor must be able to change every record (a hidden one answers
    NotFound, like a missing one); related rows are moved with `update()`, so other
    apps' services do not run and their own histories do not show the move — the
    survivor's history and the `Merge` row do.
    """
    entity = entity_of(entity)
    model = model_of(entity)
    survivor_id = _ids([survivor])[0]
    other_ids = [pk for pk in _ids(others) if pk != survivor_id]
    if not other_ids:
        raise DomainError(_("Choose at least two records to merge."), field="ids")
    records = _load(model, actor, [survivor_id, *other_ids])
    survivor = records[survivor_id]
    others = _ordered(records[pk] for pk in other_ids)
    choices = _clean_choices(entity, survivor, others, field_choices)
    all_ids = {survivor_id, *other_ids}

    before_audit = audit.snapshot(survivor)
    before, after, cleared = {}, {}, {}
    for name, source_id in choices.items():
        if source_id == survivor_id:
            continue
        value = _value(records[source_id], name)
        if name == "parent" and value in all_ids:
            value = None
        current = _value(survivor, name)
        if value == current:
            continue
        if name in UNIQUE_FIELDS and not _empty(value):
            cleared.setdefault(str(source_id), {})[name] = value
            model.all_objects.filter(pk=source_id).update(**{name: ""})
        before[name], after[name] = _jsonable(current), _jsonable(value)
        _set(survivor, name, value)

    claim_version(survivor)
    if before:
        survivor.save(update_fields=_stored_names(before, model))

    moved: dict[str, dict[str, dict[str, list]]] = {}
    for related, fk in related_links(model):
        if related._meta.app_label == "duplicates":
            continue
        for other in others:
            ids = _move(
                related,
                fk,
                survivor_id=survivor_id,
                other_id=other.pk,
                exclude=all_ids,
            )
            if ids:
                moved.setdefault(_label(related, fk), {})[str(other.pk)] = ids

    replaced = [
        (kind, before[name])
        for kind, name in (
            (ContactPointKind.EMAIL, "email"),
            (ContactPointKind.PHONE, "phone"),
        )
        if before.get(name)
    ]
    points_added = _keep_contact_ways(survivor, others, replaced)
    refresh_search_text(survivor)

    merge = Merge.objects.create(
        entity=entity,
        survivor_id=survivor_id,
        merged_ids=[o.pk for o in others],
        survivor_before=before,
        survivor_after=after,
        cleared=cleared,
        moved=moved,
        points_added=points_added,
        actor=actor,
    )
    MergedRecord.objects.bulk_create(
        MergedRecord(
            merge=merge, entity=entity, object_id=o.pk, survivor_id=survivor_id
        )
        for o in others
    )
    _forget_prefetched(survivor)
    changes = audit.diff(before_audit, audit.snapshot(survivor))
    changes["merged_records"] = {
        "old": None,
        "new": ", ".join(f"{o} (#{o.pk})" for o in others),
    }
    audit._entry(actor, survivor, AuditAction.UPDATE, changes)
    now = timezone.now()
    for other in others:
        model.all_objects.filter(pk=other.pk).update(
            deleted_at=now, deleted_by=actor, updated_at=now
        )
        other.deleted_at, other.deleted_by = now, actor
        entry = audit.record_delete(actor, other)
        entry.changes = {
            "merged_into": {"old": None, "new": f"{survivor} (#{survivor.pk})"}
        }
        entry.save(update_fields=["changes"])
    _close_pairs(entity, all_ids, actor)
    return merge


def _forget_prefetched(obj) -> None:
    cache = getattr(obj, "_prefetched_objects_cache", None)
    if cache:
        cache.clear()


def _keep_contact_ways(survivor, others: list, replaced: list) -> list[int]:
    """Add the others' main phones and e-mails the survivor lacks, and its own
    that the merge replaced, as its further ones; returns the created rows' ids
    (an undo deletes them)."""
    owner = "company" if survivor._meta.model_name == "company" else "contact"
    have = {
        (kind, value.lower() if kind == ContactPointKind.EMAIL else value)
        for kind, value in ContactPoint.objects.filter(**{owner: survivor}).values_list(
            "kind", "value"
        )
    }
    have.add((ContactPointKind.EMAIL, (survivor.email or "").lower()))
    have.add((ContactPointKind.PHONE, survivor.phone or ""))
    created = []
    ways = list(replaced)
    for other in others:
        ways += [
            (ContactPointKind.EMAIL, other.email),
            (ContactPointKind.PHONE, other.phone),
        ]
    for kind, value in ways:
        key = (kind, value.lower() if kind == ContactPointKind.EMAIL else value)
        if not value or key in have:
            continue
        have.add(key)
        point = ContactPoint.objects.create(
            kind=kind,
            value=value,
            label=str(_("from merge"))[:50],
            **{owner: survivor},
        )
        created.append(point.pk)
    return created


def _close_pairs(entity: str, ids: set[int], actor) -> None:
    """Pairs among the merged records are done. Open pairs of a merged record with
    a record outside the merge are dropped by the "deleted" event after commit, and
    an undo checks the restored records again."""
    now = timezone.now()
    DuplicatePair.objects.filter(
        entity=entity, a_id__in=ids, b_id__in=ids, status=PairStatus.OPEN
    ).update(status=PairStatus.MERGED, resolved_by=actor, updated_at=now)


@transaction.atomic
def duplicates_merge_undo(*, actor, merge: Merge) -> Merge:
    """Undo a merge: restore the merged records, move back the rows that moved,
    and give the survivor back the values it had (administrators only).

    Only what still looks as the merge left it is changed back: a row moved again
    since, or a field someone edited after the merge, stays as it is now.
    """
    visibility.ensure_admin(actor=actor)
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise DomainError(_("This merge has been undone already."))
    model = model_of(merge.entity)
    survivor = model.all_objects.filter(pk=merge.survivor_id).first()
    if survivor is None or survivor.deleted_at is not None:
        raise DomainError(
            _("The record that kept the merged data is in the trash; restore it first.")
        )
    for label, by_record in merge.moved.items():
        model_label, field_name = label.rsplit(".", 1)
        related = apps.get_model(model_label)
        attname = related._meta.get_field(field_name).attname
        for other_id, ids in by_record.items():
            for start in range(0, len(ids), 1000):
                related._base_manager.filter(
                    pk__in=ids[start : start + 1000],
                    **{attname: merge.survivor_id},
                ).update(**{attname: int(other_id)})
    ContactPoint.objects.filter(pk__in=merge.points_added).delete()

    before_audit = audit.snapshot(survivor)
    reverted = []
    for name, new_value in merge.survivor_after.items():
        if _jsonable(_value(survivor, name)) != new_value:
            continue
        _set(survivor, name, _from_json(model, name, merge.survivor_before.get(name)))
        reverted.append(name)
    claim_version(survivor)
    if reverted:
        survivor.save(update_fields=_stored_names(reverted, model))
    for other_id, values in merge.cleared.items():
        model.all_objects.filter(pk=int(other_id)).update(**values)
    for other in model.all_objects.filter(pk__in=merge.merged_ids):
        if other.deleted_at is not None:
            record_restore(actor=actor, obj=other)
        refresh_search_text(other)
    refresh_search_text(survivor)
    _forget_prefetched(survivor)
    audit.record_update(actor, survivor, before_audit)

    ids = {merge.survivor_id, *merge.merged_ids}
    DuplicatePair.objects.filter(
        entity=merge.entity, a_id__in=ids, b_id__in=ids, status=PairStatus.MERGED
    ).update(status=PairStatus.OPEN, resolved_by=None, updated_at=timezone.now())
    MergedRecord.objects.filter(merge=merge).delete()
    merge.undone_at = timezone.now()
    merge.undone_by = actor
    merge.save(update_fields=["undone_at", "undone_by"])
    return merge
