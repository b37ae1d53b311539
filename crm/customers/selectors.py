"""Reads of the customer base that pages and the API share, visibility applied once.

Filters arrive already parsed (a page's filter form, an API schema): ids or model
instances for references, dates, booleans, lists of tag ids, and `custom`, a dict of
custom field key → value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import custom_fields as core_custom_fields
from crm.core import search, visibility
from crm.core.errors import DomainError, NotFound
from crm.core.models import ReferenceItem
from crm.customers.models import (
    REFERENCE_MODELS,
    Company,
    Contact,
    ContactPoint,
    ContactPointKind,
    Employment,
    Tag,
)

# How many linked rows a card shows; the rest are one click away in a filtered list.
CARD_LIMIT = 50


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _created_q(filters: Mapping[str, Any]) -> Q:
    q = Q()
    if filters.get("created_from"):
        q &= Q(created_at__gte=_day_start(filters["created_from"]))
    if filters.get("created_to"):
        q &= Q(created_at__lt=_day_start(filters["created_to"] + dt.timedelta(days=1)))
    return q


def _has_point_q(model, kind: str, field: str, wanted: bool) -> Q:
    owner = "company" if model is Company else "contact"
    further = Exists(ContactPoint.objects.filter(kind=kind, **{owner: OuterRef("pk")}))
    has = ~Q(**{field: ""}) | Q(further)
    return has if wanted else ~has


def _tags_q(model, tag_ids) -> Q:
    """Records carrying any of the tags.

    `id IN (ids of the tagged)`: no duplicate rows, and the database starts from the
    tag's own index. A correlated EXISTS made it test every row of the list in name
    order (3 s to count a tag on 2 % of a million contacts; 30 ms this way).
    """
    through = model.tags.through
    owner = "company_id" if model is Company else "contact_id"
    ids = [int(_pk(t)) for t in tag_ids]
    return Q(pk__in=through.objects.filter(tag_id__in=ids).values(owner))


def _custom_q(entity: str, values: Mapping[str, Any] | None) -> Q:
    q = Q()
    if not values:
        return q
    fields = {f.key: f for f in core_custom_fields.fields_for(entity)}
    for key, value in values.items():
        if value in (None, ""):
            continue
        field = fields.get(key)
        if field is None:
            raise DomainError(
                _("Unknown field: %(key)s.") % {"key": key},
                field=f"custom_fields.{key}",
            )
        q &= core_custom_fields.filter_q(field, str(value))
    return q


def _common_q(model, entity: str, filters: Mapping[str, Any]) -> Q:
    q = _created_q(filters)
    for name in ("source", "curator"):
        if filters.get(name):
            q &= Q(**{f"{name}_id": _pk(filters[name])})
    if filters.get("tags"):
        q &= _tags_q(model, filters["tags"])
    for name, kind in (
        ("has_email", ContactPointKind.EMAIL),
        ("has_phone", ContactPointKind.PHONE),
    ):
        if filters.get(name) is not None:
            q &= _has_point_q(model, kind, name[4:], bool(filters[name]))
    return q & _custom_q(entity, filters.get("custom"))


# --- companies ----------------------------------------------------------------------


def company_list(
    *, actor, filters: Mapping[str, Any] | None = None
) -> QuerySet[Company]:
    """Companies the actor sees, filtered, with what a list row shows loaded.

    Filters: `q` (name, e-mail, phone, INN), `relation`, `legal_form`, `industry`,
    `category`, `source`, `sales_channel`, `curator`, `region`, `parent`, `tags` (any
    of), `created_from`/`created_to` (dates), `has_email`/`has_phone` (booleans) and
    `custom` (custom field key → value).
    """
    filters = filters or {}
    queryset = visibility.visible(Company.objects.all(), actor)
    q = _common_q(Company, "company", filters)
    if filters.get("relation"):
        q &= Q(relation=filters["relation"])
    for name in ("legal_form", "industry", "category", "sales_channel", "parent"):
        if filters.get(name):
            q &= Q(**{f"{name}_id": _pk(filters[name])})
    if filters.get("region"):
        q &= Q(region__iexact=str(filters["region"]).strip())
    queryset = queryset.filter(q)
    if filters.get("q"):
        queryset = search.matching(queryset, filters["q"])
    return queryset.select_related(
        "legal_form",
        "industry",
        "category",
        "source",
        "sales_channel",
        "curator",
    ).prefetch_related("tags", "contact_points")


def company_get(*, actor, company_id: Any) -> Company:
    """One company the actor sees; a hidden one is as missing as a deleted one."""
    if not str(company_id).isdigit():
        raise NotFound
    company = company_list(actor=actor).select_related("parent").filter(pk=company_id)
    found = company.first()
    if found is None:
        raise NotFound
    return found


def company_card(*, actor, company_id: Any) -> Company:
    """A company with what its card shows: the contacts, branches and parent the
    actor may see (`card_employments`, `card_branches`, `card_parent`)."""
    contact_scope = visibility.scope_q(actor, Contact, prefix="contact__") or Q()
    employments = (
        Employment.objects.filter(contact_scope, contact__deleted_at__isnull=True)
        .select_related("contact", "position")
        .order_by("-is_primary", "contact__last_name", "contact__first_name", "id")
    )
    branches = visibility.visible(Company.objects.all(), actor).order_by("name", "id")
    if not str(company_id).isdigit():
        raise NotFound
    company = (
        company_list(actor=actor)
        .select_related("parent")
        .prefetch_related(
            Prefetch(
                "employments",
                queryset=employments[:CARD_LIMIT],
                to_attr="card_employments",
            ),
            Prefetch(
                "branches", queryset=branches[:CARD_LIMIT], to_attr="card_branches"
            ),
        )
        .filter(pk=company_id)
        .first()
    )
    if company is None:
        raise NotFound
    parent = company.parent
    company.card_parent = (  # type: ignore[attr-defined]
        parent
        if parent is not None
        and not parent.is_deleted
        and visibility.can(actor, parent)
        else None
    )
    return company


def company_search(*, actor, query: str, limit: int = 8) -> list[Company]:
    """A few companies for the global search and pickers, sorted by name.

    No ORDER BY over the whole match set: the database stops at `limit` rows and
    the few hits are sorted here.
    """
    if not search.is_searchable(query):
        return []
    hits = search.matching(
        visibility.visible(Company.objects.all(), actor), query
    ).order_by()[:limit]
    return sorted(hits, key=lambda c: (c.name.lower(), c.pk))


# --- contacts -----------------------------------------------------------------------


def _visible_employments(actor) -> QuerySet[Employment]:
    company_scope = (
        visibility.scope_q(actor, Company, prefix="company__", indexed=False) or Q()
    )
    return (
        Employment.objects.filter(company_scope, company__deleted_at__isnull=True)
        .select_related("company", "position")
        .order_by("-is_primary", "id")
    )


def contact_list(
    *, actor, filters: Mapping[str, Any] | None = None
) -> QuerySet[Contact]:
    """Contacts the actor sees, filtered, with what a list row shows loaded.

    Filters: `q` (name, e-mail, phone), `company` (works there), `source`, `curator`,
    `tags` (any of), `created_from`/`created_to`, `has_email`/`has_phone` and
    `custom`. Each contact carries `card_employments`: its places of work in the
    companies the actor sees.
    """
    filters = filters or {}
    queryset = visibility.visible(Contact.objects.all(), actor)
    q = _common_q(Contact, "contact", filters)
    if filters.get("company"):
        q &= Q(
            Exists(
                Employment.objects.filter(
                    contact_id=OuterRef("pk"), company_id=_pk(filters["company"])
                )
            )
        )
    queryset = queryset.filter(q)
    if filters.get("q"):
        queryset = search.matching(queryset, filters["q"])
    return queryset.select_related("source", "curator").prefetch_related(
        "tags",
        "contact_points",
        Prefetch(
            "employments",
            queryset=_visible_employments(actor),
            to_attr="card_employments",
        ),
    )


def contact_get(*, actor, contact_id: Any) -> Contact:
    """One contact the actor sees, with its places of work in visible companies."""
    if not str(contact_id).isdigit():
        raise NotFound
    contact = contact_list(actor=actor).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound
    return contact


def contact_search(*, actor, query: str, limit: int = 8) -> list[Contact]:
    """A few contacts for the global search, sorted by name (see company_search)."""
    if not search.is_searchable(query):
        return []
    hits = search.matching(
        visibility.visible(Contact.objects.all(), actor), query
    ).order_by()[:limit]
    return sorted(hits, key=lambda c: (c.last_name.lower(), c.first_name.lower(), c.pk))


# --- tags and reference lists --------------------------------------------------------


def tag_list(*, actor, q: str | None = None) -> QuerySet[Tag]:
    """Every tag (tags are shared by everyone), optionally by the start of a name."""
    queryset = Tag.objects.all()
    q = (q or "").strip()
    if q:
        # SQLite folds the case of Latin letters only: try the usual spellings too.
        spellings = {q, q.lower(), q.capitalize(), q.upper()}
        queryset = queryset.filter(
            reduce(or_, (Q(name__istartswith=s) for s in spellings))
        )
    return queryset


def tag_get(*, actor, tag_id: Any) -> Tag:
    if not str(tag_id).isdigit():
        raise NotFound
    tag = Tag.objects.filter(pk=tag_id).first()
    if tag is None:
        raise NotFound
    return tag


def reference_item_list(
    *, actor, kind: str, include_inactive: bool = False
) -> QuerySet[ReferenceItem]:
    """Items of a reference list by its slug; retired ones only when asked."""
    model = REFERENCE_MODELS.get(kind)
    if model is None:
        raise NotFound
    queryset = model._default_manager.all()
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    return queryset


def reference_item_get(*, actor, kind: str, item_id: Any) -> ReferenceItem:
    if not str(item_id).isdigit():
        raise NotFound
    item = reference_item_list(actor=actor, kind=kind, include_inactive=True).filter(
        pk=item_id
    )
    found = item.first()
    if found is None:
        raise NotFound
    return found


def tag_usage_list(*, actor) -> QuerySet[Tag]:
    """Tags with how many companies and contacts carry each (the settings page)."""

    def count(through, owner: str):
        return Subquery(
            through.objects.filter(tag_id=OuterRef("pk"))
            .order_by()
            .values("tag_id")
            .annotate(n=Count(owner))
            .values("n")
        )

    return Tag.objects.annotate(
        company_count=Coalesce(count(Company.tags.through, "company_id"), 0),
        contact_count=Coalesce(count(Contact.tags.through, "contact_id"), 0),
    )
