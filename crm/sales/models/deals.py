"""Pipelines with their stages, deals (opportunities) with their composition and
participants, the stage history, and discount approvals."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.models import Record, ReferenceItem
from crm.core.search import search_text
from crm.sales.models.catalogue import MONEY, PERCENT, QUANTITY, Currency


class Pipeline(models.Model):
    """A sales process with its own stages (new clients, repeat sales, tenders…)."""

    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:deal-board", args=[self.pk])


class StageKind(models.TextChoices):
    OPEN = "open", _("In progress")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Stage(models.Model):
    """A step of a pipeline with the probability a deal there is usually won."""

    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.CASCADE, related_name="stages"
    )
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(_("probability, %"), default=10)
    kind = models.CharField(
        _("kind"), max_length=4, choices=StageKind.choices, default=StageKind.OPEN
    )

    class Meta:
        ordering = ["pipeline", "position", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__lte=100), name="stage_probability_range"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.kind != StageKind.OPEN


class LostReason(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("reason for losing")
        verbose_name_plural = _("reasons for losing")


class DealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Deal(Record):
    """An offer to a client (предложение клиенту): what, for how much, who takes part,
    where it stands in the pipeline. A client may have several at once."""

    object_type = "deal"
    owner_fields = ("owner",)
    # The stage history keeps when a deal came to each stage, readably.
    audit_exclude = (*Record.audit_exclude, "stage_changed_at")

    title = models.CharField(_("title"), max_length=300)
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="deals",
    )
    pipeline = models.ForeignKey(
        Pipeline,
        verbose_name=_("pipeline"),
        on_delete=models.PROTECT,
        related_name="deals",
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals"
    )
    # Follows the stage's kind; kept on the row so open/won/lost filters use an index.
    status = models.CharField(
        _("status"), max_length=4, choices=DealStatus.choices, default=DealStatus.OPEN
    )
    stage_changed_at = models.DateTimeField(
        _("in this stage since"), default=timezone.now
    )
    price_list = models.ForeignKey(
        "sales.PriceList",
        verbose_name=_("price list"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.RUB
    )
    # The total of the composition (with VAT); typed by hand while there are no lines.
    amount = models.DecimalField(_("amount"), default=Decimal("0"), **MONEY)
    probability = models.PositiveSmallIntegerField(_("probability, %"), default=10)
    expected_close_date = models.DateField(
        _("expected close date"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    source = models.ForeignKey(
        "customers.Source",
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    lost_reason = models.ForeignKey(
        LostReason,
        verbose_name=_("reason for losing"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    lost_comment = models.TextField(_("why it was lost"), blank=True)
    lead = models.ForeignKey(
        "sales.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    description = models.TextField(_("description"), blank=True)
    external_id = models.CharField(_("external ID"), max_length=100, blank=True)
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(
                fields=["pipeline", "stage", "-stage_changed_at"],
                name="deal_board_idx",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(fields=["owner", "status"], name="deal_owner_idx"),
            models.Index(fields=["company", "-created_at"], name="deal_company_idx"),
            models.Index(fields=["contact", "-created_at"], name="deal_contact_idx"),
            models.Index(
                fields=["status", "expected_close_date"], name="deal_forecast_idx"
            ),
            models.Index(fields=["status", "closed_at"], name="deal_closed_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="deal_unique_external_id",
            ),
            models.CheckConstraint(
                condition=Q(probability__lte=100), name="deal_probability_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sales:deal-detail", args=[self.pk])

    def build_search_text(self) -> str:
        return search_text(texts=[self.title, self.external_id])

    @property
    def is_open(self) -> bool:
        return self.status == DealStatus.OPEN

    @property
    def weighted_amount(self) -> Decimal:
        return (self.amount * self.probability / 100).quantize(Decimal("0.01"))


class DealLine(models.Model):
    """A line of a deal's composition. Amounts are computed on the server, in Decimal,
    and stored, so documents and reports read the same figures."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        "sales.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deal_lines",
    )
    name = models.CharField(_("name"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    quantity = models.DecimalField(_("quantity"), default=Decimal("1"), **QUANTITY)
    price = models.DecimalField(_("price"), **MONEY)
    discount_percent = models.DecimalField(
        _("discount, %"), default=Decimal("0"), **PERCENT
    )
    vat_rate = models.DecimalField(_("VAT, %"), null=True, blank=True, **PERCENT)
    # Computed by the service: net of VAT, the VAT, and the total with VAT.
    net_amount = models.DecimalField(default=Decimal("0"), editable=False, **MONEY)
    vat_amount = models.DecimalField(default=Decimal("0"), editable=False, **MONEY)
    total_amount = models.DecimalField(default=Decimal("0"), editable=False, **MONEY)
    cost_price = models.DecimalField(_("cost price"), default=Decimal("0"), **MONEY)

    class Meta:
        ordering = ["deal", "position", "id"]
        verbose_name = _("deal line")
        verbose_name_plural = _("deal composition")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="deal_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0), name="deal_line_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="deal_line_discount_range",
            ),
        ]
        indexes = [
            models.Index(fields=["product", "deal"], name="deal_line_product_idx")
        ]

    def __str__(self) -> str:
        return self.name


class ParticipantSide(models.TextChoices):
    CLIENT = "client", _("Client's side")
    OURS = "ours", _("Our side")
    PARTNER = "partner", _("Partner")


class DealParticipant(models.Model):
    """Who takes part in a deal: the client's people, our staff of any department,
    a partner's staff — each with a role (decision maker, engineer, approver…)."""

    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, related_name="participants"
    )
    side = models.CharField(_("side"), max_length=10, choices=ParticipantSide.choices)
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deal_participations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member of staff"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deal_participations",
    )
    # For a partner's staff member: the partner company.
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("partner company"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=200, blank=True)

    class Meta:
        ordering = ["deal", "side", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False) | Q(user__isnull=False),
                name="deal_participant_is_someone",
            )
        ]
        indexes = [
            models.Index(fields=["user", "deal"], name="deal_participant_user_idx")
        ]

    def __str__(self) -> str:
        return str(self.user or self.contact)


class DealStageChange(models.Model):
    """One move of a deal between stages: the stage history behind cycle times."""

    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["deal", "changed_at", "id"]
        indexes = [
            models.Index(fields=["deal", "changed_at"], name="stage_change_deal_idx"),
            models.Index(
                fields=["to_stage", "changed_at"], name="stage_change_stage_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal}: {self.from_stage} → {self.to_stage}"


class DiscountLimit(models.Model):
    """The largest discount a role may give without approval."""

    role = models.CharField(_("role"), max_length=20, unique=True)
    max_percent = models.DecimalField(
        _("largest discount without approval, %"), **PERCENT
    )

    class Meta:
        ordering = ["role"]
        verbose_name = _("discount limit")
        verbose_name_plural = _("discount limits")

    def __str__(self) -> str:
        return f"{self.role}: {self.max_percent} %"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ApprovalRequest(models.Model):
    """A request to approve a discount above the requester's limit."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="approvals")
    discount_percent = models.DecimalField(_("discount, %"), **PERCENT)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        on_delete=models.PROTECT,
        related_name="approvals_to_decide",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.PENDING,
    )
    comment = models.TextField(_("comment"), blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        indexes = [
            models.Index(fields=["approver", "status"], name="approval_approver_idx"),
            models.Index(fields=["deal", "-requested_at"], name="approval_deal_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.deal}: {self.discount_percent} %"
