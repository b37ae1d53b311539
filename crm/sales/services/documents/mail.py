"""Sending a document to the client by e-mail, the PDF attached."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.activities.models import Activity, ActivityKind, Attachment, Direction
from crm.activities.services.records import language_of
from crm.core import audit
from crm.core.errors import DomainError
from crm.core.validation import clean_email
from crm.sales.models import (
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    ProposalStatus,
)
from crm.sales.services.documents.common import (
    KINDS,
    SalesDocument,
    clean_text,
    document_title,
    ensure_can_change_deal,
    timeline_entry,
)
from crm.sales.services.documents.pdf import document_pdf, pdf_filename, pdf_title

logger = logging.getLogger(__name__)

MAX_RECIPIENTS = 20


def _recipients(value: Any) -> list[str]:
    """Addresses from a list or from text separated by commas, semicolons or spaces."""
    if isinstance(value, list | tuple):
        parts = [str(v) for v in value]
    else:
        parts = re.split(r"[,;\s]+", str(value or ""))
    addresses = []
    for part in parts:
        if part.strip():
            address = clean_email(part, field="to")
            if address not in addresses:
                addresses.append(address)
    if not addresses:
        raise DomainError(_("Enter the client's e-mail address."), field="to")
    if len(addresses) > MAX_RECIPIENTS:
        raise DomainError(
            _("At most %(limit)d addresses.") % {"limit": MAX_RECIPIENTS}, field="to"
        )
    return addresses


def document_letter_defaults(document: SalesDocument) -> dict[str, str]:
    """What the send form starts with: the contact's e-mail (else the company's),
    the document's title as the subject, and a short letter."""
    buyer = (document.parties or {}).get("buyer") or {}
    contact = document.contact
    company = document.company
    to = (
        (contact.email if contact is not None else "")
        or (company.email if company is not None else "")
        or buyer.get("email", "")
    )
    supplier = (document.parties or {}).get("supplier") or {}
    sender = supplier.get("short_name", "")
    subject = pdf_title(document)
    if sender:
        subject = f"{subject} — {sender}"
    message = _(
        "Hello,\n\nplease find attached %(document)s.\n\nKind regards,\n%(sender)s"
    ) % {"document": pdf_title(document), "sender": sender}
    return {"to": to, "subject": subject, "message": message}


def _letter_text(recipients: list[str], message: str) -> str:
    return "\n\n".join(
        part
        for part in (_("To: %(to)s") % {"to": ", ".join(recipients)}, message)
        if part
    )


@transaction.atomic
def document_send(
    *, actor, document: SalesDocument, to: Any, subject: Any, message: Any = ""
) -> SalesDocument:
    """E-mail a document to the client with its PDF attached, and mark it sent.

    The letter goes through Django's mail (SMTP) from a background job queued after
    this transaction commits, so a refusal or a rollback sends nothing. It is
    logged on the client's timeline as an outgoing e-mail with the PDF attached; a
    draft proposal becomes "sent".
    """
    model = type(document)
    document = (
        model.objects.select_for_update(of=("self",))
        .select_related("deal", "company", "contact", "own_company")
        .get(pk=document.pk)
    )
    ensure_can_change_deal(actor=actor, deal=document.deal)
    errors: dict[str, list] = {}
    recipients: list[str] = []
    try:
        recipients = _recipients(to)
    except DomainError as error:
        errors["to"] = [error.message]
    subject_text = ""
    try:
        subject_text = clean_text(subject, field="subject", limit=300)
        if not subject_text:
            errors["subject"] = [_("Enter the subject of the letter.")]
    except DomainError as error:
        errors["subject"] = [error.message]
    if errors:
        raise DomainError.from_errors(errors)
    cancelled = (
        isinstance(document, Invoice) and document.status == InvoiceStatus.CANCELLED
    ) or (isinstance(document, Order) and document.status == OrderStatus.CANCELLED)
    if cancelled:
        raise DomainError(
            _("The document is cancelled: it cannot be sent."), field="status"
        )
    body = clean_text(message, field="message")
    pdf = document_pdf(document)
    filename = pdf_filename(document)
    letter = timeline_entry(
        actor=actor,
        document=document,
        subject=subject_text,
        body=_letter_text(recipients, body),
        kind=ActivityKind.EMAIL,
        direction=Direction.OUTGOING,
    )
    if letter is not None:
        attachment = Attachment(
            activity=letter,
            name=filename,
            size=len(pdf),
            content_type="application/pdf",
            uploaded_by=actor,
        )
        attachment.file.save(filename, ContentFile(pdf), save=False)
        attachment.save()
    before = audit.snapshot(document)
    document.sent_at = timezone.now()
    fields = ["sent_at"]
    if getattr(document, "status", None) == ProposalStatus.DRAFT:
        document.status = ProposalStatus.SENT
        fields.append("status")
    document.save(update_fields=fields)
    audit.record_update(actor, document, before)

    _letter_queue(
        kind=document.number_kind,
        document_id=document.pk,
        recipients=recipients,
        subject=subject_text,
        message=body,
        reply_to=actor.email or "",
        letter_id=letter.pk if letter is not None else None,
        language=language_of(actor),
    )
    return document


def _letter_queue(**letter: Any) -> None:
    from crm.sales.tasks.documents import document_letter_send

    transaction.on_commit(lambda: document_letter_send(letter))


def document_letter_deliver(*, letter: dict[str, Any]) -> bool:
    """Send a queued letter; mark its timeline entry delivered (or not).

    A letter whose entry says it was delivered is not sent again, so a re-run job
    does not write to the client twice. Returns whether a letter went out.
    """
    letter_id = letter.get("letter_id")
    if letter_id is not None:
        entry = Activity.objects.filter(pk=letter_id).first()
        if entry is not None and entry.outcome:
            return False
    model = KINDS[letter["kind"]]
    document = (
        model.objects.select_related("deal", "own_company")
        .filter(pk=letter["document_id"])
        .first()
    )
    if document is None:
        logger.warning(
            "Letter of a missing %s %s", letter["kind"], letter["document_id"]
        )
        return False
    email = EmailMessage(
        subject=letter["subject"],
        body=letter["message"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=letter["recipients"],
        reply_to=[letter["reply_to"]] if letter.get("reply_to") else None,
    )
    email.attach(pdf_filename(document), document_pdf(document), "application/pdf")
    with translation.override(letter.get("language") or settings.LANGUAGE_CODE):
        try:
            email.send()
        except OSError as error:
            logger.warning("Could not send %s: %s", document_title(document), error)
            raise
        if letter_id is not None:
            Activity.objects.filter(pk=letter_id).update(
                outcome=_("Delivered to the mail server")[:300]
            )
    return True
