"""Forms of the catalogue pages: they parse what people type; the services check it.

Money and percentages are typed as text ("1 234,50") and parsed by the services,
so a page and the API give the same message for the same mistake. Form fields are
named after the model (`unit`); the services name errors after the API (`unit_id`),
and `ERROR_FIELDS` maps them back.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from crm.core.forms import StyledForm
from crm.customers.forms import CompanyPickerField, set_picker_choices, style_fields
from crm.customers.models import CompanyCategory
from crm.sales.models import Currency, PriceList, Product, ProductKind, Unit, VatRate
from crm.sales.models.catalogue import BARCODE_LENGTH
from crm.sales.selectors.catalogue import product_group_tree
from crm.sales.services.catalogue_images import ACCEPT

YES_NO = [("", _("any")), ("yes", _("yes")), ("no", _("no"))]
ERROR_FIELDS = {
    "group_id": "group",
    "unit_id": "unit",
    "vat_rate_id": "vat_rate",
    "parent_id": "parent",
    "product_id": "product",
    "product_group_id": "product_group",
    "company_id": "company",
    "company_category_id": "company_category",
    # A stale save is said above the form, not next to an invisible field.
    "version": None,
}
PRICE_PREFIX = "price_"


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def money_input(value) -> str:
    """A stored amount as the user's language writes it in a form field: its
    decimal separator, no grouping (a grouped "1,004.00" would read as a decimal
    comma in other languages)."""
    if value in (None, ""):
        return ""
    return str(value).replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))


class MoneyField(forms.CharField):
    """A number typed as text; the service parses and checks it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        return attrs


def group_choices(actor, empty_label="—") -> list[tuple[Any, str]]:
    """Groups in tree order, nested ones indented."""
    return [("", empty_label)] + [
        (group.pk, "\u2003" * depth + group.name)
        for group, depth in product_group_tree(actor=actor)
    ]


def _reference(model, label, current=None, required=False, empty_label="—"):
    queryset = model.objects.filter(Q(is_active=True) | Q(pk=current))
    return forms.ModelChoiceField(
        queryset=queryset, label=label, required=required, empty_label=empty_label
    )


class ProductPickerWidget(forms.Select):
    """A select of products filled by a search box (`sales:product-lookup`)."""

    template_name = "sales/catalogue/widgets/product_picker.html"


class ProductPickerField(forms.IntegerField):
    widget = ProductPickerWidget

    def widget_attrs(self, widget):
        return {}


def set_product_choices(form: forms.Form, name: str) -> None:
    """Offer the chosen product (submitted or initial) as the select's option."""
    field = form.fields[name]
    raw = form.data.get(form.add_prefix(name)) if form.is_bound else None
    if raw is None:
        raw = form.initial.get(name, field.initial)
    choices: list[tuple[Any, str]] = [("", "—")]
    if raw not in (None, "") and str(raw).isdigit():
        product = Product.objects.filter(pk=raw).only("pk", "name", "sku").first()
        if product is not None:
            label = f"{product.name} · {product.sku}" if product.sku else product.name
            choices.append((product.pk, label))
    field.widget.choices = choices


# --- products ---------------------------------------------------------------------------


class ProductForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ProductKind.choices)
    name = forms.CharField(label=_("Name"), max_length=300)
    sku = forms.CharField(label=_("SKU"), max_length=100, required=False)
    barcode = forms.CharField(
        label=_("Barcode"),
        max_length=BARCODE_LENGTH,
        required=False,
        help_text=_("EAN-13, EAN-8, UPC-A, ITF-14 or any other code."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    image = forms.FileField(
        label=_("Upload a picture"),
        required=False,
        help_text=_("JPEG, PNG, GIF or WebP."),
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )
    image_remove = forms.BooleanField(label=_("Remove the picture"), required=False)
    cost_price = MoneyField(
        label=_("Cost price"),
        help_text=_("What one unit costs us; the margin of sales is counted from it."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)
    external_id = forms.CharField(
        label=_("External ID"), max_length=100, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, actor, product: Product | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        product = product or Product()
        self.fields["group"] = forms.TypedChoiceField(
            label=_("Group"),
            choices=group_choices(actor),
            coerce=int,
            empty_value=None,
            required=False,
        )
        self.fields["unit"] = _reference(Unit, _("Unit"), product.unit_id)
        self.fields["vat_rate"] = _reference(
            VatRate, _("VAT rate"), product.vat_rate_id
        )
        self.price_lists = list(
            PriceList.objects.filter(Q(is_active=True) | Q(prices__product=product.pk))
            .distinct()
            .order_by("-is_default", "name", "pk")
        )
        for price_list in self.price_lists:
            self.fields[f"{PRICE_PREFIX}{price_list.pk}"] = MoneyField(
                label=_("%(name)s, %(currency)s")
                % {"name": price_list.name, "currency": price_list.currency},
                help_text=_("with VAT")
                if price_list.prices_include_vat
                else _("without VAT"),
            )
        style_fields(self)

    @property
    def price_fields(self) -> list:
        return [self[f"{PRICE_PREFIX}{p.pk}"] for p in self.price_lists]

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        result = {
            "kind": data["kind"],
            "name": data["name"],
            "sku": data.get("sku", ""),
            "barcode": data.get("barcode", ""),
            "cost_price": data.get("cost_price") or "0",
            "description": data.get("description", ""),
            "is_active": data.get("is_active", False),
            "external_id": data.get("external_id", ""),
            "group_id": data.get("group"),
            "unit_id": data["unit"].pk if data.get("unit") else None,
            "vat_rate_id": data["vat_rate"].pk if data.get("vat_rate") else None,
        }
        # A new file replaces the picture; the box removes it; neither keeps it.
        if data.get("image"):
            result["image"] = data["image"]
        elif data.get("image_remove"):
            result["image"] = ""
        return result

    def prices(self) -> dict[int, str]:
        return {
            price_list.pk: self.cleaned_data.get(f"{PRICE_PREFIX}{price_list.pk}", "")
            for price_list in self.price_lists
        }


def price_error_fields(form: ProductPricesForm | ProductForm) -> dict[str, str]:
    """`prices.<i>.price` of the service → the form's `price_<id>` field."""
    return {
        f"prices.{index}.price": f"{PRICE_PREFIX}{price_list.pk}"
        for index, price_list in enumerate(form.price_lists)
    }


class ProductPricesForm(StyledForm):
    """A product's price in every active price list (the product card)."""

    compact = True

    def __init__(self, *args, product: Product, **kwargs):
        super().__init__(*args, **kwargs)
        self.price_lists = list(
            PriceList.objects.filter(Q(is_active=True) | Q(prices__product=product.pk))
            .distinct()
            .order_by("-is_default", "name", "pk")
        )
        for price_list in self.price_lists:
            self.fields[f"{PRICE_PREFIX}{price_list.pk}"] = MoneyField(
                label=price_list.name,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )

    def prices(self) -> dict[int, str]:
        return {
            price_list.pk: self.cleaned_data.get(f"{PRICE_PREFIX}{price_list.pk}", "")
            for price_list in self.price_lists
        }

    def rows(self) -> list[tuple[PriceList, Any]]:
        return [(p, self[f"{PRICE_PREFIX}{p.pk}"]) for p in self.price_lists]


class ProductFilterForm(StyledForm):
    compact = True
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("Name, SKU, barcode"), "type": "search"}
        ),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("any")), *ProductKind.choices]
    )
    is_active = forms.ChoiceField(label=_("On sale"), required=False, choices=YES_NO)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"] = forms.TypedChoiceField(
            label=_("Group"),
            choices=group_choices(actor, empty_label=_("any")),
            coerce=int,
            empty_value=None,
            required=False,
        )
        self.fields["price_list"] = forms.ModelChoiceField(
            label=_("Priced in"),
            queryset=PriceList.objects.all(),
            required=False,
            empty_label=_("any"),
        )
        style_fields(self)
        self.order_fields(["q", "group", "kind", "is_active", "price_list"])
        if self.is_bound:
            self.full_clean()

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data.get("q"),
            "group": data.get("group"),
            "kind": data.get("kind"),
            "is_active": _yes_no(data.get("is_active")),
            "price_list": data.get("price_list"),
        }


class ProductGroupForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    external_id = forms.CharField(
        label=_("External ID"), max_length=100, required=False
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"] = forms.TypedChoiceField(
            label=_("Inside the group"),
            choices=group_choices(actor, empty_label=_("— at the top —")),
            coerce=int,
            empty_value=None,
            required=False,
        )
        style_fields(self)
        self.order_fields(["name", "parent", "external_id"])

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "parent_id": data.get("parent"),
            "external_id": data.get("external_id", ""),
        }


# --- price lists ------------------------------------------------------------------------


class PriceListForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    prices_include_vat = forms.BooleanField(
        label=_("Prices include VAT"), required=False, initial=True
    )
    is_default = forms.BooleanField(label=_("Default for new deals"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    external_id = forms.CharField(
        label=_("External ID"), max_length=100, required=False
    )


class PriceCellForm(StyledForm):
    """One price typed in a price list's table."""

    price = MoneyField(label=_("Price"))


class PriceListTableFilterForm(StyledForm):
    compact = True
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name, SKU"), "type": "search"}),
    )
    priced = forms.ChoiceField(label=_("Has a price"), required=False, choices=YES_NO)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"] = forms.TypedChoiceField(
            label=_("Group"),
            choices=group_choices(actor, empty_label=_("any")),
            coerce=int,
            empty_value=None,
            required=False,
        )
        style_fields(self)
        if self.is_bound:
            self.full_clean()

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data.get("q"),
            "group": data.get("group"),
            "priced": _yes_no(data.get("priced")),
        }


# --- discounts --------------------------------------------------------------------------


class DiscountForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    percent = MoneyField(label=_("Discount, %"), required=True)
    product = ProductPickerField(label=_("Product"), required=False)
    company = CompanyPickerField(label=_("Client"), required=False)
    min_quantity = MoneyField(
        label=_("From quantity"),
        help_text=_("The discount applies from this quantity on a line."),
    )
    valid_from = forms.DateField(
        label=_("Valid from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    valid_to = forms.DateField(
        label=_("Valid to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, actor, discount=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_group"] = forms.TypedChoiceField(
            label=_("Product group"),
            choices=group_choices(actor),
            coerce=int,
            empty_value=None,
            required=False,
            help_text=_("With its nested groups."),
        )
        self.fields["company_category"] = _reference(
            CompanyCategory,
            _("Client category"),
            discount.company_category_id if discount else None,
        )
        style_fields(self)
        self.order_fields(
            [
                "name",
                "percent",
                "product",
                "product_group",
                "company",
                "company_category",
                "min_quantity",
                "valid_from",
                "valid_to",
                "is_active",
            ]
        )
        set_product_choices(self, "product")
        set_picker_choices(
            self, "company", actor, keep_id=discount.company_id if discount else None
        )

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        category = data.get("company_category")
        return {
            "name": data["name"],
            "percent": data.get("percent"),
            "product_id": data.get("product"),
            "product_group_id": data.get("product_group"),
            "company_id": data.get("company"),
            "company_category_id": category.pk if category else None,
            "min_quantity": data.get("min_quantity") or "0",
            "valid_from": data.get("valid_from"),
            "valid_to": data.get("valid_to"),
            "is_active": data.get("is_active", False),
        }


class DiscountFilterForm(StyledForm):
    compact = True
    is_active = forms.ChoiceField(label=_("Active"), required=False, choices=YES_NO)

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        return {"is_active": _yes_no(self.cleaned_data.get("is_active"))}


# --- units and VAT rates ----------------------------------------------------------------


class UnitForm(StyledForm):
    name_ru = forms.CharField(label=_("Name (Russian)"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    short_name = forms.CharField(label=_("Abbreviation"), max_length=20)
    okei_code = forms.CharField(
        label=_("OKEI code"),
        max_length=3,
        required=False,
        help_text=_("The code of the all-Russian classifier of units, like 796."),
    )
    position = forms.IntegerField(label=_("Order"), min_value=0, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["position"] = data.get("position") or 0
        return data


class VatRateForm(StyledForm):
    name_ru = forms.CharField(label=_("Name (Russian)"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    rate = MoneyField(
        label=_("Rate, %"),
        help_text=_("Leave it empty for “without VAT” (не облагается)."),
    )
    is_default = forms.BooleanField(label=_("Default for new products"), required=False)
    position = forms.IntegerField(label=_("Order"), min_value=0, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["position"] = data.get("position") or 0
        data["rate"] = data.get("rate") or None
        return data
