"""Forms of the lead pages: they parse what people type; the services check it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.core.forms import StyledForm
from crm.customers.forms import CompanyPickerField, set_picker_choices, style_fields
from crm.customers.models import Industry, Source
from crm.sales.forms.catalogue import MoneyField
from crm.sales.models import AssignmentKind, Currency, LeadStatus, Pipeline

ERROR_FIELDS = {
    "industry_id": "industry",
    "source_id": "source",
    "owner_id": "owner",
    "team_id": "team",
    "assignee_id": "assignee",
    "company_id": "company_choice",
    "contact_id": "contact_choice",
    "version": None,
}
# The largest CSV file a page accepts; bigger imports belong to the integrations.
IMPORT_MAX_BYTES = 5 * 1024 * 1024


def _reference(model, label, current=None, empty_label="—"):
    return forms.ModelChoiceField(
        queryset=model.objects.filter(Q(is_active=True) | Q(pk=current)),
        label=label,
        required=False,
        empty_label=empty_label,
    )


def _users(current=None):
    return get_user_model().objects.filter(Q(is_active=True) | Q(pk=current))


def _pk(value) -> Any:
    return value.pk if value is not None else None


class LeadForm(StyledForm):
    title = forms.CharField(
        label=_("What they need"),
        max_length=300,
        required=False,
        help_text=_("Left empty, the lead is named after the company or the person."),
    )
    company_name = forms.CharField(label=_("Company"), max_length=300, required=False)
    inn = forms.CharField(label=_("INN"), max_length=20, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    middle_name = forms.CharField(
        label=_("Middle name"), max_length=100, required=False
    )
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    description = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, lead=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.fields["industry"] = _reference(
            Industry, _("Industry"), getattr(lead, "industry_id", None)
        )
        self.fields["source"] = _reference(
            Source, _("Source"), getattr(lead, "source_id", None)
        )
        self.fields["owner"] = forms.ModelChoiceField(
            queryset=_users(getattr(lead, "owner_id", None)),
            label=_("Curator"),
            required=lead is not None,
            empty_label=_("— by the assignment rules —") if lead is None else "—",
        )
        style_fields(self)

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        result = {
            name: data.get(name, "")
            for name in (
                "title",
                "company_name",
                "inn",
                "last_name",
                "first_name",
                "middle_name",
                "job_title",
                "email",
                "phone",
                "region",
                "description",
            )
        }
        result["industry_id"] = _pk(data.get("industry"))
        result["source_id"] = _pk(data.get("source"))
        if data.get("owner") is not None or self.lead is not None:
            result["owner_id"] = _pk(data.get("owner"))
        return result


class LeadFilterForm(StyledForm):
    compact = True
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("Need, company, name, e-mail, phone"),
                "type": "search",
            }
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("any")), *LeadStatus.choices]
    )
    region = forms.CharField(label=_("Region"), required=False, max_length=100)
    created_from = forms.DateField(
        label=_("Created from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    created_to = forms.DateField(
        label=_("Created to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = [
            (str(user.pk), str(user))
            for user in get_user_model().objects.filter(is_active=True)
        ]
        self.fields["owner"] = forms.ChoiceField(
            label=_("Curator"),
            required=False,
            choices=[("", _("any")), ("none", _("nobody yet")), *users],
        )
        self.fields["source"] = forms.ModelChoiceField(
            queryset=Source.objects.filter(is_active=True),
            label=_("Source"),
            required=False,
            empty_label=_("any"),
        )
        style_fields(self)
        self.order_fields(
            ["q", "status", "owner", "source", "region", "created_from", "created_to"]
        )
        if self.is_bound:
            self.full_clean()

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        owner: Any = data.get("owner") or None
        return {
            "q": data.get("q"),
            "status": data.get("status"),
            "owner": owner if owner in (None, "none") else int(owner),
            "source": data.get("source"),
            "region": data.get("region"),
            "created_from": data.get("created_from"),
            "created_to": data.get("created_to"),
        }


class LeadRejectForm(StyledForm):
    reason = forms.CharField(
        label=_("Why is it rejected?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class LeadAssignForm(StyledForm):
    compact = True

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = forms.ModelChoiceField(
            queryset=get_user_model().objects.filter(is_active=True),
            label=_("Give it to"),
            initial=current,
        )
        style_fields(self)


NEW, NONE, OTHER = "new", "none", "other"


class LeadConvertForm(StyledForm):
    """What a lead becomes: a new or an existing company and contact, and a deal.

    The choices of "link to this one instead" are the similar records found; any
    other company is chosen with the company picker.
    """

    company = CompanyPickerField(label=_("Another company"), required=False)
    create_deal = forms.BooleanField(
        label=_("Open a deal"), required=False, initial=True
    )
    deal_title = forms.CharField(label=_("Deal"), max_length=300, required=False)
    deal_amount = MoneyField(label=_("Amount"))
    deal_currency = forms.ChoiceField(
        label=_("Currency"), choices=Currency.choices, required=False
    )

    def __init__(self, *args, actor, lead, similar, **kwargs):
        super().__init__(*args, **kwargs)
        company_choices = [(str(m.obj.pk), m.obj.name) for m in similar.companies]
        if lead.company_name:
            company_choices.insert(0, (NEW, _("A new company")))
        company_choices += [(OTHER, _("Another company")), (NONE, _("No company"))]
        self.fields["company_choice"] = forms.ChoiceField(
            label=_("Company"),
            choices=company_choices,
            widget=forms.RadioSelect,
            initial=company_choices[0][0],
        )
        contact_choices = [(str(m.obj.pk), m.obj.full_name) for m in similar.contacts]
        if lead.first_name:
            contact_choices.insert(0, (NEW, _("A new contact")))
        contact_choices.append((NONE, _("No contact")))
        self.fields["contact_choice"] = forms.ChoiceField(
            label=_("Contact"),
            choices=contact_choices,
            widget=forms.RadioSelect,
            initial=contact_choices[0][0],
        )
        self.fields["pipeline"] = forms.ModelChoiceField(
            queryset=Pipeline.objects.filter(is_active=True),
            label=_("Pipeline"),
            required=False,
            empty_label=None,
            initial=Pipeline.objects.filter(is_active=True, is_default=True).first(),
        )
        style_fields(self)
        for name in ("company_choice", "contact_choice"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        set_picker_choices(self, "company", actor)

    def clean(self):
        data = super().clean() or {}
        if data.get("company_choice") == OTHER and not data.get("company"):
            self.add_error("company", _("Find and choose the company."))
        return data

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        company_choice = data["company_choice"]
        contact_choice = data["contact_choice"]
        result: dict[str, Any] = {
            "create_company": company_choice == NEW,
            "create_contact": contact_choice == NEW,
            "create_deal": data.get("create_deal", False),
            "deal_title": data.get("deal_title", ""),
            "deal_amount": data.get("deal_amount") or None,
            "deal_currency": data.get("deal_currency") or "",
            "pipeline": data.get("pipeline"),
        }
        if company_choice == OTHER:
            result["company"] = data.get("company")
        elif company_choice not in (NEW, NONE):
            result["company"] = int(company_choice)
        if contact_choice not in (NEW, NONE):
            result["contact"] = int(contact_choice)
        return result


class LeadImportForm(StyledForm):
    file = forms.FileField(
        label=_("CSV file"),
        required=False,
        help_text=_(
            "The first row names the columns: title, company, INN, last name, "
            "first name, e-mail, phone, region, source (in English or Russian). "
            "Comma or semicolon separated, UTF-8 or Windows-1251."
        ),
    )
    # The checked file travels back with the confirmation, so nothing is stored
    # on the server between the preview and the import.
    content = forms.CharField(widget=forms.HiddenInput, required=False)
    filename = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB: split it.")
                % {"size": IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload

    def clean(self):
        data = super().clean() or {}
        if not data.get("file") and not data.get("content") and not self.errors:
            self.add_error("file", _("Choose a CSV file."))
        return data

    def content_bytes(self) -> bytes | str:
        upload = self.cleaned_data.get("file")
        if upload is not None:
            return upload.read()
        return self.cleaned_data.get("content", "")


class AssignmentRuleForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=AssignmentKind.choices, widget=forms.RadioSelect
    )
    position = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        required=False,
        help_text=_("Rules are tried from the smallest number; the first match wins."),
    )
    region = forms.CharField(
        label=_("Region"),
        max_length=100,
        required=False,
        help_text=_("For a rule by region; for a team, only leads of this region."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, rule=None, **kwargs):
        from crm.accounts.models import Team

        super().__init__(*args, **kwargs)
        self.fields["team"] = forms.ModelChoiceField(
            queryset=Team.objects.all(),
            label=_("Team (members take turns)"),
            required=False,
            empty_label="—",
        )
        self.fields["industry"] = _reference(
            Industry, _("Industry"), getattr(rule, "industry_id", None)
        )
        self.fields["assignee"] = forms.ModelChoiceField(
            queryset=_users(getattr(rule, "assignee_id", None)),
            label=_("Person who gets the leads"),
            required=False,
            empty_label="—",
        )
        style_fields(self)
        self.fields["kind"].widget.attrs["class"] = "form-check-input"
        self.order_fields(
            ["name", "kind", "region", "industry", "assignee", "team", "position"]
        )

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        result = {
            "name": data["name"],
            "kind": data["kind"],
            "region": data.get("region", ""),
            "is_active": data.get("is_active", False),
            "team_id": _pk(data.get("team")),
            "industry_id": _pk(data.get("industry")),
            "assignee_id": _pk(data.get("assignee")),
        }
        if data.get("position") is not None:
            result["position"] = data["position"]
        return result
