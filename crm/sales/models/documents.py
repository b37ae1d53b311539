"""Documents of a sale — proposal (КП), order, invoice (счёт) — their numbering,
payments, recorded sales (реализация) with cost, and our own requisites."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.sales.models.catalogue import MONEY, PERCENT, QUANTITY, Currency


class OwnCompany(models.Model):
    """Our legal entity as it appears on documents (several are allowed)."""

    name = models.CharField(_("name"), max_length=300)
    full_name = models.CharField(_("full legal name"), max_length=500, blank=True)
    inn = models.CharField(_("INN"), max_length=12, blank=True)
    kpp = models.CharField(_("KPP"), max_length=9, blank=True)
    ogrn = models.CharField(_("OGRN"), max_length=15, blank=True)
    address = models.TextField(_("legal address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    bank_name = models.CharField(_("bank"), max_length=300, blank=True)
    bik = models.CharField(_("BIK"), max_length=9, blank=True)
    bank_account = models.CharField(_("settlement account"), max_length=20, blank=True)
    correspondent_account = models.CharField(
        _("correspondent account"), max_length=20, blank=True
    )
    director = models.CharField(_("director"), max_length=200, blank=True)
    accountant = models.CharField(_("chief accountant"), max_length=200, blank=True)
    is_vat_payer = models.BooleanField(_("pays VAT"), default=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("our company")
        verbose_name_plural = _("our companies")

    def __str__(self) -> str:
        return self.name


class NumberSequence(models.Model):
    """The last number given to a kind of document in a year. Taken under a row lock
    in the document's own transaction, so numbers have no gaps and no repeats."""

    kind = models.CharField(max_length=20)
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year"], name="number_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last_number}"


class SalesDocument(models.Model):
    """What a proposal, an order and an invoice share: number, date, parties, money."""

    number = models.PositiveIntegerField(_("number"), editable=False)
    year = models.PositiveIntegerField(editable=False)
    date = models.DateField(_("date"), default=timezone.localdate)
    deal = models.ForeignKey(
        "sales.Deal", verbose_name=_("deal"), on_delete=models.PROTECT, related_name="+"
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("client"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    own_company = models.ForeignKey(
        OwnCompany, verbose_name=_("our company"), null=True, on_delete=models.PROTECT
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.RUB
    )
    net_amount = models.DecimalField(_("without VAT"), default=Decimal("0"), **MONEY)
    vat_amount = models.DecimalField(_("VAT"), default=Decimal("0"), **MONEY)
    total_amount = models.DecimalField(_("total"), default=Decimal("0"), **MONEY)
    comment = models.TextField(_("comment"), blank=True)
    # Our and the client's requisites as they were at issue time ({"supplier": {…},
    # "buyer": {…}}): an issued document must not change when a company moves.
    parties = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    number_kind = ""

    class Meta:
        abstract = True
        ordering = ["-date", "-number"]

    @property
    def display_number(self) -> str:
        return f"{self.number}"


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Proposal(SalesDocument):
    """A commercial proposal (КП)."""

    number_kind = "proposal"
    deal = models.ForeignKey(
        "sales.Deal",
        verbose_name=_("deal"),
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProposalStatus.choices,
        default=ProposalStatus.DRAFT,
    )

    class Meta(SalesDocument.Meta):
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "number"], name="proposal_unique_number"
            )
        ]
        indexes = [models.Index(fields=["deal", "-date"], name="proposal_deal_idx")]

    def __str__(self) -> str:
        return str(_("Proposal No. %(number)s") % {"number": self.number})

    def get_absolute_url(self) -> str:
        return reverse("sales:proposal-detail", args=[self.pk])


class OrderStatus(models.TextChoices):
    NEW = "new", _("New")
    CONFIRMED = "confirmed", _("Confirmed")
    SHIPPED = "shipped", _("Shipped")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Order(SalesDocument):
    """A client's order; its status is what the client sees in the portal."""

    number_kind = "order"
    deal = models.ForeignKey(
        "sales.Deal",
        verbose_name=_("deal"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.NEW
    )
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta(SalesDocument.Meta):
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "number"], name="order_unique_number"
            )
        ]
        indexes = [
            models.Index(fields=["deal", "-date"], name="order_deal_idx"),
            models.Index(fields=["company", "-date"], name="order_company_idx"),
            models.Index(fields=["status", "-date"], name="order_status_idx"),
        ]

    def __str__(self) -> str:
        return str(_("Order No. %(number)s") % {"number": self.number})

    def get_absolute_url(self) -> str:
        return reverse("sales:order-detail", args=[self.pk])


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class Invoice(SalesDocument):
    """An invoice for payment (счёт на оплату)."""

    number_kind = "invoice"
    deal = models.ForeignKey(
        "sales.Deal",
        verbose_name=_("deal"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    due_date = models.DateField(_("pay by"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=InvoiceStatus.choices,
        default=InvoiceStatus.ISSUED,
    )
    paid_amount = models.DecimalField(_("paid"), default=Decimal("0"), **MONEY)

    class Meta(SalesDocument.Meta):
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "number"], name="invoice_unique_number"
            )
        ]
        indexes = [
            models.Index(fields=["deal", "-date"], name="invoice_deal_idx"),
            models.Index(fields=["company", "-date"], name="invoice_company_idx"),
            models.Index(fields=["status", "due_date"], name="invoice_status_idx"),
        ]

    def __str__(self) -> str:
        return str(_("Invoice No. %(number)s") % {"number": self.number})

    def get_absolute_url(self) -> str:
        return reverse("sales:invoice-detail", args=[self.pk])

    @property
    def balance(self) -> Decimal:
        return self.total_amount - self.paid_amount


class DocumentLine(models.Model):
    """A line of a proposal, order or invoice: a copy of the deal's line at issue time,
    so a later change of the deal does not rewrite an issued document."""

    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="lines"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.CASCADE, related_name="lines"
    )
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        "sales.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    price = models.DecimalField(_("price"), **MONEY)
    discount_percent = models.DecimalField(
        _("discount, %"), default=Decimal("0"), **PERCENT
    )
    vat_rate = models.DecimalField(_("VAT, %"), null=True, blank=True, **PERCENT)
    net_amount = models.DecimalField(default=Decimal("0"), **MONEY)
    vat_amount = models.DecimalField(default=Decimal("0"), **MONEY)
    total_amount = models.DecimalField(default=Decimal("0"), **MONEY)
    cost_price = models.DecimalField(default=Decimal("0"), **MONEY)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(proposal__isnull=False, order__isnull=True, invoice__isnull=True)
                    | Q(
                        proposal__isnull=True, order__isnull=False, invoice__isnull=True
                    )
                    | Q(
                        proposal__isnull=True, order__isnull=True, invoice__isnull=False
                    )
                ),
                name="document_line_one_document",
            )
        ]
        indexes = [
            models.Index(fields=["product", "order"], name="document_line_product_idx")
        ]

    def __str__(self) -> str:
        return self.name


class Payment(models.Model):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="payments"
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    amount = models.DecimalField(_("amount"), **MONEY)
    reference = models.CharField(_("payment order No."), max_length=100, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["invoice", "date", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payment_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice}: {self.amount}"


class Sale(models.Model):
    """A recorded sale (реализация): revenue and the cost of goods, hence the margin
    per deal, per client and per manager."""

    deal = models.ForeignKey(
        "sales.Deal", on_delete=models.PROTECT, related_name="sales"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="sales"
    )
    company = models.ForeignKey(
        "customers.Company",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    currency = models.CharField(
        max_length=3, choices=Currency.choices, default=Currency.RUB
    )
    revenue = models.DecimalField(
        _("revenue without VAT"), default=Decimal("0"), **MONEY
    )
    cost = models.DecimalField(_("cost of goods"), default=Decimal("0"), **MONEY)
    margin = models.DecimalField(_("margin"), default=Decimal("0"), **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("recorded sale")
        verbose_name_plural = _("recorded sales")
        indexes = [
            models.Index(fields=["deal"], name="sale_deal_idx"),
            models.Index(fields=["company", "date"], name="sale_company_idx"),
            models.Index(fields=["manager", "date"], name="sale_manager_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.deal}: {self.revenue}"


class ProductAffinity(models.Model):
    """How many clients bought both products, recomputed in the background from all
    orders: the basis of cross-sell suggestions on a client's card."""

    product = models.ForeignKey(
        "sales.Product", on_delete=models.CASCADE, related_name="+"
    )
    other = models.ForeignKey(
        "sales.Product", on_delete=models.CASCADE, related_name="+"
    )
    clients_both = models.PositiveIntegerField()
    clients_product = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "other"], name="affinity_unique_pair"
            )
        ]
        indexes = [
            models.Index(
                fields=["product", "-clients_both"], name="affinity_product_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product} → {self.other}"
