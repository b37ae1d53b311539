"""Pages of core: home, global search, notifications, the settings hub, the trash,
custom fields, visibility rules and saved views."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.core import registry, search, selectors, visibility
from crm.core.errors import DomainError, Forbidden, NotFound
from crm.core.forms import StyledForm, apply_domain_error
from crm.core.models import CustomFieldEntity, CustomFieldKind, SavedView
from crm.core.services import (
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    notifications_mark_read,
    record_restore,
    saved_view_delete,
    saved_view_save,
    visibility_rules_set,
)

PAGE_SIZE = 25


def safe_next(request, default: str = "/") -> str:
    """The `next` parameter when it points inside this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def admin_required(view):
    """Let only administrators in: others get 403, anonymous visitors the sign-in.

    Services check the same rule again; this decorator only spares a non-admin a
    page full of forms they could not submit.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not visibility.is_admin(request.user):
            raise PermissionDenied(_("Only an administrator may open this page."))
        try:
            return view(request, *args, **kwargs)
        except Forbidden as error:
            raise PermissionDenied(error.message or "") from None
        except NotFound:
            raise Http404() from None

    return login_required(wrapper)


def paginate_page(request, items, per_page: int = PAGE_SIZE):
    """One page of `items` for `?page=N`, clamped to the pages that exist."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def pagination(request, page) -> dict:
    """What `core/pagination.html` needs: the page and links that keep the filters."""
    params = request.GET.copy()
    params.pop("page", None)
    base = params.urlencode()
    prefix = f"?{base}&page=" if base else "?page="
    links: list[dict[str, Any]] = []
    paginator = page.paginator
    for number in paginator.get_elided_page_range(page.number, on_each_side=2):
        if number == paginator.ELLIPSIS:
            links.append({"number": None, "url": None, "current": False})
        else:
            links.append(
                {
                    "number": number,
                    "url": f"{prefix}{number}",
                    "current": number == page.number,
                }
            )
    return {"page_obj": page, "page_links": links}


@login_required
def home(request):
    try:
        return redirect(reverse("activities:my-day"))
    except NoReverseMatch:  # the activities pages are not installed
        return redirect("core:notifications")


@login_required
def global_search(request):
    query = request.GET.get("q", "").strip()
    results = (
        registry.search_all(request.user, query) if search.is_searchable(query) else []
    )
    template = "core/search_results.html" if request.htmx else "core/search.html"
    return render(request, template, {"query": query, "results": results})


# --- notifications ----------------------------------------------------------------


@login_required
def notifications(request):
    unread_only = request.GET.get("unread") == "1"
    page = paginate_page(
        request,
        selectors.notification_list(actor=request.user, unread_only=unread_only),
    )
    return render(
        request,
        "core/notifications.html",
        {**pagination(request, page), "unread_only": unread_only},
    )


@require_POST
@login_required
def notification_read(request, pk: int):
    try:
        notification = selectors.notification_get(
            actor=request.user, notification_id=pk
        )
    except NotFound:
        raise Http404() from None
    notifications_mark_read(actor=request.user, ids=[notification.pk])
    return redirect(safe_next(request, reverse("core:notifications")))


@require_POST
@login_required
def notifications_read_all(request):
    count = notifications_mark_read(actor=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect(safe_next(request, reverse("core:notifications")))


@login_required
def notification_open(request, pk: int):
    """Mark a notification read and go to what it is about."""
    try:
        notification = selectors.notification_get(
            actor=request.user, notification_id=pk
        )
    except NotFound:
        raise Http404() from None
    notifications_mark_read(actor=request.user, ids=[notification.pk])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("core:notifications")


# --- settings hub -----------------------------------------------------------------

REFERENCE_KINDS = [
    ("legal-forms", gettext_lazy("Legal forms"), "bank"),
    ("industries", gettext_lazy("Industries"), "buildings"),
    ("categories", gettext_lazy("Categories"), "bookmark-star"),
    ("sources", gettext_lazy("Sources"), "signpost-split"),
    ("sales-channels", gettext_lazy("Sales channels"), "diagram-3"),
    ("positions", gettext_lazy("Positions"), "person-badge"),
]


def _url_or_none(name: str, *args) -> str | None:
    # Pages of other apps may not be installed (or not built yet): leave them out.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@admin_required
def settings_hub(request):
    cards = [
        {
            "title": _("Users"),
            "text": _("Who signs in, their roles, teams and passwords."),
            "icon": "people",
            "url": _url_or_none("accounts:user-list"),
        },
        {
            "title": _("Teams"),
            "text": _("Departments and their heads: the unit of team visibility."),
            "icon": "diagram-2",
            "url": _url_or_none("accounts:team-list"),
        },
        {
            "title": _("Visibility rules"),
            "text": _("Which records each role sees and changes."),
            "icon": "shield-lock",
            "url": _url_or_none("core:visibility-rules"),
        },
        {
            "title": _("Custom fields"),
            "text": _("Your own fields on companies and contacts."),
            "icon": "ui-checks",
            "url": _url_or_none("core:custom-field-list"),
        },
        {
            "title": _("Tags"),
            "text": _("Labels to group companies and contacts."),
            "icon": "tags",
            "url": _url_or_none("customers:tag-list"),
        },
        {
            "title": _("Trash"),
            "text": _("Deleted records, to restore them."),
            "icon": "trash",
            "url": _url_or_none("core:trash"),
        },
    ]
    cards += [
        {
            "title": card.title,
            "text": card.text,
            "icon": card.icon,
            "url": _url_or_none(card.url_name),
        }
        for card in registry.settings_cards()
    ]
    references = [
        {"title": title, "icon": icon, "url": url}
        for kind, title, icon in REFERENCE_KINDS
        if (url := _url_or_none("customers:reference-list", kind))
    ]
    return render(
        request,
        "core/settings.html",
        {"cards": [c for c in cards if c["url"]], "references": references},
    )


# --- trash ------------------------------------------------------------------------


@admin_required
def trash(request):
    type_choices = selectors.trash_type_choices()
    kind = request.GET.get("type") or ""
    if kind not in dict(type_choices):
        kind = ""
    deleted_by = request.GET.get("deleted_by") or ""
    if not deleted_by.isdigit():
        deleted_by = ""
    rows = selectors.trash_list(
        actor=request.user,
        filters={"type": kind or None, "deleted_by": int(deleted_by or 0) or None},
    )
    page = paginate_page(request, rows)
    users = get_user_model().objects.order_by("last_name", "first_name", "username")
    return render(
        request,
        "core/trash.html",
        {
            **pagination(request, page),
            "items": selectors.trash_items(page.object_list),
            "type_choices": type_choices,
            "users": users,
            "current_type": kind,
            "current_deleted_by": deleted_by,
        },
    )


@require_POST
@admin_required
def trash_restore(request):
    record_id = request.POST.get("id", "")
    if not record_id.isdigit():
        raise Http404()
    obj = selectors.trash_get(
        actor=request.user,
        type_key=request.POST.get("type", ""),
        record_id=int(record_id),
    )
    try:
        record_restore(actor=request.user, obj=obj)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(name)s” is restored.") % {"name": str(obj)})
    return redirect(safe_next(request, reverse("core:trash")))


# --- custom fields ----------------------------------------------------------------


class CustomFieldForm(StyledForm):
    """A custom field definition; key and entity are fixed once created."""

    entity = forms.ChoiceField(label=gettext_lazy("For"), choices=CustomFieldEntity)
    key = forms.CharField(
        label=gettext_lazy("Key"),
        max_length=50,
        help_text=gettext_lazy(
            "Used in the API and imports: lower-case Latin letters, digits and _. "
            "It cannot change later."
        ),
    )
    label_en = forms.CharField(
        label=gettext_lazy("Name in English"), max_length=100, required=False
    )
    label_ru = forms.CharField(
        label=gettext_lazy("Name in Russian"), max_length=100, required=False
    )
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=CustomFieldKind)
    choices = forms.CharField(
        label=gettext_lazy("Choices, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    is_required = forms.BooleanField(label=gettext_lazy("Required"), required=False)
    position = forms.IntegerField(
        label=gettext_lazy("Position"), min_value=0, initial=0, required=False
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Active (shown in forms and lists)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "entity": instance.entity,
                    "key": instance.key,
                    "label_en": instance.label_en,
                    "label_ru": instance.label_ru,
                    "kind": instance.kind,
                    "choices": "\n".join(instance.choices or []),
                    "is_required": instance.is_required,
                    "position": instance.position,
                    "is_active": instance.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        if instance is not None:
            for name in ("entity", "key", "kind"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["choices"] = [
            line.strip()
            for line in data.get("choices", "").splitlines()
            if line.strip()
        ]
        data["position"] = data.get("position") or 0
        return data


@admin_required
def custom_field_list(request):
    fields = selectors.custom_field_list(actor=request.user)
    groups = [
        {
            "entity": value,
            "label": label,
            "fields": [f for f in fields if f.entity == value],
        }
        for value, label in CustomFieldEntity.choices
    ]
    return render(request, "core/custom_field_list.html", {"groups": groups})


@admin_required
def custom_field_create_view(request):
    entity = request.GET.get("entity")
    initial = {"entity": entity} if entity in CustomFieldEntity.values else {}
    form = CustomFieldForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            field = custom_field_create(actor=request.user, **form.service_data())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Field “%(name)s” added.") % {"name": field})
            return redirect("core:custom-field-list")
    return render(request, "core/custom_field_form.html", {"form": form, "field": None})


@admin_required
def custom_field_update_view(request, pk: int):
    field = selectors.custom_field_get(actor=request.user, field_id=pk)
    form = CustomFieldForm(request.POST or None, instance=field)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        for name in ("entity", "key", "kind"):
            data.pop(name, None)
        try:
            custom_field_update(actor=request.user, field=field, **data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Field “%(name)s” saved.") % {"name": field})
            return redirect("core:custom-field-list")
    return render(
        request, "core/custom_field_form.html", {"form": form, "field": field}
    )


@require_POST
@admin_required
def custom_field_delete_view(request, pk: int):
    field = selectors.custom_field_get(actor=request.user, field_id=pk)
    name = str(field)
    custom_field_delete(actor=request.user, field=field)
    messages.success(request, _("Field “%(name)s” deleted.") % {"name": name})
    return redirect("core:custom-field-list")


# --- visibility rules -------------------------------------------------------------


def _rule_field(role: str, object_type: str, action: str) -> str:
    return f"{role}-{object_type}-{action}"


class VisibilityRulesForm(StyledForm):
    """Two selects (sees / changes) per role and object type."""

    compact = True

    def __init__(self, *args, matrix, **kwargs):
        self.matrix = matrix
        # The fields depend on the roles and object types registered at run time.
        self.base_fields = {  # type: ignore[misc]
            _rule_field(row["role"], cell["object_type"], action): forms.ChoiceField(
                label=cell["label"],
                choices=visibility.Scope.choices,
                initial=cell[action],
            )
            for row in matrix
            for cell in row["cells"]
            for action in ("view", "edit")
        }
        super().__init__(*args, **kwargs)

    def rules(self) -> dict[tuple[str, str], tuple[str, str]]:
        return {
            (row["role"], cell["object_type"]): (
                self.cleaned_data[
                    _rule_field(row["role"], cell["object_type"], "view")
                ],
                self.cleaned_data[
                    _rule_field(row["role"], cell["object_type"], "edit")
                ],
            )
            for row in self.matrix
            for cell in row["cells"]
        }

    def rows(self):
        """The matrix with each cell's two bound fields, for the template."""
        return [
            {
                **row,
                "cells": [
                    {
                        **cell,
                        "view_field": self[
                            _rule_field(row["role"], cell["object_type"], "view")
                        ],
                        "edit_field": self[
                            _rule_field(row["role"], cell["object_type"], "edit")
                        ],
                    }
                    for cell in row["cells"]
                ],
            }
            for row in self.matrix
        ]


@admin_required
def visibility_rules(request):
    matrix = selectors.visibility_matrix(actor=request.user)
    if request.method == "POST" and request.POST.get("reset"):
        defaults = {
            (row["role"], cell["object_type"]): (
                cell["default_view"],
                cell["default_edit"],
            )
            for row in matrix
            for cell in row["cells"]
        }
        visibility_rules_set(actor=request.user, rules=defaults)
        messages.success(request, _("The default rules apply again."))
        return redirect("core:visibility-rules")
    form = VisibilityRulesForm(
        request.POST if request.method == "POST" else None, matrix=matrix
    )
    if request.method == "POST" and form.is_valid():
        try:
            visibility_rules_set(actor=request.user, rules=form.rules())
        except DomainError as error:
            field_map = {
                f"{row['role']}-{cell['object_type']}": _rule_field(
                    row["role"], cell["object_type"], "edit"
                )
                for row in matrix
                for cell in row["cells"]
            }
            apply_domain_error(form, error, field_map=field_map)
        else:
            messages.success(request, _("Visibility rules saved."))
            return redirect("core:visibility-rules")
    return render(
        request,
        "core/visibility_rules.html",
        {
            "form": form,
            "rows": form.rows(),
            "object_types": list(visibility.OBJECT_TYPES.values()),
        },
    )


# --- saved views ------------------------------------------------------------------


@require_POST
@login_required
def saved_view_save_view(request):
    next_url = safe_next(request)
    try:
        view = saved_view_save(
            actor=request.user,
            list_key=request.POST.get("list_key", "")[:30],
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(next_url)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(f"{next_url}?{view.query}")


@require_POST
@login_required
def saved_view_delete_view(request, pk: int):
    view = SavedView.objects.filter(pk=pk, user=request.user).first()
    if view is not None:
        saved_view_delete(actor=request.user, view=view)
    return redirect(safe_next(request))
