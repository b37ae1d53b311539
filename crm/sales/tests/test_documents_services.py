"""Services of documents: issuing from a deal, refusals, statuses, payments, our
requisites, and what lands on the client's timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.activities.models import Activity, ActivityKind
from crm.core.errors import DomainError, Forbidden, NotFound
from crm.core.models import AuditEntry
from crm.sales.models import (
    ApprovalRequest,
    ApprovalStatus,
    DealStatus,
    DocumentLine,
    Invoice,
    InvoiceStatus,
    NumberSequence,
    OrderStatus,
    OwnCompany,
    Payment,
    Proposal,
    ProposalStatus,
    StageKind,
)
from crm.sales.services.documents import (
    invoice_cancel,
    invoice_issue,
    order_issue,
    order_set_status,
    own_company_create,
    own_company_update,
    payment_record,
    proposal_delete,
    proposal_issue,
    proposal_set_status,
)
from crm.sales.tests.factories_documents import (
    OwnCompanyFactory,
    add_line,
    deal_with_lines,
    valid_account,
)

TODAY = timezone.localdate


@pytest.fixture
def own(db):
    return OwnCompanyFactory()


@pytest.fixture
def deal(manager, own):
    return deal_with_lines(manager)


# --- issuing ------------------------------------------------------------------------


def test_an_invoice_copies_the_deals_lines_and_totals(manager, deal):
    # when
    invoice = invoice_issue(actor=manager, deal=deal, date=dt.date(2025, 3, 5))
    # then
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.net_amount == Decimal("100000.00")
    assert invoice.vat_amount == Decimal("22000.00")
    assert invoice.total_amount == Decimal("122000.00")
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.company == deal.company
    assert invoice.contact == deal.contact
    assert invoice.due_date == dt.date(2025, 3, 15)
    lines = list(invoice.lines.order_by("position"))
    assert [(line.name, line.quantity, line.total_amount) for line in lines] == [
        ("Станок токарный", Decimal("2.000"), Decimal("100000.00")),
        ("Монтаж и пусконаладка", Decimal("1.000"), Decimal("22000.00")),
    ]
    assert lines[0].vat_amount == Decimal("18032.79")
    assert lines[0].cost_price == Decimal("30000.00")
    # a line without a cost price takes the product's
    assert lines[1].cost_price == lines[1].product.cost_price


def test_an_issued_document_does_not_follow_later_changes_of_the_deal(manager, deal):
    invoice = invoice_issue(actor=manager, deal=deal)
    deal.company.name = "ООО «Новое имя»"
    deal.company.save()
    add_line(deal, "Ещё одна позиция", price="500.00")

    invoice.refresh_from_db()
    assert invoice.lines.count() == 2
    assert invoice.total_amount == Decimal("122000.00")
    assert invoice.parties["buyer"]["name"] == "ООО «Альфа»"
    assert invoice.parties["supplier"]["bik"] == "044525225"


def test_totals_with_several_vat_rates_and_a_discount(manager, own):
    deal = deal_with_lines(manager)
    add_line(deal, "Книга", quantity="3", price="110.00", discount="10", vat_rate="10")
    add_line(deal, "Консультация", quantity="1", price="5000.00", vat_rate=None)

    order = order_issue(actor=manager, deal=deal)

    assert order.total_amount == Decimal("122000.00") + Decimal("297.00") + Decimal(
        "5000.00"
    )
    assert order.vat_amount == Decimal("22000.00") + Decimal("27.00")
    assert order.net_amount == order.total_amount - order.vat_amount
    assert order.status == OrderStatus.NEW


def test_a_proposal_starts_as_a_draft_valid_for_thirty_days(manager, deal):
    proposal = proposal_issue(actor=manager, deal=deal, date=dt.date(2025, 1, 10))
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.valid_until == dt.date(2025, 2, 9)


def test_an_invoice_from_an_order_copies_the_orders_lines(manager, deal):
    order = order_issue(actor=manager, deal=deal)
    add_line(deal, "Добавлено после заказа", price="10.00")

    invoice = invoice_issue(actor=manager, deal=deal, order=order)

    assert invoice.order == order
    assert invoice.total_amount == order.total_amount
    assert invoice.lines.count() == 2


def test_an_issue_is_on_the_clients_timeline_and_in_the_history(manager, deal):
    invoice = invoice_issue(actor=manager, deal=deal)

    note = Activity.objects.get(company=deal.company)
    assert note.kind == ActivityKind.NOTE
    assert "Invoice No. 1" in note.subject
    assert "122,000.00 RUB" in note.subject
    assert invoice.get_absolute_url() in note.body
    assert note.contact == deal.contact
    assert AuditEntry.objects.filter(object_id=invoice.pk, action="create").exists()


# --- refusals -----------------------------------------------------------------------


def test_an_invoice_for_an_empty_deal_is_refused(manager, own):
    deal = deal_with_lines(manager)
    deal.lines.all().delete()

    with pytest.raises(DomainError) as refused:
        invoice_issue(actor=manager, deal=deal)

    assert refused.value.field == "lines"
    assert "no lines" in str(refused.value.message)
    assert not Invoice.objects.exists()
    assert not NumberSequence.objects.filter(last_number__gt=0).exists()


def test_documents_are_refused_while_a_discount_awaits_approval(
    manager, deal, make_user
):
    head = make_user(role="head", first_name="Нина", last_name="Главная")
    ApprovalRequest.objects.create(
        deal=deal,
        discount_percent=Decimal("25"),
        requested_by=manager,
        approver=head,
        status=ApprovalStatus.PENDING,
    )

    for issue in (proposal_issue, order_issue, invoice_issue):
        with pytest.raises(DomainError) as refused:
            issue(actor=manager, deal=deal)
        assert refused.value.field == "deal"
        assert "awaits approval" in str(refused.value.message)
    assert not Invoice.objects.exists()
    assert not Activity.objects.exists()


def test_documents_are_refused_after_a_rejected_discount(manager, own, make_user):
    deal = deal_with_lines(manager)
    add_line(deal, "Со скидкой", price="1000.00", discount="30")
    head = make_user(role="head")
    ApprovalRequest.objects.create(
        deal=deal,
        discount_percent=Decimal("30"),
        requested_by=manager,
        approver=head,
        status=ApprovalStatus.REJECTED,
        decision_comment="Слишком много",
    )

    with pytest.raises(DomainError) as refused:
        invoice_issue(actor=manager, deal=deal)

    assert "rejected" in str(refused.value.message)


def test_a_deal_the_actor_may_not_change_is_refused(manager, other_manager, deal):
    # another manager does not even see it: a hidden deal is a missing one
    with pytest.raises(NotFound):
        invoice_issue(actor=other_manager, deal=deal)


def test_a_read_only_user_who_sees_the_deal_may_not_issue(deal, make_user):
    reader = make_user(role="readonly")
    with pytest.raises(Forbidden) as refused:
        invoice_issue(actor=reader, deal=deal)
    assert "may not change this deal" in str(refused.value.message)


def test_a_lost_deal_is_refused(manager, deal):
    lost = deal.pipeline.stages.get(kind=StageKind.LOST)
    deal.stage, deal.status = lost, DealStatus.LOST
    deal.save()
    with pytest.raises(DomainError, match="lost"):
        order_issue(actor=manager, deal=deal)


def test_documents_need_our_requisites(manager):
    deal = deal_with_lines(manager)
    with pytest.raises(DomainError) as refused:
        invoice_issue(actor=manager, deal=deal)
    assert refused.value.field == "own_company"


def test_an_invoice_due_before_its_date_is_refused(manager, deal):
    with pytest.raises(DomainError) as refused:
        invoice_issue(
            actor=manager,
            deal=deal,
            date=dt.date(2025, 3, 5),
            due_date=dt.date(2025, 3, 1),
        )
    assert refused.value.field == "due_date"


# --- statuses -----------------------------------------------------------------------


def test_an_order_moves_along_its_statuses_and_refuses_a_jump(manager, deal):
    order = order_issue(actor=manager, deal=deal)

    with pytest.raises(DomainError) as refused:
        order_set_status(actor=manager, order=order, status=OrderStatus.DONE)
    assert refused.value.field == "status"
    assert "cannot become" in str(refused.value.message)

    for status in (OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DONE):
        order = order_set_status(actor=manager, order=order, status=status)
    assert order.status == OrderStatus.DONE
    with pytest.raises(DomainError):
        order_set_status(actor=manager, order=order, status=OrderStatus.CANCELLED)
    assert Activity.objects.filter(subject__contains="Done").exists()


def test_an_unknown_status_is_named(manager, deal):
    order = order_issue(actor=manager, deal=deal)
    with pytest.raises(DomainError) as refused:
        order_set_status(actor=manager, order=order, status="lost")
    assert refused.value.field == "status"
    assert "Choose one of" in str(refused.value.message)


def test_a_proposal_is_accepted_or_declined(manager, deal):
    proposal = proposal_issue(actor=manager, deal=deal)
    proposal = proposal_set_status(
        actor=manager, proposal=proposal, status=ProposalStatus.SENT
    )
    assert proposal.sent_at is not None
    proposal = proposal_set_status(
        actor=manager, proposal=proposal, status=ProposalStatus.ACCEPTED
    )
    assert proposal.status == ProposalStatus.ACCEPTED
    with pytest.raises(DomainError):
        proposal_set_status(
            actor=manager, proposal=proposal, status=ProposalStatus.DRAFT
        )


def test_only_the_latest_draft_proposal_is_deleted_and_its_number_returns(
    manager, deal
):
    first = proposal_issue(actor=manager, deal=deal)
    second = proposal_issue(actor=manager, deal=deal)

    with pytest.raises(DomainError) as refused:
        proposal_delete(actor=manager, proposal=first)
    assert refused.value.field == "number"

    proposal_delete(actor=manager, proposal=second)
    assert list(Proposal.objects.values_list("number", flat=True)) == [1]
    assert not DocumentLine.objects.filter(proposal_id=second.pk).exists()
    assert proposal_issue(actor=manager, deal=deal).number == 2


def test_a_sent_proposal_is_not_deleted(manager, deal):
    proposal = proposal_issue(actor=manager, deal=deal)
    proposal_set_status(actor=manager, proposal=proposal, status=ProposalStatus.SENT)
    with pytest.raises(DomainError, match="Only a draft"):
        proposal_delete(actor=manager, proposal=proposal)


# --- payments -----------------------------------------------------------------------


def test_payments_make_an_invoice_partly_paid_then_paid(manager, deal):
    invoice = invoice_issue(actor=manager, deal=deal)

    payment_record(actor=manager, invoice=invoice, amount="22000", reference="15")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTLY_PAID
    assert invoice.paid_amount == Decimal("22000.00")
    assert invoice.balance == Decimal("100000.00")

    payment_record(
        actor=manager, invoice=invoice, amount=Decimal("100000.00"), date=TODAY()
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.balance == 0
    assert Activity.objects.filter(subject__startswith="Payment of").count() == 2


def test_an_overpayment_is_refused_and_nothing_is_recorded(manager, deal):
    invoice = invoice_issue(actor=manager, deal=deal)
    payment_record(actor=manager, invoice=invoice, amount="100000")

    with pytest.raises(DomainError) as refused:
        payment_record(actor=manager, invoice=invoice, amount="22000.01")

    assert refused.value.field == "amount"
    assert "cannot be overpaid" in str(refused.value.message)
    assert "22,000.00 RUB" in str(refused.value.message)
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("100000.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "greater than zero"),
        ("-5", "greater than zero"),
        ("abc", "Enter an amount"),
        ("10.001", "two decimals"),
    ],
)
def test_a_bad_amount_is_named(manager, deal, amount, message):
    invoice = invoice_issue(actor=manager, deal=deal)
    with pytest.raises(DomainError) as refused:
        payment_record(actor=manager, invoice=invoice, amount=amount)
    assert refused.value.field == "amount"
    assert message in str(refused.value.message)


def test_a_payment_in_the_future_is_refused(manager, deal):
    invoice = invoice_issue(actor=manager, deal=deal)
    with pytest.raises(DomainError) as refused:
        payment_record(
            actor=manager,
            invoice=invoice,
            amount="1",
            date=TODAY() + dt.timedelta(days=1),
        )
    assert refused.value.field == "date"


def test_cancelling_a_paid_invoice_is_refused(manager, deal):
    invoice = invoice_issue(actor=manager, deal=deal)
    payment_record(actor=manager, invoice=invoice, amount="122000")

    with pytest.raises(DomainError) as refused:
        invoice_cancel(actor=manager, invoice=invoice)

    assert "paid invoice cannot be cancelled" in str(refused.value.message)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_a_partly_paid_invoice_is_not_cancelled_either(manager, deal):
    invoice = invoice_issue(actor=manager, deal=deal)
    payment_record(actor=manager, invoice=invoice, amount="1000")
    with pytest.raises(DomainError, match="Money has been received"):
        invoice_cancel(actor=manager, invoice=invoice)


def test_a_cancelled_invoice_takes_no_payments(manager, deal):
    invoice = invoice_issue(actor=manager, deal=deal)
    invoice = invoice_cancel(actor=manager, invoice=invoice)
    assert invoice.status == InvoiceStatus.CANCELLED
    with pytest.raises(DomainError, match="cancelled"):
        payment_record(actor=manager, invoice=invoice, amount="1")


def test_another_manager_may_not_record_payments(manager, deal, make_user):
    invoice = invoice_issue(actor=manager, deal=deal)
    reader = make_user(role="readonly")
    with pytest.raises(Forbidden):
        payment_record(actor=reader, invoice=invoice, amount="1")
    assert not Payment.objects.exists()


# --- our requisites -----------------------------------------------------------------


def test_requisites_are_checked_field_by_field(admin_user):
    with pytest.raises(DomainError) as refused:
        own_company_create(
            actor=admin_user,
            name="ООО «Парус»",
            inn="1234567890",
            kpp="12",
            bik="04452522",
            bank_account="4070281000000001234",
            correspondent_account="30101810400000000226",
        )
    errors = refused.value.all_errors
    assert set(errors) == {"inn", "kpp", "bik", "bank_account"}
    assert "9 digits" in str(errors["bik"][0])
    assert "20 digits" in str(errors["bank_account"][0])
    assert not OwnCompany.objects.exists()


def test_an_account_that_does_not_match_the_bik_is_refused(admin_user):
    with pytest.raises(DomainError) as refused:
        own_company_create(
            actor=admin_user,
            name="ООО «Парус»",
            bik="044525225",
            bank_account="40702810000000012345",
            correspondent_account="30101810400000000226",
        )
    assert set(refused.value.all_errors) == {"bank_account", "correspondent_account"}


def test_one_default_company_at_a_time(admin_user):
    first = own_company_create(
        actor=admin_user,
        name="ООО «Парус»",
        inn="7707083893",
        bik="044525225",
        bank_account=valid_account("40702810000000012345"),
        correspondent_account="30101810400000000225",
    )
    assert first.is_default  # the first one is the default

    second = own_company_create(actor=admin_user, name="ИП Петров", is_default=True)
    first.refresh_from_db()
    assert second.is_default
    assert not first.is_default

    with pytest.raises(DomainError):
        own_company_update(actor=admin_user, own_company=second, is_default=False)
    own_company_update(actor=admin_user, own_company=first, is_default=True)
    second.refresh_from_db()
    assert not second.is_default


def test_only_an_administrator_enters_our_requisites(manager):
    with pytest.raises(Forbidden):
        own_company_create(actor=manager, name="ООО «Парус»")
