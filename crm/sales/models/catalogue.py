"""The catalogue (номенклатура): products and services, units, VAT rates, price lists
with prices per item, and discounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.core.models import Record, ReferenceItem
from crm.core.search import search_text

MONEY = {"max_digits": 18, "decimal_places": 2}
QUANTITY = {"max_digits": 14, "decimal_places": 3}
PERCENT = {"max_digits": 5, "decimal_places": 2}


class Currency(models.TextChoices):
    RUB = "RUB", _("Russian rouble")
    USD = "USD", _("US dollar")
    EUR = "EUR", _("Euro")
    CNY = "CNY", _("Chinese yuan")
    KZT = "KZT", _("Kazakh tenge")
    BYN = "BYN", _("Belarusian rouble")


class Unit(ReferenceItem):
    """A unit of measure (шт, кг, ч…) with its OKEI code for documents and 1C."""

    short_name = models.CharField(_("abbreviation"), max_length=20)
    okei_code = models.CharField(_("OKEI code"), max_length=3, blank=True)

    class Meta(ReferenceItem.Meta):
        verbose_name = _("unit")
        verbose_name_plural = _("units")


class VatRate(ReferenceItem):
    """A VAT rate; `rate` None means "without VAT" (не облагается)."""

    rate = models.DecimalField(_("rate, %"), null=True, blank=True, **PERCENT)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta(ReferenceItem.Meta):
        verbose_name = _("VAT rate")
        verbose_name_plural = _("VAT rates")


class ProductGroup(models.Model):
    """A folder of the catalogue; groups nest (as in 1C)."""

    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    external_id = models.CharField(_("external ID"), max_length=100, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="product_group_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProductKind(models.TextChoices):
    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service")


BARCODE_LENGTH = 64


def normal_barcode(value: Any) -> str:
    """A barcode as it is stored and looked up: trimmed, and the digits printed in
    groups under the bars ("4 600000 000008") joined; other codes stay as typed."""
    text = "" if value is None else str(value).strip()
    compact = "".join(text.split())
    return compact if is_digits(compact) else text


def is_digits(text: str) -> bool:
    # str.isdigit() alone takes "²" and the digits of other scripts.
    return text.isascii() and text.isdigit()


class Product(Record):
    """A product or a service that we sell."""

    # The moment of a stock report moves with every exchange: not worth a history.
    audit_exclude = (*Record.audit_exclude, "stock_updated_at")

    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=ProductKind.choices,
        default=ProductKind.PRODUCT,
    )
    name = models.CharField(_("name"), max_length=300)
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    # EAN/UPC/ITF digits or a Code 128 text. Not unique: 1C lets items share one.
    barcode = models.CharField(_("barcode"), max_length=BARCODE_LENGTH, blank=True)
    group = models.ForeignKey(
        ProductGroup,
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT
    )
    vat_rate = models.ForeignKey(
        VatRate,
        verbose_name=_("VAT rate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    # What one unit costs us: recorded sales take it to compute the margin.
    cost_price = models.DecimalField(_("cost price"), default=Decimal("0"), **MONEY)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    external_id = models.CharField(_("external ID"), max_length=100, blank=True)
    # What the warehouses hold as 1C last reported it (offers' Количество); null
    # when unknown. `stock_updated_at` is the moment of that report.
    stock = models.DecimalField(_("in stock"), null=True, blank=True, **QUANTITY)
    stock_updated_at = models.DateTimeField(
        _("stock as of"), null=True, blank=True, editable=False
    )
    image = models.FileField(
        _("image"), upload_to="products/", blank=True, max_length=300
    )
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("catalogue")
        indexes = [
            models.Index(fields=["name", "id"], name="product_name_idx"),
            models.Index(fields=["sku"], name="product_sku_idx"),
            models.Index(fields=["barcode"], name="product_barcode_idx"),
            models.Index(fields=["group", "name"], name="product_group_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="product_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:product-detail", args=[self.pk])

    def build_search_text(self) -> str:
        return search_text(texts=[self.name, self.sku, self.barcode, self.external_id])

    @property
    def image_url(self) -> str:
        """Where the card shows the image ("" without one); served by a view that
        checks the reader may see the product."""
        if not self.image:
            return ""
        return reverse("sales:product-image", args=[self.pk])


class PriceList(models.Model):
    """A named list of prices in one currency (retail, dealer, export…)."""

    name = models.CharField(_("name"), max_length=200)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.RUB
    )
    # Prices include VAT (as usual for Russian retail) or come on top of it.
    prices_include_vat = models.BooleanField(_("prices include VAT"), default=True)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    external_id = models.CharField(_("external ID"), max_length=100, blank=True)

    class Meta:
        ordering = ["-is_default", "name", "id"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class Price(models.Model):
    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="prices"
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="prices"
    )
    price = models.DecimalField(_("price"), **MONEY)

    class Meta:
        ordering = ["price_list", "product"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product"], name="price_unique"
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0), name="price_not_negative"
            ),
        ]
        verbose_name = _("price")
        verbose_name_plural = _("prices")

    def __str__(self) -> str:
        return f"{self.product}: {self.price} {self.price_list.currency}"


class Discount(models.Model):
    """A standing discount: for a product or group, a client or client category,
    from a quantity, within dates. The best matching one is offered on a deal line."""

    name = models.CharField(_("name"), max_length=200)
    percent = models.DecimalField(_("discount, %"), **PERCENT)
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    product_group = models.ForeignKey(
        ProductGroup,
        verbose_name=_("product group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("client"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    company_category = models.ForeignKey(
        "customers.CompanyCategory",
        verbose_name=_("client category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    min_quantity = models.DecimalField(
        _("from quantity"), default=Decimal("0"), **QUANTITY
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("discount")
        verbose_name_plural = _("discounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100),
                name="discount_percent_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.percent} %)"
