"""Approval of discounts above a role's limit, end to end: the request, the
notification and the letter, the decision with a comment, the log on the deal, and
what it means for issuing documents."""

from decimal import Decimal as D

import pytest
from django.contrib.contenttypes.models import ContentType

from crm.accounts.tests.mail import body_of, parse
from crm.activities.models import Activity
from crm.core.errors import DomainError, Forbidden
from crm.core.models import AuditEntry, Notification
from crm.sales.models import ApprovalRequest, ApprovalStatus, Deal, DiscountLimit
from crm.sales.services.approvals import (
    approval_approve,
    approval_reject,
    approval_request,
    deal_documents_allowed,
    discount_limit_for,
    discount_limits_set,
)
from crm.sales.services.deals import deal_line_add, deal_line_update
from crm.sales.tests.factories_deals import make_deal, priced_product


@pytest.fixture
def head(make_user, team):
    user = make_user(
        role="head", team=team, first_name="Мария", last_name="Начальникова"
    )
    team.head = user
    team.save()
    return user


def _deal_log(deal) -> list[dict]:
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Deal), object_id=deal.pk
    ).order_by("at", "id")
    return [e.changes["approvals"] for e in entries if "approvals" in e.changes]


def test_a_discount_above_the_limit_is_saved_and_sent_to_the_head_then_approved(
    manager, head, smtp_sink, django_capture_on_commit_callbacks
):
    # given: a sales manager may give 10 % on their own
    deal = make_deal(manager, title="Станки для «Ромашки»")
    product = priced_product("1000.00")
    # when: they give 25 %
    with django_capture_on_commit_callbacks(execute=True):
        line = deal_line_add(
            actor=manager,
            deal=deal,
            product=product,
            quantity=1,
            discount_percent="25",
        )
    # then: the line is saved, the head is asked and hears of it
    assert line.total_amount == D("750.00")
    approval = ApprovalRequest.objects.get(deal=deal)
    assert (approval.status, approval.approver, approval.requested_by) == (
        ApprovalStatus.PENDING,
        head,
        manager,
    )
    assert approval.discount_percent == D("25")
    notification = Notification.objects.get(user=head)
    assert "25" in notification.title
    assert "Станки для «Ромашки»" in notification.title
    assert notification.url == deal.get_absolute_url()
    letters = [m for m in smtp_sink.messages if m["to"] == [head.email]]
    assert len(letters) == 1
    assert "Станки для «Ромашки»" in parse(letters[0])["Subject"]
    assert deal.get_absolute_url() in body_of(letters[0])
    allowed, reason = deal_documents_allowed(deal)
    assert allowed is False
    assert "awaits approval" in reason
    # when: the head approves with a comment
    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(actor=head, approval=approval, comment="Постоянный клиент")
    # then: logged on the deal and the timeline, the manager hears, documents may go
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    assert approval.decision_comment == "Постоянный клиент"
    assert approval.decided_at is not None
    log = _deal_log(deal)
    assert "sent for approval" in log[0]["new"]
    assert "approved" in log[-1]["new"]
    assert "Постоянный клиент" in log[-1]["new"]
    assert Activity.objects.filter(
        company=deal.company, subject__contains="Постоянный клиент"
    ).exists()
    assert Notification.objects.filter(
        user=manager, title__contains="approved"
    ).exists()
    assert any(m["to"] == [manager.email] for m in smtp_sink.messages)
    assert deal_documents_allowed(deal) == (True, "")


def test_a_rejected_discount_blocks_documents_until_it_is_lowered(manager, head):
    # given
    deal = make_deal(manager)
    line = deal_line_add(
        actor=manager,
        deal=deal,
        product=priced_product(),
        quantity=1,
        discount_percent="30",
    )
    approval = ApprovalRequest.objects.get(deal=deal)
    # when
    approval_reject(actor=head, approval=approval, comment="Слишком много")
    # then
    allowed, reason = deal_documents_allowed(deal)
    assert allowed is False
    assert "Слишком много" in reason
    assert "rejected" in _deal_log(deal)[-1]["new"]
    # when: the manager lowers it within their limit
    deal_line_update(actor=manager, deal=deal, line=line, discount_percent="10")
    # then
    assert deal_documents_allowed(deal) == (True, "")


def test_a_rejection_needs_a_comment(manager, head):
    deal = make_deal(manager)
    deal_line_add(
        actor=manager,
        deal=deal,
        product=priced_product(),
        quantity=1,
        discount_percent="30",
    )
    approval = ApprovalRequest.objects.get(deal=deal)
    with pytest.raises(DomainError) as error:
        approval_reject(actor=head, approval=approval, comment=" ")
    assert error.value.field == "comment"
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING


def test_only_the_approver_or_an_administrator_decides(
    manager, other_manager, head, admin_user
):
    deal = make_deal(manager)
    deal_line_add(
        actor=manager,
        deal=deal,
        product=priced_product(),
        quantity=1,
        discount_percent="30",
    )
    approval = ApprovalRequest.objects.get(deal=deal)
    with pytest.raises(Forbidden):
        approval_approve(actor=manager, approval=approval)
    with pytest.raises(Forbidden):
        approval_approve(actor=other_manager, approval=approval)
    approval_approve(actor=admin_user, approval=approval)
    with pytest.raises(DomainError):
        approval_reject(actor=head, approval=approval, comment="Поздно")


def test_without_a_head_an_administrator_approves(make_user, admin_user):
    loner = make_user(role="sales")
    deal = make_deal(loner)
    deal_line_add(
        actor=loner,
        deal=deal,
        product=priced_product(),
        quantity=1,
        discount_percent="15",
    )
    assert ApprovalRequest.objects.get(deal=deal).approver == admin_user


def test_a_discount_within_the_limit_needs_no_approval(manager, head):
    deal = make_deal(manager)
    deal_line_add(
        actor=manager,
        deal=deal,
        product=priced_product(),
        quantity=1,
        discount_percent="10",
    )
    assert not ApprovalRequest.objects.exists()
    assert deal_documents_allowed(deal) == (True, "")


def test_a_higher_discount_raises_the_pending_request(manager, head):
    deal = make_deal(manager)
    line = deal_line_add(
        actor=manager,
        deal=deal,
        product=priced_product(),
        quantity=1,
        discount_percent="15",
    )
    deal_line_update(actor=manager, deal=deal, line=line, discount_percent="20")
    approval = ApprovalRequest.objects.get(deal=deal)
    assert approval.discount_percent == D("20")
    assert Notification.objects.filter(user=head).count() == 2


def test_an_approval_covers_lower_discounts_but_not_higher(manager, head):
    # given: 20 % approved
    deal = make_deal(manager)
    line = deal_line_add(
        actor=manager,
        deal=deal,
        product=priced_product(),
        quantity=1,
        discount_percent="20",
    )
    approval_approve(actor=head, approval=ApprovalRequest.objects.get(deal=deal))
    # when: 18 % on another line, then 30 %
    deal_line_add(
        actor=manager,
        deal=deal,
        product=priced_product(),
        quantity=1,
        discount_percent="18",
    )
    assert ApprovalRequest.objects.filter(deal=deal).count() == 1
    deal_line_update(actor=manager, deal=deal, line=line, discount_percent="30")
    # then
    pending = ApprovalRequest.objects.get(deal=deal, status=ApprovalStatus.PENDING)
    assert pending.discount_percent == D("30")


def test_lowering_the_discount_withdraws_the_pending_request(manager, head):
    deal = make_deal(manager)
    line = deal_line_add(
        actor=manager,
        deal=deal,
        product=priced_product(),
        quantity=1,
        discount_percent="40",
    )
    deal_line_update(actor=manager, deal=deal, line=line, discount_percent="5")
    assert not ApprovalRequest.objects.filter(deal=deal).exists()
    assert "withdrawn" in _deal_log(deal)[-1]["new"]
    assert deal_documents_allowed(deal) == (True, "")


def test_after_a_rejection_the_manager_may_ask_again_with_a_reason(manager, head):
    deal = make_deal(manager)
    deal_line_add(
        actor=manager,
        deal=deal,
        product=priced_product(),
        quantity=1,
        discount_percent="30",
    )
    approval_reject(
        actor=head,
        approval=ApprovalRequest.objects.get(deal=deal),
        comment="Обоснуйте",
    )
    again = approval_request(actor=manager, deal=deal, comment="Конкурент даёт 30 %")
    assert again.status == ApprovalStatus.PENDING
    assert again.comment == "Конкурент даёт 30 %"
    with pytest.raises(DomainError):
        approval_request(actor=manager, deal=deal)


def test_administrators_set_the_limits_per_role(admin_user, manager):
    discount_limits_set(actor=admin_user, limits={"sales": "12.5", "marketer": 5})
    assert DiscountLimit.objects.get(role="sales").max_percent == D("12.5")
    assert discount_limit_for(manager) == D("12.5")
    with pytest.raises(DomainError) as error:
        discount_limits_set(actor=admin_user, limits={"sales": "101"})
    assert error.value.field == "sales"
    with pytest.raises(Forbidden):
        discount_limits_set(actor=manager, limits={"sales": "50"})


def test_an_administrator_gives_any_discount_without_approval(admin_user):
    deal = make_deal(admin_user)
    deal_line_add(
        actor=admin_user,
        deal=deal,
        product=priced_product(),
        quantity=1,
        discount_percent="100",
    )
    assert not ApprovalRequest.objects.exists()
