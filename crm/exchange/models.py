"""What the exchange with 1C keeps: who 1C signs in as, the sessions of the exchange
protocol, each file's import with its outcome, and which CRM document a 1C document is."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExchangeSettings(models.Model):
    """The one row of exchange settings.

    `user` is the dedicated CRM user 1C signs in as (besides administrators);
    `sale_exchanged_at` is when the last exchange of orders ended with `success`:
    the next `query` sends what changed after it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("1C signs in as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sale_exchanged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("exchange settings")

    def __str__(self) -> str:
        return str(_("Exchange settings"))


class SessionKind(models.TextChoices):
    CATALOG = "catalog", _("Catalogue")
    SALE = "sale", _("Orders")
    PAGE = "page", _("Upload on the page")


class ExchangeSession(models.Model):
    """A session of the exchange protocol (from `checkauth` on) or an upload on the
    settings page. The files it receives are kept in its own directory."""

    token = models.CharField(max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=SessionKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    # When `query` ran: `success` marks what it sent as exchanged up to this moment.
    queried_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("exchange session")
        verbose_name_plural = _("exchange sessions")
        indexes = [models.Index(fields=["-started_at"], name="exchange_session_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"


RECORD_KINDS = {
    "group": _("Product groups"),
    "product": _("Items"),
    "offer": _("Offers (characteristics)"),
    "price_type": _("Price types"),
    "price": _("Prices"),
    "stock": _("Stock"),
    "picture": _("Pictures"),
    "archive": _("Files in the archive"),
    "counterparty": _("Counterparties"),
    "contact": _("Contact persons"),
    "document": _("Documents"),
}


class RunStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Refused")
    SENT = "sent", _("Sent to 1C")


class ExchangeRun(models.Model):
    """One file of a session: received, imported (or refused) or sent.

    `stats` counts what the import did per kind ({"product": {"created": 3,
    "updated": 1, "unchanged": 5, "refused": 0}}); `errors` lists the refused
    records as {"record": "Товар «…» (Ид …)", "message": "…"}.
    """

    session = models.ForeignKey(
        ExchangeSession, on_delete=models.CASCADE, related_name="runs"
    )
    filename = models.CharField(_("file"), max_length=255)
    # The zip archive the file was unpacked from, if it came in one.
    archive = models.ForeignKey(
        "self",
        verbose_name=_("archive"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="unpacked",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RunStatus.choices,
        default=RunStatus.RECEIVED,
    )
    size = models.PositiveBigIntegerField(_("size"), default=0)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("exchange file")
        verbose_name_plural = _("exchange files")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "filename"], name="exchange_run_unique_file"
            )
        ]
        indexes = [models.Index(fields=["-started_at"], name="exchange_run_idx")]

    def __str__(self) -> str:
        return self.filename

    @property
    def totals(self) -> dict[str, int]:
        """Created, updated, unchanged and refused records over all kinds."""
        totals = {"created": 0, "updated": 0, "unchanged": 0, "refused": 0}
        for counts in (self.stats or {}).values():
            for name in totals:
                totals[name] += counts.get(name, 0)
        return totals

    @property
    def stat_rows(self) -> list[tuple[str, dict[str, int]]]:
        """(kind label, counts) for the report, in the reader's language."""
        return [
            (str(RECORD_KINDS.get(kind, kind)), counts)
            for kind, counts in (self.stats or {}).items()
        ]


class DocumentLink(models.Model):
    """A CRM order or invoice and its 1C document («Ид», number).

    Orders and invoices have no external ID of their own, so the link lives here;
    `sent_at` is when the document last went to 1C.
    """

    external_id = models.CharField(_("1C ID"), max_length=100, unique=True)
    number_1c = models.CharField(_("1C number"), max_length=50, blank=True)
    order = models.OneToOneField(
        "sales.Order",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="exchange_link",
    )
    invoice = models.OneToOneField(
        "sales.Invoice",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="exchange_link",
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("1C document")
        verbose_name_plural = _("1C documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(order__isnull=False, invoice__isnull=True)
                | Q(order__isnull=True, invoice__isnull=False),
                name="document_link_one_document",
            )
        ]

    def __str__(self) -> str:
        return self.external_id
