"""Who sees and who changes which records: the one place where access is decided.

Each role has, per object type, a *view* scope and an *edit* scope:
`own` (records the user is responsible for), `team` (records of anyone in the user's
team), `all`, or `none`. The defaults below fit a typical sales organisation; an
administrator overrides them per role and object type on the settings page
(`VisibilityRule`). Selectors call `visible()`; services call `ensure_can_edit()` /
`ensure_can_create()`; nothing else decides access.

A model takes part by declaring `object_type` and `owner_fields` (the user foreign
keys that make a record "own": a company's curator, a task's assignee or author).
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.core.cache import cache
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.lookups import In
from django.utils.translation import gettext_lazy as _

from crm.core.errors import Forbidden


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    HEAD = "head", _("Head of department")
    SALES = "sales", _("Sales manager")
    MARKETER = "marketer", _("Marketer")
    SERVICE = "service", _("Service agent")
    READONLY = "readonly", _("Read-only")


class Scope(models.TextChoices):
    NONE = "none", _("nothing")
    OWN = "own", _("own")
    TEAM = "team", _("team's")
    ALL = "all", _("all")


# The object types that take part in the rules, with their names for the settings page.
OBJECT_TYPES: dict[str, Any] = {
    "company": _("Companies"),
    "contact": _("Contacts"),
    "task": _("Tasks"),
    "activity": _("Activities"),
}

ANY = "*"
DEFAULT_RULES: dict[str, dict[str, tuple[str, str]]] = {
    Role.ADMIN: {ANY: (Scope.ALL, Scope.ALL)},
    Role.HEAD: {ANY: (Scope.TEAM, Scope.TEAM)},
    Role.SALES: {ANY: (Scope.OWN, Scope.OWN)},
    # Marketing and service work with the whole customer base but change only their own.
    Role.MARKETER: {
        "company": (Scope.ALL, Scope.OWN),
        "contact": (Scope.ALL, Scope.OWN),
        ANY: (Scope.OWN, Scope.OWN),
    },
    Role.SERVICE: {
        "company": (Scope.ALL, Scope.OWN),
        "contact": (Scope.ALL, Scope.OWN),
        ANY: (Scope.OWN, Scope.OWN),
    },
    Role.READONLY: {ANY: (Scope.ALL, Scope.NONE)},
}

_CACHE_KEY = "core:visibility-rules:v1"


def register_object_type(object_type: str, label) -> None:
    """Let a domain app add its object type (deals, leads…) to the rules."""
    OBJECT_TYPES[object_type] = label


def _overrides() -> dict[tuple[str, str], tuple[str, str]]:
    rules = cache.get(_CACHE_KEY)
    if rules is None:
        from crm.core.models import VisibilityRule

        rules = {
            (r.role, r.object_type): (r.view_scope, r.edit_scope)
            for r in VisibilityRule.objects.all()
        }
        cache.set(_CACHE_KEY, rules, 300)
    return rules


def forget_overrides() -> None:
    """Drop the cached rules after an administrator changed them."""
    cache.delete(_CACHE_KEY)


def default_scopes(role: str, object_type: str) -> tuple[str, str]:
    rules = DEFAULT_RULES.get(role, DEFAULT_RULES[Role.READONLY])
    return rules.get(object_type, rules[ANY])


def scopes(role: str, object_type: str) -> tuple[str, str]:
    """The (view, edit) scopes of a role for an object type."""
    return _overrides().get((role, object_type)) or default_scopes(role, object_type)


def scope_of(actor, object_type: str, action: str = "view") -> str:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return Scope.NONE
    if actor.is_superuser:
        return Scope.ALL
    view_scope, edit_scope = scopes(actor.role, object_type)
    return view_scope if action == "view" else edit_scope


def team_member_ids(actor) -> list[int]:
    """Ids of the actor's team mates, the actor included (cached on the actor)."""
    cached = getattr(actor, "_team_member_ids", None)
    if cached is not None:
        return cached
    if actor.team_id is None:
        ids = [actor.pk]
    else:
        from django.contrib.auth import get_user_model

        # Not type(actor): on pages the actor is a lazy wrapper around the user.
        ids = list(
            get_user_model()
            .objects.filter(team_id=actor.team_id)
            .values_list("pk", flat=True)
        )
        if actor.pk not in ids:
            ids.append(actor.pk)
    actor._team_member_ids = ids
    return ids


class _NotIndexed(Func):
    """`+column`: the same value, but the planner may not drive the query from an
    index on the column (SQLite's documented hint; harmless elsewhere)."""

    template = "+%(expressions)s"
    output_field = models.BigIntegerField()


def _owner_q(model, user_ids: list[int], prefix: str = "", indexed: bool = True) -> Q:
    fields = getattr(model, "owner_fields", ())
    if not fields:
        return Q(pk__in=[])
    if not indexed:
        return reduce(
            or_, (Q(In(_NotIndexed(F(f"{prefix}{f}_id")), user_ids)) for f in fields)
        )
    lookup = "in" if len(user_ids) > 1 else "exact"
    value = user_ids if len(user_ids) > 1 else user_ids[0]
    return reduce(or_, (Q(**{f"{prefix}{f}_id__{lookup}": value}) for f in fields))


def scope_q(
    actor, model, action: str = "view", prefix: str = "", indexed: bool = True
) -> Q | None:
    """A filter selecting the records of `model` the actor may see or change.

    None means every record; an empty `Q(pk__in=[])` means none. `prefix` applies the
    rule through a relation (`"company__"`). `indexed=False` keeps the database from
    starting at the owner's index — for a few rows already chosen by another filter
    (the places of work of one page of contacts), where a manager's 36,000 companies
    would otherwise be walked one by one.
    """
    scope = scope_of(actor, model.object_type, action)
    if scope == Scope.ALL:
        return None
    if scope == Scope.TEAM:
        return _owner_q(model, team_member_ids(actor), prefix, indexed)
    if scope == Scope.OWN:
        return _owner_q(model, [actor.pk], prefix, indexed)
    return Q(**{f"{prefix}pk__in": []})


def visible(queryset: models.QuerySet, actor, action: str = "view") -> models.QuerySet:
    """Narrow a queryset to the records the actor may see (or change)."""
    q = scope_q(actor, queryset.model, action)
    if q is None:
        return queryset
    return queryset.filter(q)


def _owns(actor, obj, user_ids: list[int]) -> bool:
    return any(getattr(obj, f"{f}_id", None) in user_ids for f in obj.owner_fields)


def can(actor, obj, action: str = "view") -> bool:
    """Whether the actor may see (`view`) or change (`edit`) this record."""
    scope = scope_of(actor, obj.object_type, action)
    if scope == Scope.ALL:
        return True
    if scope == Scope.TEAM:
        return _owns(actor, obj, team_member_ids(actor))
    if scope == Scope.OWN:
        return _owns(actor, obj, [actor.pk])
    return False


def can_create(actor, object_type: str) -> bool:
    return scope_of(actor, object_type, "edit") != Scope.NONE


def ensure_can_edit(*, actor, obj) -> None:
    if not can(actor, obj, "edit"):
        raise Forbidden(_("You may not change this record."))


def ensure_can_create(*, actor, object_type: str) -> None:
    if not can_create(actor, object_type):
        raise Forbidden(_("Your role may not create such records."))


def is_admin(actor) -> bool:
    return bool(
        actor
        and actor.is_authenticated
        and (actor.is_superuser or actor.role == Role.ADMIN)
    )


def ensure_admin(*, actor) -> None:
    if not is_admin(actor):
        raise Forbidden(_("Only an administrator may do this."))
