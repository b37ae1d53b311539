"""Forms of documents: our requisites, issuing, statuses, payments, letters,
recorded sales, and the filters of the lists and the margin report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core.forms import StyledForm
from crm.sales.models import InvoiceStatus, OrderStatus, ProposalStatus
from crm.sales.selectors.documents import MARGIN_GROUPS

STATUSES = {
    "proposal": ProposalStatus,
    "order": OrderStatus,
    "invoice": InvoiceStatus,
}


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


class OwnCompanyForm(StyledForm):
    """Our requisites; the service checks INN, KPP, OGRN, BIK and accounts."""

    name = forms.CharField(label=_("Short name"), max_length=300)
    full_name = forms.CharField(
        label=_("Full legal name"), max_length=500, required=False
    )
    inn = forms.CharField(label=_("INN"), max_length=20, required=False)
    kpp = forms.CharField(label=_("KPP"), max_length=20, required=False)
    ogrn = forms.CharField(label=_("OGRN"), max_length=20, required=False)
    address = forms.CharField(
        label=_("Legal address"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    bank_name = forms.CharField(label=_("Bank"), max_length=300, required=False)
    bik = forms.CharField(label=_("BIK"), max_length=20, required=False)
    bank_account = forms.CharField(
        label=_("Settlement account"), max_length=30, required=False
    )
    correspondent_account = forms.CharField(
        label=_("Correspondent account"), max_length=30, required=False
    )
    director = forms.CharField(
        label=_("Director (signs documents)"), max_length=200, required=False
    )
    accountant = forms.CharField(
        label=_("Chief accountant"), max_length=200, required=False
    )
    is_vat_payer = forms.BooleanField(label=_("Pays VAT"), required=False)
    is_default = forms.BooleanField(
        label=_("Issue documents with these requisites by default"), required=False
    )

    @staticmethod
    def initial_of(own) -> dict[str, Any]:
        return {name: getattr(own, name) for name in OwnCompanyForm.base_fields}


class ProposalIssueForm(StyledForm):
    compact = True
    date = _date_field(_("Date"), required=False)
    valid_until = _date_field(_("Valid until"), required=False)


class OrderIssueForm(StyledForm):
    compact = True
    date = _date_field(_("Date"), required=False)


class InvoiceIssueForm(StyledForm):
    compact = True
    date = _date_field(_("Date"), required=False)
    due_date = _date_field(_("Pay by"), required=False)
    order = forms.TypedChoiceField(
        label=_("From order"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, orders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.orders = {order.pk: order for order in orders}
        order_field = self.fields["order"]
        assert isinstance(order_field, forms.ChoiceField)
        order_field.choices = [
            ("", _("the deal's composition")),
            *[(order.pk, str(order)) for order in orders],
        ]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["order"] = self.orders.get(data.get("order"))
        return data


ISSUE_FORMS = {
    "proposal": ProposalIssueForm,
    "order": OrderIssueForm,
    "invoice": InvoiceIssueForm,
}


class PaymentForm(StyledForm):
    compact = True
    date = _date_field(_("Date"))
    amount = forms.CharField(label=_("Amount"), max_length=30)
    reference = forms.CharField(
        label=_("Payment order No."), max_length=100, required=False
    )
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class SendForm(StyledForm):
    to = forms.CharField(
        label=pgettext_lazy("e-mail recipient", "To"),
        max_length=1000,
        help_text=_("Several addresses may be separated by commas."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=300)
    message = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )


class SaleForm(StyledForm):
    compact = True
    date = _date_field(_("Date of the sale"), required=False)


class DocumentFilterForm(StyledForm):
    """Filters of a list of proposals, orders or invoices."""

    compact = True
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "placeholder": _("Number or client"),
            }
        ),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    date_from = _date_field(_("From"), required=False)
    date_to = _date_field(_("To"), required=False)
    # Set from a client's card ("all orders of this client").
    company = forms.IntegerField(required=False, widget=forms.HiddenInput)
    deal = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = [("", _("any")), *STATUSES[kind].choices]
        manager = forms.ModelChoiceField(
            queryset=get_user_model().objects.filter(is_active=True),
            label=_("Manager"),
            required=False,
            empty_label=_("any"),
        )
        manager.widget.attrs["class"] = "form-select form-select-sm"
        self.fields["manager"] = manager
        if kind == "invoice":
            for name, label in (("unpaid", _("Unpaid")), ("overdue", _("Overdue"))):
                field = forms.BooleanField(label=label, required=False)
                field.widget.attrs["class"] = "form-check-input"
                self.fields[name] = field
        if self.is_bound:
            self.full_clean()

    def filters(self) -> dict[str, Any]:
        """What the selector gets; a field with a bad value filters nothing."""
        data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        return {name: data.get(name) for name in self.fields}


class MarginFilterForm(StyledForm):
    compact = True
    date_from = _date_field(_("From"), required=False)
    date_to = _date_field(_("To"), required=False)
    group_by = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=[
            ("manager", _("manager")),
            ("company", _("client")),
            ("deal", _("deal")),
        ],
    )

    def filters(self) -> dict[str, Any]:
        data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        return {"date_from": data.get("date_from"), "date_to": data.get("date_to")}

    def group(self) -> str:
        data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        group = data.get("group_by") or "manager"
        return group if group in MARGIN_GROUPS else "manager"
