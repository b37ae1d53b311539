"""Pages of duplicates: the review queue, the comparison where records are merged
field by field, and the administrators' list of merges with undo.

Views parse, call one selector or service, and render.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.activities.views.base import domain_errors
from crm.core import visibility
from crm.core.errors import DomainError
from crm.core.validation import format_phone
from crm.core.views import paginate_page, pagination, safe_next
from crm.duplicates import selectors, services
from crm.duplicates.forms import MergeForm, PairFilterForm
from crm.duplicates.models import Decision, Entity, PairStatus
from crm.duplicates.reasons import AGAINST, REASONS
from crm.duplicates.services.merge import mergeable_fields
from crm.duplicates.services.queue import entity_of, model_of


def _reasons(codes) -> list[dict]:
    return [
        {"code": c, "label": REASONS.get(c, c), "against": c in AGAINST} for c in codes
    ]


@require_POST
@login_required
def record_check(request, entity: str):
    """The "Possible duplicates" panel of a create or edit form (htmx, as the user
    types): records the user may see that look like the values posted."""
    try:
        entity = entity_of(entity)
    except DomainError:
        raise Http404 from None
    exclude = request.POST.get("exclude", "")
    found = selectors.likely_duplicates(
        actor=request.user,
        entity=entity,
        values=request.POST,
        exclude_id=int(exclude) if exclude.isdigit() else None,
    )
    rows = [
        {
            "item": item,
            "record": item.record,
            "decision": Decision(item.decision).label,
            "reasons": _reasons(item.reasons),
        }
        for item in found
    ]
    return render(
        request, "duplicates/record_check.html", {"rows": rows, "entity": entity}
    )


@login_required
@domain_errors
def pair_list(request):
    form = PairFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entity = filters.get("entity") or Entity.CONTACT
    status = filters.get("status") or PairStatus.OPEN
    pairs = selectors.pair_list(
        actor=request.user,
        filters={
            "entity": entity,
            "status": status,
            "decision": filters.get("decision"),
        },
    )
    page = paginate_page(request, pairs)
    rows = selectors.attach_records(page.object_list)
    for pair in rows:
        pair.reason_list = _reasons(pair.reasons)
    return render(
        request,
        "duplicates/pair_list.html",
        {
            **pagination(request, page),
            "pairs": rows,
            "form": form,
            "entity": entity,
            "status": status,
            "entities": Entity.choices,
            "is_admin": visibility.is_admin(request.user),
        },
    )


@require_POST
@login_required
@domain_errors
def pair_dismiss(request, pk: int):
    pair = selectors.pair_get(actor=request.user, pair_id=pk)
    try:
        services.pair_dismiss(actor=request.user, pair=pair)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Marked as not a duplicate."))
    default = reverse("duplicates:pair-list") + f"?entity={pair.entity}"
    return redirect(safe_next(request, default))


@login_required
@domain_errors
def pair_compare(request, pk: int):
    """A pair's comparison: the merge page with its two records."""
    pair = selectors.pair_get(actor=request.user, pair_id=pk)
    url = reverse("duplicates:merge")
    return redirect(f"{url}?entity={pair.entity}&ids={pair.a_id}&ids={pair.b_id}")


def _display(record, name: str) -> str:
    if name.startswith("custom_fields."):
        value = (record.custom_fields or {}).get(name.split(".", 1)[1])
        return "" if value in (None, "") else str(value)
    field = record._meta.get_field(name)
    value = getattr(record, field.attname)
    if value in (None, ""):
        return ""
    if field.is_relation:
        return str(getattr(record, name))
    if field.choices:
        return str(getattr(record, f"get_{name}_display")())
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if name == "phone":
        return format_phone(value)
    return str(value)


def _label(model, name: str) -> str:
    if name.startswith("custom_fields."):
        from crm.core.audit import field_label

        return field_label(model, name)
    return str(model._meta.get_field(name).verbose_name).capitalize()


@require_http_methods(["GET", "POST"])
@login_required
@domain_errors
def merge(request):
    """Compare two or more records side by side and merge them."""
    source = request.POST if request.method == "POST" else request.GET
    try:
        entity = entity_of(source.get("entity", ""))
        ids = list(dict.fromkeys(int(i) for i in source.getlist("ids")))
    except (DomainError, ValueError):
        raise Http404 from None
    if len(ids) < 2:
        raise Http404
    records = selectors.records_get(actor=request.user, entity=entity, ids=ids)
    for record in records:
        if not visibility.can(request.user, record, "edit"):
            raise PermissionDenied(_("You may not change this record."))
    ordered = sorted(records, key=lambda r: (r.created_at, r.pk))
    try:
        survivor_id = int(source.get("survivor") or ordered[0].pk)
    except ValueError:
        survivor_id = ordered[0].pk
    if survivor_id not in ids:
        survivor_id = ordered[0].pk
    survivor = next(r for r in records if r.pk == survivor_id)
    others = [r for r in ordered if r.pk != survivor_id]
    names = mergeable_fields(entity, records)
    form = MergeForm(
        request.POST if request.method == "POST" else None, ids=ids, fields=names
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.duplicates_merge(
                actor=request.user,
                entity=entity,
                survivor=form.cleaned_data["survivor"],
                others=[pk for pk in ids if pk != form.cleaned_data["survivor"]],
                field_choices=form.choices(),
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                _("Merged: %(count)d records became one.")
                % {"count": len(result.merged_ids) + 1},
            )
            return redirect(model_of(entity).objects.get(pk=result.survivor_id))
    defaults = services.merge_defaults(entity=entity, survivor=survivor, others=others)
    model = model_of(entity)
    columns = [survivor, *others]
    rows = []
    for name in names:
        values = [_display(r, name) for r in columns]
        rows.append(
            {
                "name": name,
                "input": f"f:{name}",
                "label": _label(model, name),
                "cells": [
                    {"record": r, "value": v, "checked": defaults[name] == r.pk}
                    for r, v in zip(columns, values, strict=True)
                ],
                "differs": len({v for v in values if v}) > 1,
                "empty": not any(values),
            }
        )
    return render(
        request,
        "duplicates/merge.html",
        {
            "entity": entity,
            "records": columns,
            "survivor": survivor,
            "rows": rows,
            "ids": ids,
            "form": form,
            "related": _related_counts(model, columns),
        },
    )


def _related_counts(model, records) -> list[dict]:
    """How many related rows each record has, per kind, so the user sees what
    moves (one count query per relation and record set)."""
    from django.db.models import Count

    from crm.duplicates.services.merge import related_links

    ids = [r.pk for r in records]
    out = []
    for related, fk in related_links(model):
        if related._meta.app_label == "duplicates" or related._meta.auto_created:
            continue
        counts = dict(
            related._default_manager.filter(**{f"{fk.attname}__in": ids})
            .order_by()
            .values_list(fk.attname)
            .annotate(n=Count("pk"))
        )
        if any(counts.values()):
            out.append(
                {
                    "label": str(related._meta.verbose_name_plural).capitalize(),
                    "counts": [counts.get(pk, 0) for pk in ids],
                }
            )
    return out


@login_required
@domain_errors
def merge_list(request):
    if not visibility.is_admin(request.user):
        raise PermissionDenied(_("Only an administrator may open this page."))
    merges = selectors.merge_list(actor=request.user)
    page = paginate_page(request, merges)
    return render(
        request,
        "duplicates/merge_list.html",
        {**pagination(request, page), "merges": page.object_list},
    )


@require_POST
@login_required
@domain_errors
def merge_undo(request, pk: int):
    merge_row = selectors.merge_get(actor=request.user, merge_id=pk)
    try:
        services.duplicates_merge_undo(actor=request.user, merge=merge_row)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The merge is undone; the records are back."))
    return redirect(safe_next(request, reverse("duplicates:merge-list")))


@require_POST
@login_required
@domain_errors
def scan(request):
    """Start a full scan of contacts or companies in the background."""
    from crm.duplicates.tasks import duplicates_scan_all

    visibility.ensure_admin(actor=request.user)
    entity = entity_of(request.POST.get("entity", ""))
    duplicates_scan_all(entity)
    messages.success(
        request,
        _("The search for duplicates has started; the queue fills as it finds them."),
    )
    return redirect(reverse("duplicates:pair-list") + f"?entity={entity}")
