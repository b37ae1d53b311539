"""Leads (first contacts) and the rules that give them a curator."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.core.models import Record
from crm.core.search import search_text


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    CONVERTED = "converted", _("Converted")
    REJECTED = "rejected", _("Rejected")


class Lead(Record):
    """A first contact: a person and/or a company that showed interest, not yet
    qualified. Conversion turns it into a company, a contact and a deal at once."""

    object_type = "lead"
    owner_fields = ("owner",)

    title = models.CharField(_("what they need"), max_length=300)
    company_name = models.CharField(_("company"), max_length=300, blank=True)
    inn = models.CharField(_("INN"), max_length=12, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    industry = models.ForeignKey(
        "customers.Industry",
        verbose_name=_("industry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    source = models.ForeignKey(
        "customers.Source",
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("curator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    rejection_reason = models.TextField(_("why rejected"), blank=True)
    description = models.TextField(_("notes"), blank=True)
    # What a web form sent beyond the known fields, kept as it came.
    form_data = models.JSONField(_("form data"), default=dict, blank=True)
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("converted into company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("converted into contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    external_id = models.CharField(_("external ID"), max_length=100, blank=True)
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["status", "-created_at"], name="lead_status_idx"),
            models.Index(fields=["owner", "status"], name="lead_owner_idx"),
            models.Index(fields=["email"], name="lead_email_idx"),
            models.Index(fields=["phone"], name="lead_phone_idx"),
            models.Index(fields=["inn"], name="lead_inn_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="lead_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sales:lead-detail", args=[self.pk])

    @property
    def person_name(self) -> str:
        return " ".join(
            p for p in (self.last_name, self.first_name, self.middle_name) if p
        )

    def build_search_text(self) -> str:
        return search_text(
            texts=[
                self.title,
                self.company_name,
                self.inn,
                self.last_name,
                self.first_name,
                self.middle_name,
                self.email,
            ],
            phones=[self.phone],
        )


class AssignmentKind(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("In turn within a team")
    REGION = "region", _("By region")
    INDUSTRY = "industry", _("By industry")


class AssignmentRule(models.Model):
    """How a new lead gets its curator. Rules are tried in order; the first that
    matches assigns: a region or an industry to one person, or a team in turn."""

    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=AssignmentKind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    region = models.CharField(_("region"), max_length=100, blank=True)
    industry = models.ForeignKey(
        "customers.Industry",
        verbose_name=_("industry"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assign to"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Round robin: who got the last lead, so the next goes to the one after.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")

    def __str__(self) -> str:
        return self.name
