"""The documents of the demo's deals: a proposal, an order, an invoice with its
payments and a recorded sale, as the services of documents would have issued them —
lines copied from the deal, totals summed from the lines, the parties' requisites
frozen as `supplier_requisites` and `buyer_requisites` keep them, numbers taken
from the outline (numbered per year in date order beforehand)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection

from crm.demo.clock import Clock
from crm.demo.sales import words
from crm.demo.sales.batch import Company, Ids, line_values
from crm.demo.sales.plan import LOST, OPEN, WON, Outline, document_days
from crm.demo.sales.setup import Setup
from crm.sales.models import Invoice, OrderStatus, ProposalStatus
from crm.sales.services.documents.issue import INVOICE_DUE_DAYS, PROPOSAL_VALID_DAYS
from crm.sales.services.documents.payments import invoice_status_for

CENT = Decimal("0.01")
ZERO = Decimal(0)
_PARTIES = Invoice._meta.get_field("parties")


class DocumentMaker:
    """Builds the documents of deals; ids are taken from the shared counter in order."""

    def __init__(self, *, setup: Setup, clock: Clock, outline: Outline, ids: Ids):
        self.setup = setup
        self.clock = clock
        self.outline = outline
        self.ids = ids
        self.today = clock.today_index

    def day(self, day: int) -> str:
        """A day as the database stores dates."""
        return (self.clock.first_day + dt.timedelta(days=day)).isoformat()

    def at(self, day: int, minute: int) -> str:
        return self.clock.at(day, minute)

    def issue(
        self, rng, out, index, sketch, deal_id, company_id, company, person, lines
    ) -> None:
        """The documents of a deal as far as its story went (`plan.document_days`)."""
        days = document_days(sketch, self.setup)
        if not days:
            return
        numbers = self.outline.numbers
        owner = sketch.owner
        contact_id = person[0] if person else None
        parties = _PARTIES.get_db_prep_save(
            {"supplier": self.setup.supplier, "buyer": _buyer(company, person)},
            connection,
        )
        copies = [
            line_values(product, quantity, price, discount, amounts)
            for product, quantity, price, discount, amounts in lines
        ]
        net = sum((line[7] for line in copies), ZERO)
        vat = sum((line[8] for line in copies), ZERO)
        total = sum((line[9] for line in copies), ZERO)

        def head(kind: str, document_id: int, day: int) -> tuple:
            year, number = numbers[kind][index]
            return (
                document_id,
                number,
                year,
                self.day(day),
                deal_id,
                company_id,
                contact_id,
                self.setup.own_company,
                "RUB",
                net,
                vat,
                total,
                "",
                parties,
                owner,
                self.at(day, 90 + rng.randrange(420)),
            )

        if "proposal" in days:
            day = days["proposal"]
            proposal_id = self.ids.proposal
            self.ids.proposal += 1
            status = {
                WON: ProposalStatus.ACCEPTED,
                LOST: ProposalStatus.DECLINED,
                OPEN: ProposalStatus.SENT,
            }[sketch.status].value
            out.proposals.append(
                (
                    *head("proposal", proposal_id, day),
                    self.at(day, 520),
                    self.day(day + PROPOSAL_VALID_DAYS),
                    status,
                )
            )
            out.document_lines.extend(
                (proposal_id, None, None, n, *c) for n, c in enumerate(copies, 1)
            )
        order_id = None
        if "order" in days:
            day = days["order"]
            order_id = self.ids.order
            self.ids.order += 1
            age = self.today - day
            if age < 5:
                status, moved = OrderStatus.CONFIRMED, day
            elif age < 15:
                status, moved = OrderStatus.SHIPPED, day + 3
            else:
                status, moved = OrderStatus.DONE, day + 10
            out.orders.append(
                (
                    *head("order", order_id, day),
                    None,
                    status.value,
                    self.at(min(moved, self.today - 1), 300),
                )
            )
            out.document_lines.extend(
                (None, order_id, None, n, *c) for n, c in enumerate(copies, 1)
            )
            sold = min(day + rng.randrange(10), self.today - 1)
            cost = sum(
                (Decimal(q) * p.cost_price for p, q, *_rest in lines), ZERO
            ).quantize(CENT, rounding=ROUND_HALF_UP)
            out.sales.append(
                (
                    deal_id,
                    order_id,
                    company_id,
                    owner,
                    self.day(sold),
                    "RUB",
                    net,
                    cost,
                    net - cost,
                    owner,
                    self.at(sold, 480),
                )
            )
        if "invoice" in days:
            day = days["invoice"]
            invoice_id = self.ids.invoice
            self.ids.invoice += 1
            paid = self._payments(rng, out, invoice_id, day, total, owner, order_id)
            out.invoices.append(
                (
                    *head("invoice", invoice_id, day),
                    self.at(day, 530),
                    order_id,
                    self.day(day + INVOICE_DUE_DAYS),
                    invoice_status_for(total=total, paid=paid),
                    paid,
                )
            )
            out.document_lines.extend(
                (None, None, invoice_id, n, *c) for n, c in enumerate(copies, 1)
            )

    def _payments(self, rng, out, invoice_id, day, total, owner, order_id) -> Decimal:
        """Most won deals' invoices are paid, some in part, a few not yet — overdue
        once their term has passed; an invoice sent before the deal closed has a
        prepayment now and then."""
        yesterday = self.today - 1
        roll = rng.random()
        if order_id is None:
            shares = [Decimal("0.5")] if roll < 0.25 else []
        elif day + INVOICE_DUE_DAYS < self.today:
            shares = (
                [Decimal(1)]
                if roll < 0.88
                else [rng.choice((Decimal("0.3"), Decimal("0.5")))]
                if roll < 0.95
                else []
            )
        else:
            shares = (
                [Decimal(1)] if roll < 0.45 else [Decimal("0.5")] if roll < 0.6 else []
            )
        if shares == [Decimal(1)] and rng.random() < 0.2:
            shares = [Decimal("0.5"), Decimal("0.5")]
        paid = ZERO
        pay_day = day
        for number, share in enumerate(shares):
            last = number == len(shares) - 1 and sum(shares) == 1
            amount = total - paid if last else (total * share).quantize(CENT)
            if amount <= 0:
                continue
            pay_day = min(pay_day + 1 + rng.randrange(10), yesterday)
            pay_day = max(pay_day, day)
            out.payments.append(
                (
                    invoice_id,
                    self.day(pay_day),
                    amount,
                    f"п/п № {100 + rng.randrange(9900)}",
                    rng.choice(words.PAYMENT_COMMENTS),
                    owner,
                    self.at(pay_day, 120 + rng.randrange(400)),
                )
            )
            paid += amount
        return paid


def _buyer(company: Company, person) -> dict[str, Any]:
    """The client's requisites as `buyer_requisites` keeps them."""
    return {
        "name": company.full_name or company.name,
        "short_name": company.name,
        "inn": company.inn,
        "kpp": company.kpp,
        "address": company.address,
        "phone": company.phone,
        "email": company.email,
        "contact": _full_name(person),
    }


def _full_name(person) -> str:
    if person is None:
        return ""
    return " ".join(p for p in person[1:4] if p)
