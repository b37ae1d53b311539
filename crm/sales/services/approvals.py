"""Approval of discounts above a role's limit.

A line whose discount is above the limit of the actor's role (`DiscountLimit`) is
saved, and the deal gets a pending `ApprovalRequest` to an approver: the head of
the actor's team, else an administrator. The approver hears of it in the CRM and by
e-mail, and approves or rejects it with a comment. Everything is logged on the deal
and on the client's timeline. While a request is pending, or after a rejection
whose discount is still on the deal, no document may be issued for the deal
(`deal_documents_allowed`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.activities.services.records import language_of
from crm.core import audit, visibility
from crm.core.errors import DomainError, Forbidden
from crm.core.services import notification_send
from crm.sales.models import (
    ApprovalRequest,
    ApprovalStatus,
    Deal,
    DealLine,
    DiscountLimit,
)
from crm.sales.services.deal_history import deal_log, deal_timeline_note

HUNDRED = Decimal(100)


def discount_limit_for(user) -> Decimal:
    """The largest discount the user's role may give without approval."""
    if user is None:
        return Decimal(0)
    if user.is_superuser:
        return HUNDRED
    cache = getattr(user, "_discount_limit", None)
    if cache is not None:
        return cache
    limit = (
        DiscountLimit.objects.filter(role=user.role)
        .values_list("max_percent", flat=True)
        .first()
    )
    # A role without a limit gives no discount on its own.
    result = limit if limit is not None else Decimal(0)
    user._discount_limit = result
    return result


def approver_for(user):
    """Who approves the user's discounts: their team's head, else an administrator."""
    team = getattr(user, "team", None)
    head = team.head if team is not None and team.head_id else None
    if head is not None and head.pk != user.pk and head.is_active:
        return head
    return (
        get_user_model()
        .objects.filter(Q(role=visibility.Role.ADMIN) | Q(is_superuser=True))
        .filter(is_active=True)
        .exclude(pk=user.pk)
        .order_by("id")
        .first()
    )


def _max_line_discount(deal: Deal) -> Decimal:
    return DealLine.objects.filter(deal=deal).aggregate(m=Max("discount_percent"))[
        "m"
    ] or Decimal(0)


def _approved_max(deal: Deal) -> Decimal | None:
    return ApprovalRequest.objects.filter(
        deal=deal, status=ApprovalStatus.APPROVED
    ).aggregate(m=Max("discount_percent"))["m"]


def _percent(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _notify_approver(approval: ApprovalRequest) -> None:
    approver = approval.approver
    deal = approval.deal
    with translation.override(language_of(approver)):
        title = _(
            "%(who)s asks you to approve a discount of %(percent)s %% on “%(deal)s”"
        ) % {
            "who": str(approval.requested_by),
            "percent": _percent(approval.discount_percent),
            "deal": deal.title,
        }
        body = "\n".join(
            text
            for text in (
                _("Limit of their role: %(limit)s %%.")
                % {"limit": _percent(discount_limit_for(approval.requested_by))},
                approval.comment,
                _("Approve or reject it on the deal's card."),
            )
            if text
        )
        notification_send(
            user=approver, title=title[:300], body=body, url=deal.get_absolute_url()
        )


def _notify_requester(approval: ApprovalRequest, actor) -> None:
    requester = approval.requested_by
    if requester.pk == getattr(actor, "pk", None):
        return
    with translation.override(language_of(requester)):
        if approval.status == ApprovalStatus.APPROVED:
            title = _("%(who)s approved the discount of %(percent)s %% on “%(deal)s”")
        else:
            title = _("%(who)s rejected the discount of %(percent)s %% on “%(deal)s”")
        title = title % {
            "who": str(actor),
            "percent": _percent(approval.discount_percent),
            "deal": approval.deal.title,
        }
        notification_send(
            user=requester,
            title=title[:300],
            body=approval.decision_comment,
            url=approval.deal.get_absolute_url(),
        )


def _request(*, actor, deal: Deal, discount: Decimal, comment: str = ""):
    approver = approver_for(actor)
    if approver is None:
        raise DomainError(
            _(
                "A discount above %(limit)s %% needs approval, and there is no "
                "administrator to approve it."
            )
            % {"limit": _percent(discount_limit_for(actor))},
            field="discount_percent",
        )
    approval = ApprovalRequest.objects.create(
        deal=deal,
        discount_percent=discount,
        requested_by=actor,
        approver=approver,
        comment=comment,
    )
    deal_log(
        actor=actor,
        deal=deal,
        key="approvals",
        new=_("Discount of %(percent)s %% sent for approval to %(approver)s")
        % {"percent": _percent(discount), "approver": str(approver)},
    )
    _notify_approver(approval)
    return approval


def discount_review(*, actor, deal: Deal, lines: list[DealLine]) -> None:
    """After the actor changed lines: ask approval for a discount above their limit,
    or withdraw a pending request that no line needs any more.

    One pending request per deal: a higher discount raises it (and the approver
    hears again), an approved one covers every discount up to it.
    """
    limit = discount_limit_for(actor)
    approved = _approved_max(deal)
    pending = (
        ApprovalRequest.objects.select_for_update()
        .filter(deal=deal, status=ApprovalStatus.PENDING)
        .select_related("approver", "requested_by")
        .first()
    )

    def covered(discount: Decimal) -> bool:
        return discount <= limit or (approved is not None and discount <= approved)

    needed = max(
        (line.discount_percent for line in lines if not covered(line.discount_percent)),
        default=None,
    )
    if needed is not None:
        if pending is None:
            _request(actor=actor, deal=deal, discount=needed)
        elif pending.discount_percent < needed:
            old = _percent(pending.discount_percent)
            pending.discount_percent = needed
            pending.requested_by = actor
            pending.requested_at = timezone.now()
            pending.save(
                update_fields=["discount_percent", "requested_by", "requested_at"]
            )
            deal_log(
                actor=actor,
                deal=deal,
                key="approvals",
                old=_("Discount of %(percent)s %% awaiting approval")
                % {"percent": old},
                new=_("Discount of %(percent)s %% awaiting approval")
                % {"percent": _percent(needed)},
            )
            _notify_approver(pending)
        return
    if pending is None:
        return
    highest = _max_line_discount(deal)
    allowed = max(discount_limit_for(pending.requested_by), approved or Decimal(0))
    if highest <= allowed:
        # No line needs it any more: the approver has nothing left to decide.
        deal_log(
            actor=actor,
            deal=deal,
            key="approvals",
            old=_("Discount of %(percent)s %% awaiting approval")
            % {"percent": _percent(pending.discount_percent)},
            new=_("Request withdrawn: the discount is within the limit"),
        )
        pending.delete()


@transaction.atomic
def approval_request(*, actor, deal: Deal, comment: str = "") -> ApprovalRequest:
    """Ask (again) for approval of the deal's largest discount, with a comment.

    Used after a rejection: the manager explains and asks once more.
    """
    visibility.ensure_can_edit(actor=actor, obj=deal)
    if ApprovalRequest.objects.filter(
        deal=deal, status=ApprovalStatus.PENDING
    ).exists():
        raise DomainError(
            _("A request for this deal is already waiting for a decision.")
        )
    discount = _max_line_discount(deal)
    approved = _approved_max(deal)
    if discount <= discount_limit_for(actor) or (
        approved is not None and discount <= approved
    ):
        raise DomainError(
            _("The deal's discounts need no approval."), field="discount_percent"
        )
    return _request(
        actor=actor, deal=deal, discount=discount, comment=(comment or "").strip()
    )


def _decide(*, actor, approval: ApprovalRequest, status: str, comment: str):
    if not (approval.approver_id == actor.pk or visibility.is_admin(actor)):
        raise Forbidden(_("Only the approver or an administrator may decide."))
    locked = ApprovalRequest.objects.select_for_update().get(pk=approval.pk)
    if locked.status != ApprovalStatus.PENDING:
        raise DomainError(_("This request has already been decided."))
    approval.status = status
    approval.decision_comment = (comment or "").strip()
    approval.decided_at = timezone.now()
    approval.save(update_fields=["status", "decision_comment", "decided_at"])
    deal = approval.deal
    values = {
        "percent": _percent(approval.discount_percent),
        "who": str(actor),
        "comment": approval.decision_comment,
    }
    if status == ApprovalStatus.APPROVED:
        text = _("Discount of %(percent)s %% approved by %(who)s") % values
    else:
        text = _("Discount of %(percent)s %% rejected by %(who)s") % values
    if approval.decision_comment:
        text = f"{text}: {approval.decision_comment}"
    deal_log(
        actor=actor,
        deal=deal,
        key="approvals",
        old=_("Discount of %(percent)s %% awaiting approval") % values,
        new=text,
    )
    deal_timeline_note(
        actor=actor, deal=deal, subject=f"{deal.title}: {text}"[:300], body=""
    )
    _notify_requester(approval, actor)
    return approval


@transaction.atomic
def approval_approve(
    *, actor, approval: ApprovalRequest, comment: str = ""
) -> ApprovalRequest:
    """Approve a discount: documents may be issued again for the deal."""
    return _decide(
        actor=actor, approval=approval, status=ApprovalStatus.APPROVED, comment=comment
    )


@transaction.atomic
def approval_reject(
    *, actor, approval: ApprovalRequest, comment: str = ""
) -> ApprovalRequest:
    """Reject a discount with a comment saying why: no documents for the deal until
    the discount is lowered to the limit or approved on a new request."""
    if not (comment or "").strip():
        raise DomainError(_("Say why the discount is rejected."), field="comment")
    return _decide(
        actor=actor, approval=approval, status=ApprovalStatus.REJECTED, comment=comment
    )


def _loaded(deal: Deal, name: str) -> list | None:
    """Rows of a relation the caller already prefetched (the card does), else None."""
    cache = getattr(deal, "_prefetched_objects_cache", {})
    return list(cache[name]) if name in cache else None


def deal_documents_allowed(deal: Deal) -> tuple[bool, str]:
    """Whether proposals, orders and invoices may be issued for the deal, and why not.

    Refused while a discount approval is pending, and after a rejection as long as
    a line still carries a discount above the requester's limit that no later
    approval covers. Reads the deal's prefetched approvals and lines when present.
    """
    requests = _loaded(deal, "approvals")
    if requests is None:
        requests = list(
            ApprovalRequest.objects.filter(deal=deal).select_related(
                "approver", "requested_by"
            )
        )
    if not requests:
        return True, ""
    requests.sort(key=lambda r: (r.requested_at, r.pk), reverse=True)
    for approval in requests:
        if approval.status == ApprovalStatus.PENDING:
            return False, _(
                "A discount of %(percent)s %% awaits approval by %(approver)s."
            ) % {
                "percent": _percent(approval.discount_percent),
                "approver": str(approval.approver),
            }
    lines = _loaded(deal, "lines")
    highest = (
        max((line.discount_percent for line in lines), default=Decimal(0))
        if lines is not None
        else _max_line_discount(deal)
    )
    approved = max(
        (r.discount_percent for r in requests if r.status == ApprovalStatus.APPROVED),
        default=None,
    )
    if approved is not None and highest <= approved:
        return True, ""
    for approval in requests:
        if approval.status != ApprovalStatus.REJECTED:
            continue
        if highest > discount_limit_for(approval.requested_by):
            reason = _(
                "%(approver)s rejected the discount of %(percent)s %%. Lower the "
                "discount or ask for approval again."
            ) % {
                "approver": str(approval.approver),
                "percent": _percent(approval.discount_percent),
            }
            if approval.decision_comment:
                reason = f"{reason} ({approval.decision_comment})"
            return False, reason
        break
    return True, ""


@transaction.atomic
def discount_limits_set(*, actor, limits: Mapping[str, Any]) -> list[DiscountLimit]:
    """Store the largest discount each role may give without approval
    (administrators only); percentages from 0 to 100."""
    visibility.ensure_admin(actor=actor)
    errors: dict[str, list] = {}
    cleaned: dict[str, Decimal] = {}
    for role, value in limits.items():
        if role not in visibility.Role.values:
            errors.setdefault(role, []).append(_("Unknown role."))
            continue
        try:
            number = Decimal(str(value).replace(",", ".").strip())
        except ArithmeticError:
            number = None
        if number is None or not number.is_finite() or not 0 <= number <= HUNDRED:
            errors.setdefault(role, []).append(_("Enter a discount from 0 to 100 %."))
            continue
        if number != number.quantize(Decimal("0.01")):
            errors.setdefault(role, []).append(
                _("At most %(places)d digits after the decimal point.") % {"places": 2}
            )
            continue
        cleaned[role] = number
    if errors:
        raise DomainError.from_errors(errors)
    result = []
    for role, number in cleaned.items():
        limit = DiscountLimit.objects.filter(role=role).first()
        if limit is None:
            limit = DiscountLimit.objects.create(role=role, max_percent=number)
            audit.record_create(actor, limit)
        elif limit.max_percent != number:
            before = audit.snapshot(limit)
            limit.max_percent = number
            limit.save(update_fields=["max_percent"])
            audit.record_update(actor, limit, before)
        result.append(limit)
    return result
