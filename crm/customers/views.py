"""Pages of the customer base: lists, cards and forms of companies and contacts, the
company picker, and the settings pages of reference lists and tags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.core import custom_fields as core_custom_fields
from crm.core import registry, visibility
from crm.core.errors import Conflict, DomainError, Forbidden, NotFound
from crm.core.forms import apply_domain_error
from crm.core.listing import (
    Column,
    ListSpec,
    link,
    list_context,
    list_template,
    plain,
    related,
)
from crm.core.models import CustomField, CustomFieldKind
from crm.core.validation import format_phone
from crm.customers import selectors, services
from crm.customers.forms import (
    ERROR_FIELDS,
    CompanyFilterForm,
    CompanyForm,
    ContactFilterForm,
    ContactForm,
    EmploymentFormSet,
    PointFormSet,
    ReferenceItemForm,
    TagForm,
    employment_initial,
    employment_rows,
    point_initial,
    point_rows,
)
from crm.customers.models import REFERENCE_MODELS, Company, Contact, LegalForm
from crm.customers.vcards import VERSIONS, contact_vcard, contact_vcards


def domain_errors(view: Callable) -> Callable:
    """Turn a selector's NotFound into 404 and a service's Forbidden into 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except Forbidden as error:
            raise PermissionDenied(str(error.message or "")) from None

    return wrapper


# --- shared pieces ------------------------------------------------------------------


def custom_display(field: CustomField, value: Any) -> Any:
    """A custom field's stored value as people read it, in their language."""
    if value in (None, ""):
        return ""
    if field.kind == CustomFieldKind.BOOLEAN:
        return _("yes") if value else _("no")
    if field.kind == CustomFieldKind.DATE:
        try:
            return formats.date_format(dt.date.fromisoformat(str(value)))
        except ValueError:
            return value
    if field.kind == CustomFieldKind.NUMBER:
        try:
            return formats.number_format(Decimal(str(value)), use_l10n=True)
        except InvalidOperation:
            return value
    return value


def custom_rows(fields: list[CustomField], obj) -> list[tuple[str, Any]]:
    values = obj.custom_fields or {}
    return [
        (field.label, custom_display(field, values.get(field.key)))
        for field in fields
        if values.get(field.key) not in (None, "")
    ]


def tags_html(obj) -> str:
    return format_html_join(
        " ",
        '<span class="badge rounded-pill tag-badge" style="background-color: {}">{}</span>',
        ((tag.color, tag.name) for tag in obj.tags.all()),
    )


def tags_text(obj) -> str:
    """The tags as the list's cell reads once its badges are stripped."""
    return plain(" ".join(tag.name for tag in related(obj, "tags")))


def _date(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATE_FORMAT")


def _custom_columns(fields: list[CustomField]) -> list[Column]:
    def column(field: CustomField) -> Column:
        def render(obj):
            return custom_display(field, (obj.custom_fields or {}).get(field.key))

        return Column(
            key=f"cf_{field.key}", label=field.label, render=render, export=render
        )

    return [column(field) for field in fields]


def _apply_errors(error: DomainError, form, formsets: dict[str, tuple]) -> None:
    """Show a service's errors on the form and on the rows of its formsets.

    Row errors are named `phones.<i>.value` after the i-th row sent to the service;
    `formsets` maps the prefix to (formset, form index of each row sent).
    """
    rest: dict[str | None, list] = {}
    for field, field_messages in error.all_errors.items():
        head, _dot, tail = (field or "").partition(".")
        index, _dot, name = tail.partition(".")
        if head in formsets and index.isdigit():
            formset, indexes = formsets[head]
            if int(index) < len(indexes):
                row = formset.forms[indexes[int(index)]]
                if name not in row.fields and name.endswith("_id"):
                    name = name[:-3]
                for message in field_messages:
                    row.add_error(name if name in row.fields else None, str(message))
                continue
        rest.setdefault(field, []).extend(field_messages)
    if rest:
        combined = DomainError.from_errors(rest)
        apply_domain_error(form, combined, ERROR_FIELDS)
    for formset, _indexes in formsets.values():
        for row in formset.forms:
            for name in row.errors:
                if name in row.fields:
                    widget = row.fields[name].widget
                    widget.attrs["class"] = (
                        f"{widget.attrs.get('class', '')} is-invalid"
                    )


def _has_errors(form, *formsets) -> bool:
    return bool(form.errors) or any(f.total_error_count() for f in formsets)


def _phone_initial(value: str) -> str:
    return format_phone(value) if value else ""


def _points_with_phones_formatted(initial: list[dict]) -> list[dict]:
    return [{**row, "value": _phone_initial(row["value"])} for row in initial]


# --- companies ----------------------------------------------------------------------


def _company_spec(actor, custom: list[CustomField]) -> ListSpec:
    def reference(name: str, key: str, label) -> Column:
        # A reference list's entry (industry, source…), read through its join.
        def cell(company):
            return getattr(company, name) or ""

        return Column(key, label, cell, export=lambda c: plain(cell(c)), uses=(name,))

    def text(value) -> str:
        return plain(value or "")

    columns = [
        Column(
            "name",
            gettext_lazy("Name"),
            lambda c: link(c.get_absolute_url(), c.name),
            sort="name",
            css="wrap",
            export=lambda c: text(c.name),
        ),
        Column(
            "relation",
            gettext_lazy("Relation"),
            lambda c: c.get_relation_display(),
            sort="relation,name",
            export=lambda c: text(c.get_relation_display()),
        ),
        Column(
            "inn",
            gettext_lazy("INN"),
            lambda c: c.inn,
            sort="inn",
            export=lambda c: text(c.inn),
        ),
        Column(
            "phone",
            gettext_lazy("Phone"),
            lambda c: format_phone(c.phone),
            export=lambda c: text(format_phone(c.phone)),
        ),
        Column(
            "email",
            gettext_lazy("E-mail"),
            lambda c: c.email,
            sort="email",
            export=lambda c: text(c.email),
        ),
        reference("industry", "industry", gettext_lazy("Industry")),
        reference("category", "category", gettext_lazy("Category")),
        reference("legal_form", "legal_form", gettext_lazy("Legal form")),
        Column(
            "region",
            gettext_lazy("Region"),
            lambda c: c.region,
            sort="region,name",
            export=lambda c: text(c.region),
        ),
        reference("source", "source", gettext_lazy("Source")),
        reference("sales_channel", "sales_channel", gettext_lazy("Sales channel")),
        reference("curator", "curator", gettext_lazy("Curator")),
        Column(
            "tags", gettext_lazy("Tags"), tags_html, export=tags_text, uses=("tags",)
        ),
        Column(
            "created_at",
            gettext_lazy("Created"),
            lambda c: _date(c.created_at),
            sort="-created_at",
            export=_created,
        ),
        *_custom_columns(custom),
    ]
    can_create = visibility.can_create(actor, "company")
    return ListSpec(
        key="companies",
        export_key="customers.companies",
        title=gettext_lazy("Companies"),
        columns=columns,
        default_columns=[
            "name",
            "relation",
            "inn",
            "phone",
            "email",
            "curator",
            "tags",
        ],
        default_sort="name",
        create_url=reverse("customers:company-create") if can_create else None,
        create_label=gettext_lazy("New company"),
    )


def company_listing(actor, params) -> tuple[ListSpec, Any, CompanyFilterForm]:
    """The companies list for a query string: the page and its export share it."""
    custom = core_custom_fields.fields_for("company")
    form = CompanyFilterForm(params or None, custom_fields=custom)
    queryset = selectors.company_list(actor=actor, filters=form.filters())
    return _company_spec(actor, custom), queryset, form


@login_required
def company_list(request):
    spec, queryset, form = company_listing(request.user, request.GET)
    context = list_context(request, spec=spec, queryset=queryset, filter_form=form)
    return render(request, list_template(request), context)


@login_required
@domain_errors
def company_detail(request, pk: int):
    company = selectors.company_card(actor=request.user, company_id=pk)
    points = list(company.contact_points.all())
    return render(
        request,
        "customers/company_detail.html",
        {
            "company": company,
            "object": company,
            "can_edit": visibility.can(request.user, company, "edit"),
            "phones": [p for p in points if p.kind == "phone"],
            "emails": [p for p in points if p.kind == "email"],
            "custom_rows": custom_rows(
                core_custom_fields.fields_for("company"), company
            ),
            "can_add_contact": visibility.can_create(request.user, "contact"),
            "can_add_company": visibility.can_create(request.user, "company"),
            "more_contacts": len(company.card_employments) >= selectors.CARD_LIMIT,
            "more_branches": len(company.card_branches) >= selectors.CARD_LIMIT,
            "panels": registry.render_panels("company", request, company),
        },
    )


def _company_initial(company: Company) -> dict[str, Any]:
    initial = {
        name: getattr(company, name)
        for name in (
            "name",
            "full_name",
            "inn",
            "kpp",
            "ogrn",
            "okpo",
            "size",
            "relation",
            "email",
            "website",
            "region",
            "legal_address",
            "actual_address",
            "postal_address",
            "description",
            "external_id",
            "consent_email",
            "consent_sms",
            "consent_phone",
            "version",
        )
    }
    for name in (
        "legal_form",
        "industry",
        "category",
        "source",
        "sales_channel",
        "curator",
        "parent",
    ):
        initial[name] = getattr(company, f"{name}_id")
    initial["phone"] = _phone_initial(company.phone)
    initial["tags"] = [tag.pk for tag in company.tags.all()]
    return initial


def _company_form_page(request, company: Company | None):
    custom = core_custom_fields.fields_for("company")
    kwargs = {"actor": request.user, "company": company, "custom_fields": custom}
    conflict = False
    if request.method == "POST":
        form = CompanyForm(request.POST, **kwargs)
        phones = PointFormSet(
            request.POST, prefix="phones", form_kwargs={"kind": "phone"}
        )
        emails = PointFormSet(
            request.POST, prefix="emails", form_kwargs={"kind": "email"}
        )
        forms_valid = [form.is_valid(), phones.is_valid(), emails.is_valid()]
        if all(forms_valid):
            phone_rows, phone_indexes = point_rows(phones)
            email_rows, email_indexes = point_rows(emails)
            data = form.service_data()
            try:
                if company is None:
                    company = services.company_create(
                        actor=request.user, phones=phone_rows, emails=email_rows, **data
                    )
                    messages.success(request, _("Company created."))
                else:
                    services.company_update(
                        actor=request.user,
                        company=company,
                        version=form.cleaned_data.get("version"),
                        phones=phone_rows,
                        emails=email_rows,
                        **data,
                    )
                    messages.success(request, _("Changes saved."))
                return redirect(company.get_absolute_url())
            except DomainError as error:
                conflict = isinstance(error, Conflict)
                _apply_errors(
                    error,
                    form,
                    {
                        "phones": (phones, phone_indexes),
                        "emails": (emails, email_indexes),
                    },
                )
    else:
        if company is None:
            initial: dict[str, Any] = {
                "relation": "prospect",
                "curator": request.user.pk,
            }
            if str(request.GET.get("parent", "")).isdigit():
                initial["parent"] = int(request.GET["parent"])
        else:
            initial = _company_initial(company)
        form = CompanyForm(initial=initial, **kwargs)
        phones = PointFormSet(
            initial=_points_with_phones_formatted(point_initial(company, "phone")),
            prefix="phones",
            form_kwargs={"kind": "phone"},
        )
        emails = PointFormSet(
            initial=point_initial(company, "email"),
            prefix="emails",
            form_kwargs={"kind": "email"},
        )
    return render(
        request,
        "customers/company_form.html",
        {
            "form": form,
            "phones": phones,
            "emails": emails,
            "company": company,
            "conflict": conflict,
            "has_errors": _has_errors(form, phones, emails),
            "custom_field_names": form.custom_field_names,
        },
    )


@login_required
@domain_errors
def company_create(request):
    visibility.ensure_can_create(actor=request.user, object_type="company")
    return _company_form_page(request, None)


@login_required
@domain_errors
def company_update(request, pk: int):
    company = selectors.company_get(actor=request.user, company_id=pk)
    visibility.ensure_can_edit(actor=request.user, obj=company)
    return _company_form_page(request, company)


@login_required
@domain_errors
def company_delete(request, pk: int):
    company = selectors.company_get(actor=request.user, company_id=pk)
    visibility.ensure_can_edit(actor=request.user, obj=company)
    if request.method == "POST":
        services.company_delete(actor=request.user, company=company)
        messages.success(
            request,
            _("“%(name)s” was moved to the trash.") % {"name": company.name},
        )
        return redirect("customers:company-list")
    return render(
        request,
        "customers/confirm_delete.html",
        {"object": company, "cancel_url": company.get_absolute_url()},
    )


@login_required
def company_lookup(request):
    """Options of the company picker: the chosen company and the search's hits."""
    field = request.GET.get("field", "")
    selected_id = request.GET.get(field, "") if field else ""
    selected = None
    if selected_id.isdigit():
        try:
            selected = selectors.company_get(actor=request.user, company_id=selected_id)
        except NotFound:
            selected = None
    hits = [
        c
        for c in selectors.company_search(
            actor=request.user, query=request.GET.get("lookup", ""), limit=20
        )
        if selected is None or c.pk != selected.pk
    ]
    return render(
        request,
        "customers/company_options.html",
        {"selected": selected, "hits": hits},
    )


# --- contacts -----------------------------------------------------------------------


def _primary_company(contact: Contact) -> str:
    jobs = contact.card_employments
    if not jobs:
        return ""
    company = jobs[0].company
    return link(company.get_absolute_url(), company.name)


def _primary_company_text(contact: Contact) -> str:
    jobs = contact.card_employments
    return plain(jobs[0].company.name) if jobs else ""


def _job_title(contact: Contact) -> str:
    jobs = contact.card_employments
    return jobs[0].title if jobs else ""


def _phone(obj) -> str:
    return format_phone(obj.phone)


def _email(obj) -> str:
    return obj.email


def _source(obj):
    return obj.source or ""


def _curator(obj):
    return obj.curator or ""


def _created(obj) -> str:
    return _date(obj.created_at)


def _birth_date(contact: Contact) -> str:
    if not contact.birth_date:
        return ""
    return formats.date_format(contact.birth_date, "SHORT_DATE_FORMAT")


def _contact_spec(actor, custom: list[CustomField]) -> ListSpec:
    columns = [
        Column(
            "name",
            gettext_lazy("Full name"),
            lambda c: link(c.get_absolute_url(), c.full_name),
            sort="last_name,first_name",
            css="wrap",
            export=lambda c: plain(c.full_name),
        ),
        Column(
            "company",
            gettext_lazy("Company"),
            _primary_company,
            css="wrap",
            export=_primary_company_text,
            uses=("card_employments",),
        ),
        Column(
            "job_title",
            gettext_lazy("Position"),
            _job_title,
            export=_job_title,
            uses=("card_employments",),
        ),
        Column("phone", gettext_lazy("Phone"), _phone, export=_phone),
        Column("email", gettext_lazy("E-mail"), _email, sort="email", export=_email),
        Column(
            "source",
            gettext_lazy("Source"),
            _source,
            export=_source,
            uses=("source",),
        ),
        Column(
            "curator",
            gettext_lazy("Curator"),
            _curator,
            export=_curator,
            uses=("curator",),
        ),
        Column(
            "tags",
            gettext_lazy("Tags"),
            tags_html,
            export=tags_text,
            uses=("tags",),
        ),
        Column(
            "birth_date", gettext_lazy("Birth date"), _birth_date, export=_birth_date
        ),
        Column(
            "created_at",
            gettext_lazy("Created"),
            _created,
            sort="-created_at",
            export=_created,
        ),
        *_custom_columns(custom),
    ]
    can_create = visibility.can_create(actor, "contact")
    return ListSpec(
        key="contacts",
        export_key="customers.contacts",
        extra={"vcard_url": reverse("customers:contact-vcard-list")},
        title=gettext_lazy("Contacts"),
        columns=columns,
        default_columns=["name", "company", "job_title", "phone", "email", "tags"],
        default_sort="name",
        create_url=reverse("customers:contact-create") if can_create else None,
        create_label=gettext_lazy("New contact"),
    )


def contact_listing(actor, params) -> tuple[ListSpec, Any, ContactFilterForm]:
    """The contacts list for a query string: the page and its export share it."""
    custom = core_custom_fields.fields_for("contact")
    form = ContactFilterForm(params or None, custom_fields=custom)
    queryset = selectors.contact_list(actor=actor, filters=form.filters())
    return _contact_spec(actor, custom), queryset, form


@login_required
def contact_list(request):
    spec, queryset, form = contact_listing(request.user, request.GET)
    context = list_context(request, spec=spec, queryset=queryset, filter_form=form)
    return render(request, list_template(request), context)


@login_required
@domain_errors
def contact_detail(request, pk: int):
    contact = selectors.contact_get(actor=request.user, contact_id=pk)
    points = list(contact.contact_points.all())
    return render(
        request,
        "customers/contact_detail.html",
        {
            "contact": contact,
            "object": contact,
            "can_edit": visibility.can(request.user, contact, "edit"),
            "phones": [p for p in points if p.kind == "phone"],
            "emails": [p for p in points if p.kind == "email"],
            "custom_rows": custom_rows(
                core_custom_fields.fields_for("contact"), contact
            ),
            "panels": registry.render_panels("contact", request, contact),
        },
    )


def _contact_initial(contact: Contact) -> dict[str, Any]:
    initial = {
        name: getattr(contact, name)
        for name in (
            "last_name",
            "first_name",
            "middle_name",
            "birth_date",
            "email",
            "address",
            "description",
            "external_id",
            "consent_email",
            "consent_sms",
            "consent_phone",
            "version",
        )
    }
    initial["phone"] = _phone_initial(contact.phone)
    initial["source"] = contact.source_id
    initial["curator"] = contact.curator_id
    initial["tags"] = [tag.pk for tag in contact.tags.all()]
    return initial


def _contact_form_page(request, contact: Contact | None):
    custom = core_custom_fields.fields_for("contact")
    kwargs = {"actor": request.user, "contact": contact, "custom_fields": custom}
    conflict = False
    if request.method == "POST":
        form = ContactForm(request.POST, **kwargs)
        phones = PointFormSet(
            request.POST, prefix="phones", form_kwargs={"kind": "phone"}
        )
        emails = PointFormSet(
            request.POST, prefix="emails", form_kwargs={"kind": "email"}
        )
        jobs = EmploymentFormSet(request.POST, prefix="companies", actor=request.user)
        forms_valid = [
            form.is_valid(),
            phones.is_valid(),
            emails.is_valid(),
            jobs.is_valid(),
        ]
        if all(forms_valid):
            phone_rows, phone_indexes = point_rows(phones)
            email_rows, email_indexes = point_rows(emails)
            job_rows, job_indexes = employment_rows(jobs)
            data = form.service_data()
            try:
                if contact is None:
                    contact = services.contact_create(
                        actor=request.user,
                        phones=phone_rows,
                        emails=email_rows,
                        companies=job_rows,
                        **data,
                    )
                    messages.success(request, _("Contact created."))
                else:
                    services.contact_update(
                        actor=request.user,
                        contact=contact,
                        version=form.cleaned_data.get("version"),
                        phones=phone_rows,
                        emails=email_rows,
                        companies=job_rows,
                        **data,
                    )
                    messages.success(request, _("Changes saved."))
                return redirect(contact.get_absolute_url())
            except DomainError as error:
                conflict = isinstance(error, Conflict)
                _apply_errors(
                    error,
                    form,
                    {
                        "phones": (phones, phone_indexes),
                        "emails": (emails, email_indexes),
                        "companies": (jobs, job_indexes),
                    },
                )
    else:
        if contact is None:
            initial: dict[str, Any] = {"curator": request.user.pk}
            jobs_initial = []
            if str(request.GET.get("company", "")).isdigit():
                jobs_initial = [
                    {"company": int(request.GET["company"]), "is_primary": True}
                ]
        else:
            initial = _contact_initial(contact)
            jobs_initial = employment_initial(contact)
        form = ContactForm(initial=initial, **kwargs)
        phones = PointFormSet(
            initial=_points_with_phones_formatted(point_initial(contact, "phone")),
            prefix="phones",
            form_kwargs={"kind": "phone"},
        )
        emails = PointFormSet(
            initial=point_initial(contact, "email"),
            prefix="emails",
            form_kwargs={"kind": "email"},
        )
        jobs = EmploymentFormSet(
            initial=jobs_initial, prefix="companies", actor=request.user
        )
    return render(
        request,
        "customers/contact_form.html",
        {
            "form": form,
            "phones": phones,
            "emails": emails,
            "jobs": jobs,
            "contact": contact,
            "conflict": conflict,
            "has_errors": _has_errors(form, phones, emails, jobs),
            "custom_field_names": form.custom_field_names,
        },
    )


@login_required
@domain_errors
def contact_create(request):
    visibility.ensure_can_create(actor=request.user, object_type="contact")
    return _contact_form_page(request, None)


@login_required
@domain_errors
def contact_update(request, pk: int):
    contact = selectors.contact_get(actor=request.user, contact_id=pk)
    visibility.ensure_can_edit(actor=request.user, obj=contact)
    return _contact_form_page(request, contact)


@login_required
@domain_errors
def contact_delete(request, pk: int):
    contact = selectors.contact_get(actor=request.user, contact_id=pk)
    visibility.ensure_can_edit(actor=request.user, obj=contact)
    if request.method == "POST":
        services.contact_delete(actor=request.user, contact=contact)
        messages.success(
            request,
            _("“%(name)s” was moved to the trash.") % {"name": contact.full_name},
        )
        return redirect("customers:contact-list")
    return render(
        request,
        "customers/confirm_delete.html",
        {"object": contact, "cancel_url": contact.get_absolute_url()},
    )


# --- settings: reference lists and tags ------------------------------------------------


def _settings_tabs(current: str) -> list[dict]:
    tabs = [
        {
            "url": reverse("customers:reference-list", args=[kind]),
            "label": model._meta.verbose_name_plural,
            "active": kind == current,
        }
        for kind, model in REFERENCE_MODELS.items()
    ]
    tabs.append(
        {
            "url": reverse("customers:tag-list"),
            "label": gettext_lazy("Tags"),
            "active": current == "tags",
        }
    )
    return tabs


def _reference_kind(kind: str):
    model = REFERENCE_MODELS.get(kind)
    if model is None:
        raise Http404
    return model


@login_required
@domain_errors
def reference_list(request, kind: str):
    model = _reference_kind(kind)
    visibility.ensure_admin(actor=request.user)
    with_short_name = model is LegalForm
    form = ReferenceItemForm(request.POST or None, with_short_name=with_short_name)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.reference_item_create(
                actor=request.user, kind=kind, **form.service_data()
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("“%(name)s” added.") % {"name": item.name})
            return redirect("customers:reference-list", kind=kind)
    items = selectors.reference_item_list(
        actor=request.user, kind=kind, include_inactive=True
    )
    return render(
        request,
        "customers/reference_list.html",
        {
            "kind": kind,
            "title": model._meta.verbose_name_plural,
            "items": items,
            "form": form,
            "with_short_name": with_short_name,
            "tabs": _settings_tabs(kind),
        },
    )


@login_required
@domain_errors
def reference_update(request, kind: str, pk: int):
    model = _reference_kind(kind)
    visibility.ensure_admin(actor=request.user)
    item = selectors.reference_item_get(actor=request.user, kind=kind, item_id=pk)
    with_short_name = model is LegalForm
    if request.method == "POST":
        form = ReferenceItemForm(request.POST, with_short_name=with_short_name)
        if "deactivate" in request.POST:
            services.reference_item_deactivate(actor=request.user, item=item)
            messages.success(request, _("“%(name)s” retired.") % {"name": item.name})
            return redirect("customers:reference-list", kind=kind)
        if "activate" in request.POST:
            services.reference_item_update(
                actor=request.user, item=item, is_active=True
            )
            messages.success(request, _("“%(name)s” is back.") % {"name": item.name})
            return redirect("customers:reference-list", kind=kind)
        if form.is_valid():
            try:
                services.reference_item_update(
                    actor=request.user, item=item, **form.service_data()
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("customers:reference-list", kind=kind)
    else:
        form = ReferenceItemForm(
            initial={
                "name_en": item.name_en,
                "name_ru": item.name_ru,
                "position": item.position,
                "short_name": getattr(item, "short_name", ""),
            },
            with_short_name=with_short_name,
        )
    return render(
        request,
        "customers/reference_form.html",
        {
            "kind": kind,
            "title": model._meta.verbose_name_plural,
            "item": item,
            "form": form,
            "tabs": _settings_tabs(kind),
        },
    )


@login_required
@domain_errors
def tag_list(request):
    visibility.ensure_admin(actor=request.user)
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tag = services.tag_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Tag “%(name)s” added.") % {"name": tag.name})
            return redirect("customers:tag-list")
    return render(
        request,
        "customers/tag_list.html",
        {
            "tags": selectors.tag_usage_list(actor=request.user),
            "form": form,
            "tabs": _settings_tabs("tags"),
        },
    )


@login_required
@domain_errors
def tag_update(request, pk: int):
    visibility.ensure_admin(actor=request.user)
    tag = selectors.tag_get(actor=request.user, tag_id=pk)
    form = TagForm(request.POST or None, initial={"name": tag.name, "color": tag.color})
    if request.method == "POST" and form.is_valid():
        try:
            services.tag_update(actor=request.user, tag=tag, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customers:tag-list")
    return render(
        request,
        "customers/tag_form.html",
        {"tag": tag, "form": form, "tabs": _settings_tabs("tags")},
    )


@require_POST
@login_required
@domain_errors
def tag_delete(request, pk: int):
    tag = selectors.tag_get(actor=request.user, tag_id=pk)
    services.tag_delete(actor=request.user, tag=tag)
    messages.success(request, _("Tag “%(name)s” deleted.") % {"name": tag.name})
    return redirect("customers:tag-list")


# --- vCard ----------------------------------------------------------------------------


def _vcard_version(request) -> str:
    wanted = request.GET.get("version", "3.0")
    return wanted if wanted in VERSIONS else "3.0"


@login_required
@domain_errors
def contact_vcard_download(request, pk: int):
    """The contact as a .vcf file for an address book."""
    contact = selectors.contact_get(actor=request.user, contact_id=pk)
    card = contact_vcard(
        contact,
        version=_vcard_version(request),
        url=request.build_absolute_uri(contact.get_absolute_url()),
    )
    response = HttpResponse(
        card.encode("utf-8"), content_type="text/vcard; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.vcf"'
    return response


@login_required
def contact_vcard_list(request):
    """Every contact of the list under its current filters, as one .vcf stream."""
    _spec, queryset, _form = contact_listing(request.user, request.GET)
    base = request.build_absolute_uri("/").rstrip("/")
    response = StreamingHttpResponse(
        (
            card.encode("utf-8")
            for card in contact_vcards(
                queryset.iterator(chunk_size=1000),
                version=_vcard_version(request),
                base_url=base,
            )
        ),
        content_type="text/vcard; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="contacts.vcf"'
    return response
