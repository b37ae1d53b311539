"""The customer base: companies (контрагенты), contacts, their links, tags and the
reference lists that classify them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.core.models import Record, ReferenceItem
from crm.core.search import search_text


class LegalForm(ReferenceItem):
    """ООО, АО, ИП… (организационно-правовая форма)."""

    short_name = models.CharField(_("abbreviation"), max_length=20, blank=True)

    class Meta(ReferenceItem.Meta):
        verbose_name = _("legal form")
        verbose_name_plural = _("legal forms")


class Industry(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("industry")
        verbose_name_plural = _("industries")


class CompanyCategory(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class Source(ReferenceItem):
    """How the client came to us: a channel or a campaign."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("source")
        verbose_name_plural = _("sources")


class SalesChannel(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("sales channel")
        verbose_name_plural = _("sales channels")


class Position(ReferenceItem):
    """A job title offered when linking a person to a company."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("position")
        verbose_name_plural = _("positions")


class Tag(models.Model):
    """A free label put on companies and contacts (any of them can be filtered by)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#6c757d")

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Relation(models.TextChoices):
    CLIENT = "client", _("Client")
    PROSPECT = "prospect", _("Prospect")
    PARTNER = "partner", _("Partner")
    DEALER = "dealer", _("Dealer")
    SUPPLIER = "supplier", _("Supplier")
    COMPETITOR = "competitor", _("Competitor")


class CompanySize(models.TextChoices):
    MICRO = "micro", _("Micro (up to 15 people)")
    SMALL = "small", _("Small (16–100)")
    MEDIUM = "medium", _("Medium (101–250)")
    LARGE = "large", _("Large (over 250)")


class ConsentMixin(models.Model):
    """Consent to be contacted, per channel (152-FZ and anti-spam rules)."""

    consent_email = models.BooleanField(_("agrees to e-mails"), default=False)
    consent_sms = models.BooleanField(_("agrees to SMS"), default=False)
    consent_phone = models.BooleanField(_("agrees to calls"), default=False)

    class Meta:
        abstract = True


class Company(ConsentMixin, Record):
    """A counterparty: a client, prospect, partner, dealer, supplier or competitor."""

    object_type = "company"
    owner_fields = ("curator",)
    # Further phones and e-mails are part of the history, like the tags.
    audit_m2m = ("tags", "contact_points")
    audit_exclude = (*Record.audit_exclude, "last_activity_at")

    name = models.CharField(_("name"), max_length=300)
    full_name = models.CharField(_("full legal name"), max_length=500, blank=True)
    legal_form = models.ForeignKey(
        LegalForm,
        verbose_name=_("legal form"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    inn = models.CharField(_("INN"), max_length=12, blank=True)
    kpp = models.CharField(_("KPP"), max_length=9, blank=True)
    ogrn = models.CharField(_("OGRN"), max_length=15, blank=True)
    okpo = models.CharField(_("OKPO"), max_length=10, blank=True)
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("industry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    size = models.CharField(
        _("size"), max_length=10, choices=CompanySize.choices, blank=True
    )
    relation = models.CharField(
        _("relation"),
        max_length=12,
        choices=Relation.choices,
        default=Relation.PROSPECT,
    )
    category = models.ForeignKey(
        CompanyCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="branches",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    website = models.URLField(_("web site"), blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    legal_address = models.TextField(_("legal address"), blank=True)
    actual_address = models.TextField(_("actual address"), blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    sales_channel = models.ForeignKey(
        SalesChannel,
        verbose_name=_("sales channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("curator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        # Served by the curator list index, which starts with curator.
        db_index=False,
        related_name="curated_companies",
    )
    description = models.TextField(_("notes"), blank=True)
    external_id = models.CharField(_("external ID"), max_length=100, blank=True)
    tags = models.ManyToManyField(
        Tag, verbose_name=_("tags"), blank=True, related_name="companies"
    )
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    search_text = models.TextField(blank=True, editable=False)

    # When someone last called, met or wrote: kept by activities, read by "my day",
    # lists sorted by activity and the search for neglected clients.
    last_activity_at = models.DateTimeField(
        _("last activity"), null=True, blank=True, editable=False
    )

    class Meta:
        # deleted_at first: the order of live rows, as the list indexes hold it.
        ordering = ["deleted_at", "name", "id"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [
            # Lists read live rows in name order. With deleted_at (always NULL for
            # them) right after the equality columns, one index both filters and
            # orders, and covers counting: no sort of a million rows, no row lookups.
            models.Index(fields=["deleted_at", "name", "id"], name="company_name_idx"),
            models.Index(
                fields=["curator", "deleted_at", "name", "id"],
                name="company_curator_idx",
            ),
            models.Index(fields=["inn"], name="company_inn_idx"),
            models.Index(fields=["email"], name="company_email_idx"),
            models.Index(fields=["phone"], name="company_phone_idx"),
            models.Index(
                fields=["relation", "deleted_at", "name"], name="company_relation_idx"
            ),
            models.Index(
                fields=["region", "deleted_at", "name"], name="company_region_idx"
            ),
            models.Index(fields=["-created_at"], name="company_created_idx"),
            models.Index(
                fields=["curator", "-last_activity_at"], name="company_activity_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="company_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:company-detail", args=[self.pk])

    def build_search_text(self, emails=(), phones=()) -> str:
        """What the global search finds this company by; `emails`/`phones` are the
        further contact points (ContactPoint values)."""
        return search_text(
            texts=[self.name, self.full_name, self.inn, self.ogrn, self.email, *emails],
            phones=[self.phone, *phones],
        )


class Contact(ConsentMixin, Record):
    """A person: a client's employee, a private customer, a partner's staff member."""

    object_type = "contact"
    owner_fields = ("curator",)
    audit_m2m = ("tags", "companies", "contact_points")
    audit_exclude = (*Record.audit_exclude, "last_activity_at")

    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=100)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.TextField(_("address"), blank=True)
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("curator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        # Served by the curator list index, which starts with curator.
        db_index=False,
        related_name="curated_contacts",
    )
    description = models.TextField(_("notes"), blank=True)
    external_id = models.CharField(_("external ID"), max_length=100, blank=True)
    companies = models.ManyToManyField(
        Company,
        through="Employment",
        related_name="contacts",
        verbose_name=_("companies"),
    )
    tags = models.ManyToManyField(
        Tag, verbose_name=_("tags"), blank=True, related_name="contacts"
    )
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    search_text = models.TextField(blank=True, editable=False)

    last_activity_at = models.DateTimeField(
        _("last activity"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["deleted_at", "last_name", "first_name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(
                fields=["deleted_at", "last_name", "first_name", "id"],
                name="contact_name_idx",
            ),
            models.Index(
                fields=["curator", "deleted_at", "last_name", "first_name", "id"],
                name="contact_curator_idx",
            ),
            models.Index(fields=["email"], name="contact_email_idx"),
            models.Index(fields=["phone"], name="contact_phone_idx"),
            models.Index(fields=["-created_at"], name="contact_created_idx"),
            models.Index(
                fields=["curator", "-last_activity_at"], name="contact_activity_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="contact_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("customers:contact-detail", args=[self.pk])

    def build_search_text(self, emails=(), phones=()) -> str:
        """What the global search finds this person by; `emails`/`phones` are the
        further contact points (ContactPoint values)."""
        return search_text(
            texts=[
                self.last_name,
                self.first_name,
                self.middle_name,
                self.email,
                *emails,
            ],
            phones=[self.phone, *phones],
        )

    @property
    def full_name(self) -> str:
        return " ".join(
            p for p in (self.last_name, self.first_name, self.middle_name) if p
        )


class Employment(models.Model):
    """A person's position in a company; one person may work for several."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="employments"
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="employments"
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    role = models.CharField(_("role in deals"), max_length=200, blank=True)
    is_primary = models.BooleanField(_("main place of work"), default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "company"], name="employment_unique"
            )
        ]
        indexes = [
            models.Index(fields=["company", "contact"], name="employment_company_idx")
        ]
        verbose_name = _("position in a company")
        verbose_name_plural = _("positions in companies")

    def __str__(self) -> str:
        return f"{self.contact} — {self.company}"

    @property
    def title(self) -> str:
        if self.job_title:
            return self.job_title
        return self.position.name if self.position is not None else ""


class ContactPointKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")


class ContactPoint(models.Model):
    """A further phone or e-mail of a company or a person, with a label."""

    kind = models.CharField(_("kind"), max_length=10, choices=ContactPointKind.choices)
    value = models.CharField(_("value"), max_length=254)
    label = models.CharField(_("label"), max_length=50, blank=True)
    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contact_points",
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contact_points",
    )

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("further phone or e-mail")
        verbose_name_plural = _("further phones and e-mails")
        indexes = [
            models.Index(fields=["kind", "value"], name="contact_point_value_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(company__isnull=False, contact__isnull=True)
                | Q(company__isnull=True, contact__isnull=False),
                name="contact_point_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.value}" if self.label else self.value


# The reference lists an administrator edits, by the slug of their settings page.
REFERENCE_MODELS: dict[str, type[ReferenceItem]] = {
    "legal-forms": LegalForm,
    "industries": Industry,
    "categories": CompanyCategory,
    "sources": Source,
    "sales-channels": SalesChannel,
    "positions": Position,
}
