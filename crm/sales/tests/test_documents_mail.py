"""Sending a document by e-mail: a real letter through SMTP with the PDF attached,
logged on the client's timeline."""

from __future__ import annotations

import email
import email.policy
import io

import pytest
from pypdf import PdfReader

from crm.activities.models import Activity, ActivityKind, Attachment
from crm.core.errors import DomainError
from crm.sales.models import ProposalStatus
from crm.sales.services.documents import (
    document_letter_defaults,
    document_send,
    invoice_cancel,
    invoice_issue,
    proposal_issue,
)
from crm.sales.tests.factories_documents import OwnCompanyFactory, deal_with_lines


@pytest.fixture
def deal(manager):
    OwnCompanyFactory()
    return deal_with_lines(manager, company_name="ООО «Ромашка»")


def _parsed(message):
    return email.message_from_bytes(
        message["data"].encode("utf8"), policy=email.policy.default
    )


def test_an_invoice_goes_to_the_client_with_its_pdf(
    manager, deal, smtp_sink, django_capture_on_commit_callbacks
):
    # given
    invoice = invoice_issue(actor=manager, deal=deal)
    defaults = document_letter_defaults(invoice)
    assert defaults["to"] == "maria@alfa.example"
    # when
    with django_capture_on_commit_callbacks(execute=True):
        document_send(
            actor=manager,
            document=invoice,
            to="maria@alfa.example, buh@alfa.example",
            subject=defaults["subject"],
            message="Добрый день! Счёт во вложении.",
        )
    # then: the letter went through the SMTP server
    assert len(smtp_sink.messages) == 1
    delivered = smtp_sink.messages[0]
    assert delivered["to"] == ["maria@alfa.example", "buh@alfa.example"]
    letter = _parsed(delivered)
    assert letter["Subject"].strip().startswith("Счёт на оплату № 1 от")
    assert letter["Reply-To"] == manager.email
    body = letter.get_body(preferencelist=("plain",)).get_content()
    assert "Счёт во вложении" in body
    attachments = list(letter.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_filename().startswith("Счёт_1_от_")
    pdf = PdfReader(io.BytesIO(attachments[0].get_content()))
    assert "ООО «Ромашка»" in pdf.pages[0].extract_text()
    # and the document is sent, the letter on the timeline with the PDF
    invoice.refresh_from_db()
    assert invoice.sent_at is not None
    entry = Activity.objects.get(kind=ActivityKind.EMAIL)
    assert entry.company == deal.company
    assert entry.contact == deal.contact
    assert entry.direction == "out"
    assert "maria@alfa.example" in entry.body
    assert entry.outcome  # delivered
    attachment = Attachment.objects.get(activity=entry)
    assert attachment.content_type == "application/pdf"
    assert attachment.file.read().startswith(b"%PDF-")


def test_a_sent_proposal_leaves_the_draft_status(
    manager, deal, smtp_sink, django_capture_on_commit_callbacks
):
    proposal = proposal_issue(actor=manager, deal=deal)
    with django_capture_on_commit_callbacks(execute=True):
        document_send(
            actor=manager, document=proposal, to="maria@alfa.example", subject="КП"
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SENT
    assert len(smtp_sink.messages) == 1


def test_a_redelivery_does_not_write_twice(
    manager, deal, smtp_sink, django_capture_on_commit_callbacks
):
    from crm.sales.services.documents import document_letter_deliver

    invoice = invoice_issue(actor=manager, deal=deal)
    with django_capture_on_commit_callbacks(execute=True):
        document_send(actor=manager, document=invoice, to="a@b.example", subject="S")
    assert len(smtp_sink.messages) == 1
    entry = Activity.objects.get(kind=ActivityKind.EMAIL)
    letter = {
        "kind": "invoice",
        "document_id": invoice.pk,
        "recipients": ["a@b.example"],
        "subject": "S",
        "message": "",
        "reply_to": "",
        "letter_id": entry.pk,
    }

    assert document_letter_deliver(letter=letter) is False
    assert len(smtp_sink.messages) == 1


def test_bad_addresses_and_a_missing_subject_are_named(
    manager, deal, smtp_sink, django_capture_on_commit_callbacks
):
    invoice = invoice_issue(actor=manager, deal=deal)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(DomainError) as refused,
    ):
        document_send(actor=manager, document=invoice, to="not-an-address", subject="")
    assert set(refused.value.all_errors) == {"to", "subject"}
    assert smtp_sink.messages == []
    assert not Activity.objects.filter(kind=ActivityKind.EMAIL).exists()
    invoice.refresh_from_db()
    assert invoice.sent_at is None


def test_a_cancelled_invoice_is_not_sent(manager, deal, smtp_sink):
    invoice = invoice_cancel(
        actor=manager, invoice=invoice_issue(actor=manager, deal=deal)
    )
    with pytest.raises(DomainError, match="cancelled"):
        document_send(actor=manager, document=invoice, to="a@b.example", subject="S")
