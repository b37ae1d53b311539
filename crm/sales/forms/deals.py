"""Forms of the deal pages: the deal, its lines and participants, a stage move, an
approval decision, list filters, and the settings of pipelines, stages, reasons for
losing and discount limits.

Forms only parse; the services check and write (and name the field of a mistake).
Companies, contacts and products are chosen with a search box that fills a select,
because a million rows do not fit in a drop-down.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.activities.forms import ClientPicker
from crm.core import visibility
from crm.core.forms import StyledForm
from crm.customers.models import Company, Contact, Source
from crm.sales.models import (
    Currency,
    DealStatus,
    LostReason,
    ParticipantSide,
    Pipeline,
    PriceList,
    Product,
    Stage,
    StageKind,
    VatRate,
)

DATE_INPUT = {"type": "date"}


def _date_field(label, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
    )


def _client_field(actor, entity: str, label) -> forms.ModelChoiceField:
    model = Company if entity == "company" else Contact
    return forms.ModelChoiceField(
        label=label,
        required=False,
        queryset=visibility.visible(model.objects.all(), actor),
        widget=ClientPicker(entity),
    )


def _users(label, required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        required=required,
        queryset=get_user_model().objects.filter(is_active=True),
    )


class StageChoiceField(forms.ModelChoiceField):
    """Stages labelled with their pipeline when several pipelines are offered."""

    def label_from_instance(self, obj):
        return f"{obj.pipeline.name} — {obj.name}"


class ProductPicker(forms.Select):
    """A select holding the chosen product, filled with matches by a search box."""

    template_name = "sales/deals/widgets/product_picker.html"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs)
        self.lookup_url = ""

    def optgroups(self, name, value, attrs=None):
        chosen = [v for v in value if v]
        queryset = getattr(self.choices, "queryset", None)
        options = [self.create_option(name, "", "—", not chosen, 0)]
        if chosen and queryset is not None:
            for index, obj in enumerate(queryset.filter(pk__in=chosen)[:1], start=1):
                options.append(self.create_option(name, obj.pk, str(obj), True, index))
        return [(None, options, 0)]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["lookup_url"] = self.lookup_url
        context["widget"]["lookup_name"] = f"{name}_lookup"
        return context


class DealForm(StyledForm):
    """A deal's own fields; the stage is chosen only when a deal is opened (later it
    moves on the board or by the move form of the card)."""

    title = forms.CharField(label=_("Title"), max_length=300)
    company = forms.ModelChoiceField(queryset=Company.objects.none(), required=False)
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False)
    owner = _users(_("Responsible"))
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.objects.none()
    )
    stage = StageChoiceField(
        label=_("Stage"), queryset=Stage.objects.none(), required=False
    )
    price_list = forms.ModelChoiceField(
        label=_("Price list"), queryset=PriceList.objects.none(), required=False
    )
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=Currency.choices,
        help_text=_("The price list's, when one is chosen."),
    )
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        min_value=0,
        max_digits=18,
        decimal_places=2,
        localize=True,
        help_text=_("Typed only while the deal has no lines: then it is their total."),
    )
    probability = forms.IntegerField(
        label=_("Probability, %"), required=False, min_value=0, max_value=100
    )
    expected_close_date = _date_field(_("Expected close date"))
    source = forms.ModelChoiceField(
        label=_("Source"), queryset=Source.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, actor, deal=None, has_lines: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"] = _client_field(actor, "company", _("Company"))
        self.fields["contact"] = _client_field(actor, "contact", _("Contact"))
        pipelines = Pipeline.objects.filter(is_active=True)
        if deal is not None:
            pipelines = Pipeline.objects.filter(
                is_active=True
            ) | Pipeline.objects.filter(pk=deal.pipeline_id)
        self.fields["pipeline"].queryset = pipelines.distinct()
        self.fields["stage"].queryset = Stage.objects.filter(
            pipeline__is_active=True
        ).select_related("pipeline")
        price_lists = PriceList.objects.filter(is_active=True)
        if deal is not None and deal.price_list_id:
            price_lists = price_lists | PriceList.objects.filter(pk=deal.price_list_id)
        self.fields["price_list"].queryset = price_lists.distinct()
        self.fields["source"].queryset = Source.objects.filter(is_active=True)
        if deal is not None:
            del self.fields["stage"]
        if has_lines:
            self.fields["amount"].disabled = True

    def service_data(self) -> dict:
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("version",) and not self.fields[name].disabled
        }
        if data.get("probability") is None:
            data.pop("probability", None)
        if data.get("stage") is None:
            data.pop("stage", None)
        if data.get("amount") is None:
            data.pop("amount", None)
        if data.get("price_list") is not None:
            # The deal is priced in its price list's currency.
            data.pop("currency", None)
        return data


class DealLineForm(StyledForm):
    """A line of the composition; leave the price empty to take the price list's."""

    compact = True

    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.none(),
        required=False,
        widget=ProductPicker(),
    )
    name = forms.CharField(label=_("Name"), max_length=300, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=20, decimal_places=6, localize=True
    )
    price = forms.DecimalField(
        label=_("Price"),
        required=False,
        max_digits=24,
        decimal_places=6,
        localize=True,
        help_text=_("Empty: the price list's price."),
    )
    discount_percent = forms.DecimalField(
        label=_("Discount, %"),
        required=False,
        max_digits=12,
        decimal_places=6,
        localize=True,
    )
    vat_rate = forms.ModelChoiceField(
        label=_("VAT"), queryset=VatRate.objects.none(), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, deal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.all()
        picker = self.fields["product"].widget
        assert isinstance(picker, ProductPicker)
        picker.lookup_url = reverse("sales:deal-product-options", args=[deal.pk])
        self.fields["vat_rate"].queryset = VatRate.objects.filter(is_active=True)
        self.fields["vat_rate"].empty_label = _("The product's")
        # Figures are checked by the service, which names the field in its message.
        for name in ("quantity", "price", "discount_percent"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"

    def service_data(self, *, editing: bool = False) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if data.get("vat_rate") is None:
            data.pop("vat_rate", None)
        if not editing:
            if data.get("product") is None:
                data.pop("product", None)
            if not data.get("name"):
                data.pop("name", None)
        elif data.get("product") is None and not self.data.get(
            self.add_prefix("product")
        ):
            data.pop("product", None)
        if data.get("discount_percent") is None:
            data["discount_percent"] = 0
        return data


class DealParticipantForm(StyledForm):
    """Someone who takes part: a client's contact, our member of staff, or a
    partner's contact with the partner company."""

    compact = True

    side = forms.ChoiceField(label=_("Side"), choices=ParticipantSide.choices)
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False)
    user = _users(_("Member of staff"), required=False)
    company = forms.ModelChoiceField(queryset=Company.objects.none(), required=False)
    role = forms.CharField(label=_("Role in the deal"), max_length=200, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"] = _client_field(actor, "contact", _("Contact"))
        self.fields["company"] = _client_field(actor, "company", _("Partner company"))
        for name in ("contact", "company"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
            self.fields[name].widget.attrs["id"] = f"participant_{name}"

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        side = data["side"]
        if side == ParticipantSide.OURS:
            data.pop("contact", None)
            data.pop("company", None)
        else:
            data.pop("user", None)
            if side != ParticipantSide.PARTNER:
                data.pop("company", None)
        return data


class DealMoveForm(StyledForm):
    """A move to another stage; a lost stage asks the reason."""

    compact = True

    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.none())
    lost_reason = forms.ModelChoiceField(
        label=_("Reason for losing"),
        queryset=LostReason.objects.none(),
        required=False,
    )
    lost_comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, pipeline, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.filter(pipeline=pipeline)
        self.fields["lost_reason"].queryset = LostReason.objects.filter(is_active=True)


class ApprovalDecisionForm(StyledForm):
    compact = True

    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ApprovalRequestForm(StyledForm):
    compact = True

    comment = forms.CharField(
        label=_("Why this discount"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DealFilterForm(StyledForm):
    """Filters of the deal list."""

    compact = True

    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), *DealStatus.choices],
    )
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.objects.none(), required=False
    )
    owner = _users(_("Responsible"), required=False)
    stage = StageChoiceField(
        label=_("Stage"), queryset=Stage.objects.none(), required=False
    )
    company = forms.ModelChoiceField(queryset=Company.objects.none(), required=False)
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False)
    expected_from = _date_field(_("Expected from"))
    expected_to = _date_field(_("Expected to"))
    amount_min = forms.DecimalField(
        label=_("Amount from"), required=False, min_value=0, localize=True
    )
    amount_max = forms.DecimalField(
        label=_("Amount to"), required=False, min_value=0, localize=True
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pipeline"].queryset = Pipeline.objects.all()
        self.fields["pipeline"].empty_label = _("Any")
        self.fields["stage"].queryset = Stage.objects.select_related("pipeline")
        self.fields["stage"].empty_label = _("Any")
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.empty_label = _("Anyone")
        self.fields["company"] = _client_field(actor, "company", _("Company"))
        self.fields["contact"] = _client_field(actor, "contact", _("Contact"))
        for name in ("company", "contact"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def filters(self) -> dict:
        """The selector's filters from the valid fields; invalid ones are left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: value
            for name, value in getattr(self, "cleaned_data", {}).items()
            if value not in (None, "") and name not in self.errors
        }


class BoardFilterForm(StyledForm):
    compact = True

    q = forms.CharField(label=_("Search"), required=False)
    owner = _users(_("Responsible"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.empty_label = _("Anyone")

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


# --- settings -------------------------------------------------------------------------


class PipelineForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    is_default = forms.BooleanField(
        label=_("Default: new deals go here"), required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class StageForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    probability = forms.IntegerField(
        label=_("Probability, %"), min_value=0, max_value=100, initial=10
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=StageKind.choices)


class LostReasonForm(StyledForm):
    name_en = forms.CharField(
        label=_("Name in English"), max_length=200, required=False
    )
    name_ru = forms.CharField(
        label=_("Name in Russian"), max_length=200, required=False
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class DiscountLimitsForm(StyledForm):
    """The largest discount without approval, one field per role."""

    def __init__(self, *args, limits: dict[str, object], **kwargs):
        super().__init__(*args, **kwargs)
        for role, label in visibility.Role.choices:
            self.fields[role] = forms.DecimalField(
                label=label,
                min_value=0,
                max_value=100,
                decimal_places=2,
                localize=True,
                initial=limits.get(role, 0),
            )

    def limits(self) -> dict:
        return dict(self.cleaned_data)
