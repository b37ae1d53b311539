"""Forms of the customer pages: they parse what people type; the services check it.

Form field names follow the model (`industry`); the services name errors after the
API (`industry_id`), so `ERROR_FIELDS` maps them back for `apply_domain_error`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from crm.core import custom_fields as core_custom_fields
from crm.core import visibility
from crm.core.forms import StyledForm
from crm.core.models import CustomField, CustomFieldKind
from crm.customers.models import (
    Company,
    CompanyCategory,
    CompanySize,
    Industry,
    LegalForm,
    Position,
    Relation,
    SalesChannel,
    Source,
    Tag,
)

CF = core_custom_fields.FORM_PREFIX
YES_NO = [("", _("any")), ("yes", _("yes")), ("no", _("no"))]
ERROR_FIELDS = {
    "legal_form_id": "legal_form",
    "industry_id": "industry",
    "category_id": "category",
    "source_id": "source",
    "sales_channel_id": "sales_channel",
    "curator_id": "curator",
    "parent_id": "parent",
    "tag_ids": "tags",
    # A stale save is said above the form, not next to an invisible field.
    "version": None,
}


class DropdownCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes in a dropdown, so a long list of tags fits the filter bar."""

    template_name = "customers/widgets/dropdown_checkboxes.html"


def _reference_field(model, label, current=None, required=False):
    """Active items of a reference list, plus the record's current (maybe retired)."""
    queryset = model.objects.filter(Q(is_active=True) | Q(pk=current))
    return forms.ModelChoiceField(
        queryset=queryset, label=label, required=required, empty_label="—"
    )


def style_fields(form: forms.Form) -> None:
    """Give Bootstrap's classes to fields added after `StyledForm.__init__`."""
    size = " form-select-sm" if getattr(form, "compact", False) else ""
    for field in form.fields.values():
        widget = field.widget
        if "class" in widget.attrs:
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs["class"] = f"form-select{size}"
        else:
            widget.attrs["class"] = "form-control" + size.replace("select", "control")


def _users():
    return get_user_model().objects.filter(is_active=True)


def add_custom_fields(form: forms.Form, fields: list[CustomField], values=None) -> None:
    """Add the administrator's fields as `cf_<key>` with the record's values."""
    values = values or {}
    for field in fields:
        form.fields[f"{CF}{field.key}"] = core_custom_fields.form_field(field)
        form.initial.setdefault(f"{CF}{field.key}", values.get(field.key))


def custom_values(form: forms.Form) -> dict[str, Any]:
    return {
        name[len(CF) :]: value
        for name, value in form.cleaned_data.items()
        if name.startswith(CF)
    }


class CompanyPickerWidget(forms.Select):
    """A select of companies filled by a search box (`customers:company-lookup`):
    a million companies cannot be a list of options."""

    template_name = "customers/widgets/company_picker.html"


class CompanyPickerField(forms.IntegerField):
    """A company id chosen through `CompanyPickerWidget`; the service checks that
    the actor sees it."""

    widget = CompanyPickerWidget

    def widget_attrs(self, widget):
        return {}


def set_picker_choices(form: forms.Form, name: str, actor, keep_id=None) -> None:
    """Offer the chosen company (submitted or initial) as the select's only option.

    `keep_id` is the value already stored: when it is a company hidden from the
    actor it stays chosen under a neutral name, so saving the form keeps it.
    """
    field = form.fields[name]
    raw = form.data.get(form.add_prefix(name)) if form.is_bound else None
    if raw is None:
        raw = form.initial.get(name, field.initial)
    choices = [("", "—")]
    if raw not in (None, "") and str(raw).isdigit():
        company = (
            visibility.visible(Company.objects.all(), actor)
            .filter(pk=raw)
            .only("pk", "name")
            .first()
        )
        if company is not None:
            choices.append((company.pk, company.name))
        elif keep_id is not None and int(raw) == keep_id:
            choices.append((keep_id, _("A company you cannot see")))
    field.widget.choices = choices


# --- companies ----------------------------------------------------------------------


class CompanyForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=300)
    full_name = forms.CharField(
        label=_("Full legal name"), max_length=500, required=False
    )
    inn = forms.CharField(label=_("INN"), max_length=20, required=False)
    kpp = forms.CharField(label=_("KPP"), max_length=20, required=False)
    ogrn = forms.CharField(label=_("OGRN"), max_length=20, required=False)
    okpo = forms.CharField(label=_("OKPO"), max_length=20, required=False)
    size = forms.ChoiceField(
        label=_("Size"), choices=[("", "—"), *CompanySize.choices], required=False
    )
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices)
    parent = CompanyPickerField(label=_("Parent company"), required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    website = forms.CharField(label=_("Web site"), max_length=200, required=False)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    legal_address = forms.CharField(
        label=_("Legal address"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    actual_address = forms.CharField(
        label=_("Actual address"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    postal_address = forms.CharField(
        label=_("Postal address"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    description = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    external_id = forms.CharField(
        label=_("External ID"), max_length=100, required=False
    )
    consent_email = forms.BooleanField(label=_("Agrees to e-mails"), required=False)
    consent_sms = forms.BooleanField(label=_("Agrees to SMS"), required=False)
    consent_phone = forms.BooleanField(label=_("Agrees to calls"), required=False)
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.all(),
        required=False,
        widget=DropdownCheckboxes,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args, actor, company: Company | None = None, custom_fields=(), **kwargs
    ):
        super().__init__(*args, **kwargs)
        company = company or Company()
        self.fields["legal_form"] = _reference_field(
            LegalForm, _("Legal form"), company.legal_form_id
        )
        self.fields["industry"] = _reference_field(
            Industry, _("Industry"), company.industry_id
        )
        self.fields["category"] = _reference_field(
            CompanyCategory, _("Category"), company.category_id
        )
        self.fields["source"] = _reference_field(Source, _("Source"), company.source_id)
        self.fields["sales_channel"] = _reference_field(
            SalesChannel, _("Sales channel"), company.sales_channel_id
        )
        self.fields["curator"] = forms.ModelChoiceField(
            queryset=_users() | get_user_model().objects.filter(pk=company.curator_id),
            label=_("Curator"),
            empty_label="—",
        )
        add_custom_fields(self, list(custom_fields), company.custom_fields)
        self.custom_field_names = [f"{CF}{f.key}" for f in custom_fields]
        style_fields(self)
        set_picker_choices(self, "parent", actor, keep_id=company.parent_id)

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        result = {
            name: data.get(name)
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
                "phone",
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
            result[f"{name}_id"] = data.get(name)
        result["tag_ids"] = list(data.get("tags") or [])
        result["custom_fields"] = custom_values(self)
        return result


class PointForm(StyledForm):
    """One further phone or e-mail; a row with an empty value is no row."""

    compact = True
    label = forms.CharField(
        label=_("Label"),
        max_length=50,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("label"), "aria-label": _("Label")}
        ),
    )
    value = forms.CharField(
        label=_("Value"),
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"aria-label": _("Value")}),
    )

    def __init__(self, *args, kind: str = "phone", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].widget.attrs["placeholder"] = (
            "+7 916 123-45-67" if kind == "phone" else "name@example.com"
        )
        if kind == "phone":
            self.fields["value"].widget.attrs["inputmode"] = "tel"


PointFormSet = formset_factory(PointForm, extra=2)


def point_initial(obj, kind: str) -> list[dict]:
    if obj is None or obj.pk is None:
        return []
    return [
        {"label": p.label, "value": p.value}
        for p in obj.contact_points.all()
        if p.kind == kind
    ]


def point_rows(formset) -> tuple[list[dict], list[int]]:
    """The rows a formset sends to the service, and each row's form index."""
    rows, indexes = [], []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data if form.is_valid() else {}
        if (data.get("value") or "").strip():
            rows.append({"label": data.get("label", ""), "value": data["value"]})
            indexes.append(index)
    return rows, indexes


# --- contacts -----------------------------------------------------------------------


class ContactForm(StyledForm):
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    middle_name = forms.CharField(
        label=_("Middle name"), max_length=100, required=False
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    description = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    external_id = forms.CharField(
        label=_("External ID"), max_length=100, required=False
    )
    consent_email = forms.BooleanField(label=_("Agrees to e-mails"), required=False)
    consent_sms = forms.BooleanField(label=_("Agrees to SMS"), required=False)
    consent_phone = forms.BooleanField(label=_("Agrees to calls"), required=False)
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.all(),
        required=False,
        widget=DropdownCheckboxes,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, actor, contact=None, custom_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        source_id = contact.source_id if contact else None
        curator_id = contact.curator_id if contact else None
        self.fields["source"] = _reference_field(Source, _("Source"), source_id)
        self.fields["curator"] = forms.ModelChoiceField(
            queryset=_users() | get_user_model().objects.filter(pk=curator_id),
            label=_("Curator"),
            empty_label="—",
        )
        add_custom_fields(
            self, list(custom_fields), contact.custom_fields if contact else {}
        )
        self.custom_field_names = [f"{CF}{f.key}" for f in custom_fields]
        style_fields(self)

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        result = {
            name: data.get(name)
            for name in (
                "last_name",
                "first_name",
                "middle_name",
                "birth_date",
                "email",
                "phone",
                "address",
                "description",
                "external_id",
                "consent_email",
                "consent_sms",
                "consent_phone",
            )
        }
        result["source_id"] = data.get("source")
        result["curator_id"] = data.get("curator")
        result["tag_ids"] = list(data.get("tags") or [])
        result["custom_fields"] = custom_values(self)
        return result


class EmploymentForm(StyledForm):
    """One place of work of a person."""

    compact = True
    company = CompanyPickerField(label=_("Company"), required=False)
    position = forms.ModelChoiceField(
        label=_("Position"),
        queryset=Position.objects.filter(is_active=True),
        required=False,
        empty_label="—",
    )
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    role = forms.CharField(label=_("Role in deals"), max_length=200, required=False)
    is_primary = forms.BooleanField(label=_("Main place of work"), required=False)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        if actor is not None:
            set_picker_choices(self, "company", actor)


class BaseEmploymentFormSet(forms.BaseFormSet):
    def __init__(self, *args, actor, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)
        # One query for the positions of every row, not one per row.
        positions = list(Position.objects.all())
        for form in self.forms:
            current = form.initial.get("position")
            form.fields["position"].choices = [("", "—")] + [
                (p.pk, p.name) for p in positions if p.is_active or p.pk == current
            ]
            form.fields["position"].queryset = Position.objects.all()

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "actor": self.actor}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"


EmploymentFormSet = formset_factory(
    EmploymentForm, formset=BaseEmploymentFormSet, extra=1, can_delete=True
)


def employment_initial(contact) -> list[dict]:
    if contact is None or contact.pk is None:
        return []
    return [
        {
            "company": e.company_id,
            "position": e.position_id,
            "job_title": e.job_title,
            "role": e.role,
            "is_primary": e.is_primary,
        }
        for e in getattr(contact, "card_employments", [])
    ]


def employment_rows(formset) -> tuple[list[dict], list[int]]:
    rows, indexes = [], []
    for index, form in enumerate(formset.forms):
        if not form.is_valid():
            continue
        data = form.cleaned_data
        if not data.get("company") or data.get("DELETE"):
            continue
        rows.append(
            {
                "company_id": data["company"],
                "position_id": data.get("position"),
                "job_title": data.get("job_title", ""),
                "role": data.get("role", ""),
                "is_primary": data.get("is_primary", False),
            }
        )
        indexes.append(index)
    return rows, indexes


# --- list filters -------------------------------------------------------------------


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _reference_filter(model, label):
    return forms.ModelChoiceField(
        queryset=model.objects.all(), label=label, required=False, empty_label=_("any")
    )


def _custom_filter_field(field: CustomField) -> forms.Field:
    if field.kind == CustomFieldKind.CHOICE:
        return forms.ChoiceField(
            label=field.label,
            required=False,
            choices=[("", _("any")), *[(c, c) for c in field.choices]],
        )
    if field.kind == CustomFieldKind.BOOLEAN:
        return forms.ChoiceField(label=field.label, required=False, choices=YES_NO)
    if field.kind == CustomFieldKind.DATE:
        return forms.DateField(
            label=field.label,
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
    return forms.CharField(label=field.label, required=False, max_length=100)


class _FilterForm(StyledForm):
    compact = True
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def __init__(self, *args, custom_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["curator"] = forms.ModelChoiceField(
            queryset=get_user_model().objects.all(),
            label=_("Curator"),
            required=False,
            empty_label=_("any"),
        )
        self.fields["tags"] = forms.ModelMultipleChoiceField(
            queryset=Tag.objects.all(),
            label=_("Tags"),
            required=False,
            widget=DropdownCheckboxes,
        )
        self.fields["created_from"] = forms.DateField(
            label=_("Created from"),
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
        self.fields["created_to"] = forms.DateField(
            label=_("Created to"),
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
        self.fields["has_email"] = forms.ChoiceField(
            label=_("Has e-mail"), required=False, choices=YES_NO
        )
        self.fields["has_phone"] = forms.ChoiceField(
            label=_("Has phone"), required=False, choices=YES_NO
        )
        self.custom_fields = list(custom_fields)
        for field in self.custom_fields:
            self.fields[f"{CF}{field.key}"] = _custom_filter_field(field)
        style_fields(self)
        self.fields["q"].widget.attrs["placeholder"] = self.placeholder

    def filters(self) -> dict[str, Any]:
        """What the selector gets; a field with a bad value filters nothing."""
        data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        result: dict[str, Any] = {
            name: data.get(name)
            for name in self.fields
            if not name.startswith(CF) and name not in ("has_email", "has_phone")
        }
        result["has_email"] = _yes_no(data.get("has_email"))
        result["has_phone"] = _yes_no(data.get("has_phone"))
        custom = {}
        for field in self.custom_fields:
            value = data.get(f"{CF}{field.key}")
            if field.kind == CustomFieldKind.BOOLEAN:
                value = {"yes": "1", "no": "0"}.get(value or "")
            if value not in (None, ""):
                custom[field.key] = value
        result["custom"] = custom
        return result


class CompanyFilterForm(_FilterForm):
    placeholder = _("Name, e-mail, phone, INN")
    # Set from a company's card ("all branches").
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    relation = forms.ChoiceField(
        label=_("Relation"),
        required=False,
        choices=[("", _("any")), *Relation.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, model, label in (
            ("industry", Industry, _("Industry")),
            ("category", CompanyCategory, _("Category")),
            ("source", Source, _("Source")),
            ("sales_channel", SalesChannel, _("Sales channel")),
        ):
            self.fields[name] = _reference_filter(model, label)
        self.fields["region"] = forms.CharField(
            label=_("Region"), required=False, max_length=100
        )
        style_fields(self)
        order = ["q", "relation", "industry", "category", "curator", "tags"]
        self.order_fields(order)
        if self.is_bound:
            self.full_clean()


class ContactFilterForm(_FilterForm):
    placeholder = _("Name, e-mail, phone")
    # Set from a company's card ("all contacts"); a million companies are no select.
    company = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"] = _reference_filter(Source, _("Source"))
        style_fields(self)
        self.order_fields(["q", "company", "curator", "tags", "source"])
        if self.is_bound:
            self.full_clean()


# --- settings -----------------------------------------------------------------------


class ReferenceItemForm(StyledForm):
    name_ru = forms.CharField(label=_("Name (Russian)"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    short_name = forms.CharField(label=_("Abbreviation"), max_length=20, required=False)
    position = forms.IntegerField(
        label=_("Order"), min_value=0, required=False, initial=0
    )

    def __init__(self, *args, with_short_name: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_short_name:
            del self.fields["short_name"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["position"] = data.get("position") or 0
        return data


class TagForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    color = forms.CharField(
        label=_("Colour"),
        max_length=7,
        initial="#6c757d",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
