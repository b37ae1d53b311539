"""Pages of leads: the list, the card with its actions, the form, the import of a
CSV file with a preview, the conversion into a client, and the settings page of
the assignment rules."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.core import registry, visibility
from crm.core.errors import Conflict, DomainError
from crm.core.exports import register_export
from crm.core.forms import apply_domain_error
from crm.core.listing import (
    Column,
    ListSpec,
    choice_label,
    link,
    list_context,
    list_template,
    plain,
    short_date,
    text_column,
)
from crm.core.validation import format_phone
from crm.customers.views import domain_errors
from crm.sales.forms.leads import (
    ERROR_FIELDS,
    AssignmentRuleForm,
    LeadAssignForm,
    LeadConvertForm,
    LeadFilterForm,
    LeadForm,
    LeadImportForm,
    LeadRejectForm,
)
from crm.sales.models import Lead, LeadStatus
from crm.sales.selectors import leads as selectors
from crm.sales.services import lead_conversion, lead_rules
from crm.sales.services import lead_import as lead_imports
from crm.sales.services import leads as services

STATUS_BADGES: dict[str, str] = {
    LeadStatus.NEW: "text-bg-primary",
    LeadStatus.IN_PROGRESS: "text-bg-warning",
    LeadStatus.CONVERTED: "text-bg-success",
    LeadStatus.REJECTED: "text-bg-secondary",
}
# How many rows of a file the import preview shows; all are checked.
PREVIEW_ROWS = 50


def register() -> None:
    """Register the navigation item of leads, their search provider and export."""
    register_export(
        "sales.leads",
        lambda actor, params: lead_listing(actor, params)[:2],
        url_name="sales:lead-list",
    )
    registry.register_nav(
        registry.NavItem(
            key="leads",
            label=gettext_lazy("Leads"),
            url_name="sales:lead-list",
            icon="funnel",
            order=15,
        )
    )
    registry.register_search(
        registry.SearchProvider(
            key="leads",
            label=gettext_lazy("Leads"),
            search=_search_leads,
            order=30,
        )
    )


def _search_leads(actor, query: str, limit: int) -> list:
    return [
        registry.SearchHit(
            title=lead.title,
            url=lead.get_absolute_url(),
            subtitle=" · ".join(
                str(d)
                for d in (
                    lead.company_name,
                    lead.person_name,
                    lead.email,
                    format_phone(lead.phone),
                    lead.get_status_display(),
                )
                if d
            ),
            icon="funnel",
        )
        for lead in selectors.lead_search(actor=actor, query=query, limit=limit)
    ]


def status_badge(lead: Lead) -> str:
    return format_html(
        '<span class="badge {}">{}</span>',
        STATUS_BADGES.get(lead.status, "text-bg-light"),
        lead.get_status_display(),
    )


def _apply(form, error: DomainError) -> None:
    apply_domain_error(form, error, ERROR_FIELDS)


# --- list -----------------------------------------------------------------------------


def _lead_spec(actor) -> ListSpec:
    # Each column also gives its cell as plain text, so an export builds no
    # links or badges to strip (see `text_column`).
    columns = [
        Column(
            "title",
            gettext_lazy("What they need"),
            lambda lead: link(lead.get_absolute_url(), lead.title),
            sort="title",
            css="wrap",
            export=lambda lead: plain(lead.title),
        ),
        text_column(
            "company",
            gettext_lazy("Company"),
            lambda lead: lead.company_name,
            sort="company_name",
            css="wrap",
        ),
        text_column("person", gettext_lazy("Person"), lambda lead: lead.person_name),
        text_column("email", gettext_lazy("E-mail"), lambda lead: lead.email),
        text_column(
            "phone", gettext_lazy("Phone"), lambda lead: format_phone(lead.phone)
        ),
        text_column("inn", gettext_lazy("INN"), lambda lead: lead.inn),
        text_column(
            "region", gettext_lazy("Region"), lambda lead: lead.region, sort="region"
        ),
        text_column(
            "industry",
            gettext_lazy("Industry"),
            lambda lead: lead.industry or "",
            uses=("industry",),
        ),
        text_column(
            "source",
            gettext_lazy("Source"),
            lambda lead: lead.source or "",
            uses=("source",),
        ),
        Column(
            "status",
            gettext_lazy("Status"),
            status_badge,
            sort="status",
            export=lambda lead: plain(choice_label(LeadStatus, lead.status)),
        ),
        text_column(
            "owner",
            gettext_lazy("Curator"),
            lambda lead: lead.owner or "",
            uses=("owner",),
        ),
        text_column(
            "created_at",
            gettext_lazy("Created"),
            lambda lead: short_date(lead.created_at),
            sort="-created_at",
        ),
    ]
    can_create = visibility.can_create(actor, "lead")
    return ListSpec(
        key="leads",
        export_key="sales.leads",
        title=gettext_lazy("Leads"),
        columns=columns,
        default_columns=[
            "title",
            "company",
            "person",
            "phone",
            "source",
            "status",
            "owner",
            "created_at",
        ],
        default_sort="created_at",
        create_url=reverse("sales:lead-create") if can_create else None,
        create_label=gettext_lazy("New lead"),
    )


def lead_listing(actor, params) -> tuple[ListSpec, Any, LeadFilterForm]:
    """The leads list for a query string: the page and its export share it."""
    form = LeadFilterForm(params or None)
    queryset = selectors.lead_list(actor=actor, filters=form.filters())
    return _lead_spec(actor), queryset, form


@login_required
def lead_list(request):
    spec, queryset, form = lead_listing(request.user, request.GET)
    context = list_context(request, spec=spec, queryset=queryset, filter_form=form)
    context["can_import"] = visibility.can_create(request.user, "lead")
    context["is_admin"] = visibility.is_admin(request.user)
    return render(
        request, list_template(request, "sales/leads/lead_list.html"), context
    )


# --- card -----------------------------------------------------------------------------


@login_required
@domain_errors
def lead_detail(request, pk: int):
    lead = selectors.lead_get(actor=request.user, lead_id=pk)
    return render(request, "sales/leads/lead_detail.html", _card_context(request, lead))


def _card_context(request, lead: Lead, **forms) -> dict[str, Any]:
    can_edit = visibility.can(request.user, lead, "edit")
    is_open = lead.status in (LeadStatus.NEW, LeadStatus.IN_PROGRESS)
    return {
        "lead": lead,
        "object": lead,
        "can_edit": can_edit and lead.status != LeadStatus.CONVERTED,
        "can_convert": can_edit and is_open,
        "is_open": is_open,
        "status_badge": status_badge(lead),
        "reject_form": forms.get("reject_form") or LeadRejectForm(),
        "assign_form": forms.get("assign_form")
        or LeadAssignForm(current=lead.owner_id),
        "deals": list(lead.deals.all()[:20])
        if lead.status == LeadStatus.CONVERTED
        else [],
    }


@require_POST
@login_required
@domain_errors
def lead_status(request, pk: int):
    """Take a lead in progress, put it back, reject it (with a reason) or reopen it."""
    lead = selectors.lead_get(actor=request.user, lead_id=pk)
    form = LeadRejectForm(request.POST)
    form.is_valid()
    try:
        services.lead_set_status(
            actor=request.user,
            lead=lead,
            status=request.POST.get("status", ""),
            reason=form.cleaned_data.get("reason", ""),
        )
    except DomainError as error:
        _apply(form, error)
        if "reason" not in form.errors:
            messages.error(request, str(error.message))
            return redirect(lead.get_absolute_url())
        return render(
            request,
            "sales/leads/lead_detail.html",
            _card_context(request, lead, reject_form=form),
            status=422,
        )
    messages.success(
        request,
        _("The lead is now “%(status)s”.") % {"status": lead.get_status_display()},
    )
    return redirect(lead.get_absolute_url())


@require_POST
@login_required
@domain_errors
def lead_assign(request, pk: int):
    lead = selectors.lead_get(actor=request.user, lead_id=pk)
    form = LeadAssignForm(request.POST, current=lead.owner_id)
    if form.is_valid():
        try:
            services.lead_assign(
                actor=request.user, lead=lead, owner=form.cleaned_data["owner"]
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                _("The lead is given to %(name)s.") % {"name": lead.owner},
            )
            if not visibility.can(request.user, lead):
                return redirect("sales:lead-list")
    else:
        messages.error(request, _("Choose who gets the lead."))
    return redirect(lead.get_absolute_url())


# --- form -----------------------------------------------------------------------------


def _lead_initial(lead: Lead) -> dict[str, Any]:
    initial = {
        name: getattr(lead, name)
        for name in (
            "title",
            "company_name",
            "inn",
            "last_name",
            "first_name",
            "middle_name",
            "job_title",
            "email",
            "region",
            "description",
            "version",
        )
    }
    initial["phone"] = format_phone(lead.phone)
    initial["industry"] = lead.industry_id
    initial["source"] = lead.source_id
    initial["owner"] = lead.owner_id
    return initial


def _lead_form_page(request, lead: Lead | None):
    conflict = False
    if request.method == "POST":
        form = LeadForm(request.POST, lead=lead)
        if form.is_valid():
            try:
                if lead is None:
                    lead = services.lead_create(
                        actor=request.user, **form.service_data()
                    )
                    messages.success(request, _("Lead created."))
                else:
                    services.lead_update(
                        actor=request.user,
                        lead=lead,
                        version=form.cleaned_data.get("version"),
                        **form.service_data(),
                    )
                    messages.success(request, _("Changes saved."))
                if visibility.can(request.user, lead):
                    return redirect(lead.get_absolute_url())
                # Given by the rules to someone else: the actor no longer sees it.
                return redirect("sales:lead-list")
            except DomainError as error:
                conflict = isinstance(error, Conflict)
                _apply(form, error)
    else:
        form = LeadForm(
            initial=_lead_initial(lead) if lead is not None else {}, lead=lead
        )
    return render(
        request,
        "sales/leads/lead_form.html",
        {
            "form": form,
            "lead": lead,
            "conflict": conflict,
            "has_errors": bool(form.errors),
        },
    )


@login_required
@domain_errors
def lead_create(request):
    visibility.ensure_can_create(actor=request.user, object_type="lead")
    return _lead_form_page(request, None)


@login_required
@domain_errors
def lead_update(request, pk: int):
    lead = selectors.lead_get(actor=request.user, lead_id=pk)
    visibility.ensure_can_edit(actor=request.user, obj=lead)
    return _lead_form_page(request, lead)


@login_required
@domain_errors
def lead_delete(request, pk: int):
    lead = selectors.lead_get(actor=request.user, lead_id=pk)
    visibility.ensure_can_edit(actor=request.user, obj=lead)
    if request.method == "POST":
        services.lead_delete(actor=request.user, lead=lead)
        messages.success(
            request, _("“%(name)s” was moved to the trash.") % {"name": lead.title}
        )
        return redirect("sales:lead-list")
    return render(
        request,
        "customers/confirm_delete.html",
        {"object": lead, "cancel_url": lead.get_absolute_url()},
    )


# --- conversion -----------------------------------------------------------------------


@login_required
@domain_errors
def lead_convert(request, pk: int):
    """Convert a lead into a client: shows the similar companies and contacts the
    actor can see, each with "link to this one instead"."""
    lead = selectors.lead_get(actor=request.user, lead_id=pk)
    visibility.ensure_can_edit(actor=request.user, obj=lead)
    if lead.status == LeadStatus.CONVERTED:
        messages.info(request, _("The lead is already converted."))
        return redirect(lead.get_absolute_url())
    similar = selectors.lead_similar(actor=request.user, lead=lead)
    initial = {
        "deal_title": lead.title,
        "deal_currency": "RUB",
        "create_deal": visibility.can_create(request.user, "deal"),
    }
    form = LeadConvertForm(
        request.POST or None,
        initial=initial,
        actor=request.user,
        lead=lead,
        similar=similar,
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = lead_conversion.lead_convert(
                actor=request.user,
                lead=lead,
                version=_int(request.POST.get("version")),
                **form.service_data(),
            )
        except DomainError as error:
            _apply(form, _conversion_error(error))
        else:
            messages.success(request, _("The lead is converted."))
            target = result.deal or result.company or result.contact
            return redirect(target.get_absolute_url() if target else lead)
    return render(
        request,
        "sales/leads/lead_convert.html",
        {
            "lead": lead,
            "form": form,
            "similar": similar,
            "has_errors": bool(form.errors),
            "company_options": _options(form["company_choice"], similar.companies),
            "contact_options": _options(form["contact_choice"], similar.contacts),
        },
    )


def _conversion_error(error: DomainError) -> DomainError:
    """Errors of the company, contact or deal being made, said above the form with
    the part and the field they concern ("Company, INN: …")."""
    parts = {
        "company": (_("Company"), "customers", "Company"),
        "contact": (_("Contact"), "customers", "Contact"),
        "deal": (_("Deal"), "sales", "Deal"),
    }
    errors: dict[Any, list] = {}
    for name, field_messages in error.all_errors.items():
        head, _dot, rest = (name or "").partition(".")
        if head in parts and rest:
            label, app, model_name = parts[head]
            field_label = _field_label(app, model_name, rest)
            for message in field_messages:
                errors.setdefault(None, []).append(f"{label}, {field_label}: {message}")
        else:
            errors.setdefault(name, []).extend(field_messages)
    return DomainError.from_errors(errors)


def _field_label(app: str, model_name: str, name: str) -> str:
    from django.apps import apps

    model = apps.get_model(app, model_name)
    base = name.split(".")[0].removesuffix("_id")
    try:
        return str(model._meta.get_field(base).verbose_name)
    except Exception:  # noqa: BLE001 - a nested name that is no field of the model
        return name


def _options(field, matches) -> list[tuple[Any, Any]]:
    """Each radio of a choice with the similar record behind it (None for "new",
    "none" or "another")."""
    by_id = {str(m.obj.pk): m for m in matches}
    return [(radio, by_id.get(str(radio.data["value"]))) for radio in field]


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


# --- import ---------------------------------------------------------------------------

_ROW_FIELD = re.compile(r"^rows\.(\d+)(?:\.(\w+))?$")


def _import_errors(error: DomainError) -> tuple[list[dict], list[str]]:
    """Row errors as (row number, column, message), and the errors of the file."""
    rows: list[dict] = []
    general: list[str] = []
    for name, field_messages in error.all_errors.items():
        match = _ROW_FIELD.match(name or "")
        for message in field_messages:
            if match:
                rows.append(
                    {
                        "row": int(match.group(1)),
                        "field": _column_label(match.group(2)),
                        "message": str(message),
                    }
                )
            else:
                general.append(str(message))
    rows.sort(key=lambda r: r["row"])
    return rows, general


def _column_label(name: str | None) -> str:
    if not name:
        return ""
    labels = {
        "source": _("source"),
        "industry": _("industry"),
    }
    if name in labels:
        return labels[name]
    try:
        return str(getattr(Lead._meta.get_field(name), "verbose_name", name))
    except Exception:  # noqa: BLE001 - a column that is no field of a lead
        return name


@login_required
@domain_errors
def lead_import(request):
    """Upload a CSV file, check every row, preview it, then import all or nothing."""
    visibility.ensure_can_create(actor=request.user, object_type="lead")
    form = LeadImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "row_errors": [], "file_errors": []}
    if request.method == "POST" and form.is_valid():
        content = form.content_bytes()
        confirm = "confirm" in request.POST and not request.FILES
        try:
            result = lead_imports.lead_import(
                actor=request.user, content=content, dry_run=not confirm
            )
        except DomainError as error:
            context["row_errors"], context["file_errors"] = _import_errors(error)
        else:
            if confirm:
                messages.success(
                    request,
                    _("%(count)d leads imported.") % {"count": len(result.leads)},
                )
                return redirect("sales:lead-list")
            text = content if isinstance(content, str) else _decoded(content)
            columns = _preview_columns(result.rows)
            context.update(
                {
                    "preview": [
                        (row.number, [row.fields.get(name, "") for name, _l in columns])
                        for row in result.rows[:PREVIEW_ROWS]
                    ],
                    "row_count": len(result.rows),
                    "columns": columns,
                    "confirm_form": LeadImportForm(
                        initial={
                            "content": text,
                            "filename": getattr(
                                form.cleaned_data.get("file"), "name", ""
                            )
                            or form.cleaned_data.get("filename", ""),
                        }
                    ),
                }
            )
    return render(request, "sales/leads/lead_import.html", context)


def _decoded(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return ""


def _preview_columns(rows) -> list[tuple[str, str]]:
    names: list[str] = []
    for row in rows:
        for name in row.fields:
            if name not in names:
                names.append(name)
    return [(name, _column_label(name)) for name in names]


# --- assignment rules -----------------------------------------------------------------


@login_required
@domain_errors
def assignment_rule_list(request):
    visibility.ensure_admin(actor=request.user)
    return render(
        request,
        "sales/leads/rule_list.html",
        {"rules": selectors.assignment_rule_list(actor=request.user)},
    )


def _rule_form_page(request, rule):
    visibility.ensure_admin(actor=request.user)
    initial: dict[str, Any] = {"kind": "round_robin", "is_active": True}
    if rule is not None:
        initial = {
            "name": rule.name,
            "kind": rule.kind,
            "position": rule.position,
            "region": rule.region,
            "is_active": rule.is_active,
            "team": rule.team_id,
            "industry": rule.industry_id,
            "assignee": rule.assignee_id,
        }
    form = AssignmentRuleForm(request.POST or None, initial=initial, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            if rule is None:
                lead_rules.assignment_rule_create(
                    actor=request.user, **form.service_data()
                )
                messages.success(request, _("Rule added."))
            else:
                lead_rules.assignment_rule_update(
                    actor=request.user, rule=rule, **form.service_data()
                )
                messages.success(request, _("Changes saved."))
            return redirect("sales:assignment-rule-list")
        except DomainError as error:
            _apply(form, error)
    return render(
        request,
        "sales/leads/rule_form.html",
        {"form": form, "rule": rule, "has_errors": bool(form.errors)},
    )


@login_required
@domain_errors
def assignment_rule_create(request):
    return _rule_form_page(request, None)


@login_required
@domain_errors
def assignment_rule_update(request, pk: int):
    rule = selectors.assignment_rule_get(actor=request.user, rule_id=pk)
    return _rule_form_page(request, rule)


@require_POST
@login_required
@domain_errors
def assignment_rule_delete(request, pk: int):
    rule = selectors.assignment_rule_get(actor=request.user, rule_id=pk)
    lead_rules.assignment_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("“%(name)s” deleted.") % {"name": rule.name})
    return redirect("sales:assignment-rule-list")
