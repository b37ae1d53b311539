"""Rows of the demo's deals, built from their sketches one batch at a time.

Each deal gets the rows its services would have written: the deal with its amount
and status, lines whose amounts come from `line_amounts` (the services' own
rounding), the stage history, participants, the action plan with its tasks, and —
as its story goes — its documents (`sales.documents`). A converted lead comes with
the deal it became (`sales.leads`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext as _

from crm.activities.models import Task, TaskPriority, TaskStatus
from crm.customers.models import Relation
from crm.demo.clock import Clock
from crm.demo.rows import SearchSource
from crm.demo.sales import columns, words
from crm.demo.sales.batch import Company, Ids, SalesRows, line_values
from crm.demo.sales.documents import DocumentMaker
from crm.demo.sales.leads import LeadMaker
from crm.demo.sales.plan import LOST, WON, Client, Outline, Sketch
from crm.demo.sales.setup import ProductInfo, Setup
from crm.demo.sampling import FastRandom, cumulative, pick
from crm.sales.models import (
    Deal,
    ParticipantSide,
    PlanStepStatus,
)
from crm.sales.services.deals import LineAmounts, line_amounts

CENT = Decimal("0.01")
ZERO = Decimal(0)
_MAIN_CUM = cumulative(w for _g, w in words.MAIN_GROUPS)
_MAIN_TOTAL = _MAIN_CUM[-1]
_EXTRA_LINES = cumulative((35, 30, 20, 10, 5))  # 0…4 lines beside the main one
_DISCOUNTS = {
    "retail": (3, 5, 5, 7, 10),
    "dealer": (2, 3, 5),
    "tender": (5, 7, 10, 10),
}
_TASK_STATUS = {
    PlanStepStatus.PLANNED.value: TaskStatus.OPEN.value,
    PlanStepStatus.DONE.value: TaskStatus.DONE.value,
    PlanStepStatus.SKIPPED.value: TaskStatus.CANCELLED.value,
}


class Staff:
    """Who does a model step on a deal, as the playbook service decides it: the
    owner when the step's role is theirs, else the first active user with the role,
    those of the owner's team first; without a role, the owner."""

    def __init__(self, users: Sequence[tuple[int, str, int | None]]) -> None:
        self.users = users  # (id, role, team id), by id
        self.role_of = {pk: role for pk, role, _team in users}
        self.team_of = {pk: team for pk, _role, team in users}
        self.found: dict[tuple[str, int], int] = {}

    def responsible(self, role: str, owner: int) -> int:
        if not role or self.role_of.get(owner) == role:
            return owner
        key = (role, owner)
        if key not in self.found:
            team = self.team_of.get(owner)
            same = [pk for pk, r, t in self.users if r == role and t == team]
            other = [pk for pk, r, _t in self.users if r == role]
            self.found[key] = (same or other or [owner])[0]
        return self.found[key]


class DealMaker:
    """Builds the rows of the deals of an outline, batch after batch, in order."""

    def __init__(
        self,
        *,
        seed: int,
        setup: Setup,
        clock: Clock,
        outline: Outline,
        clients: list[Client],
        staff: Staff,
        ids: Ids,
        leads: LeadMaker,
        tender_source: int | None,
    ) -> None:
        self.seed = seed
        self.setup = setup
        self.clock = clock
        self.outline = outline
        self.clients = clients
        self.staff = staff
        self.ids = ids
        self.leads = leads
        self.tender_source = tender_source
        self.first_deal = ids.deal
        self.today = clock.today_index
        self.amounts: dict[tuple, LineAmounts] = {}
        self.documents = DocumentMaker(
            setup=setup, clock=clock, outline=outline, ids=ids
        )

    # --- helpers ----------------------------------------------------------------------

    def day(self, day: int) -> str:
        """A day as the database stores dates."""
        return (self.clock.first_day + dt.timedelta(days=day)).isoformat()

    def at(self, day: int, minute: int) -> str:
        return self.clock.at(day, minute)

    def _amounts(self, product: ProductInfo, quantity, price, discount, include):
        key = (product.id, quantity, price, discount, include)
        found = self.amounts.get(key)
        if found is None:
            found = self.amounts[key] = line_amounts(
                quantity=Decimal(quantity),
                price=price,
                discount_percent=Decimal(discount),
                vat_rate=product.vat_rate,
                prices_include_vat=include,
            )
        return found

    # --- a batch ----------------------------------------------------------------------

    def build(self, number: int, indexes: range, companies: dict[int, Company]):
        """The rows of the sketches `indexes` (batch `number`)."""
        rng = FastRandom(self.seed * 1_000_003 + 500_009 + number)
        out = SalesRows()
        for index in indexes:
            sketch = self.outline.sketches[index]
            client = self.clients[sketch.client]
            self._deal(rng, out, index, sketch, client, companies[client.id])
        return out

    def _deal(self, rng, out, index, sketch: Sketch, client: Client, company):
        setup = self.setup
        deal_id = self.first_deal + index
        pipeline = setup.pipelines[sketch.pipeline]
        person = company.people[0] if company.people else None
        dealer = client.relation in (Relation.DEALER.value, Relation.PARTNER.value)
        price_list = setup.dealer if dealer else setup.retail
        include = setup.dealer_includes_vat if dealer else setup.retail_includes_vat
        kind = "tender" if sketch.pipeline == 1 else "dealer" if dealer else "retail"
        group, lines = self._lines(rng, kind, dealer, include)
        amount = sum((amounts.total for *_rest, amounts in lines), ZERO)
        title = self._title(rng, group, lines, sketch.pipeline == 1)
        owner = sketch.owner
        created = self.at(*sketch.times[0])
        moved = self.at(*sketch.times[-1])
        stage_id, probability = pipeline.stages[sketch.path[-1]]
        lost_reason = lost_comment = None
        if sketch.status == LOST and setup.lost_reasons:
            lost_reason = rng.choice(setup.lost_reasons)
            lost_comment = rng.choice(words.LOST_COMMENTS)
        source = client.source
        lead_id = None
        if sketch.from_lead:
            lead_id, source = self.leads.converted(
                rng,
                out,
                group=group,
                owner=owner,
                company_id=client.id,
                company=company,
                person=person,
                deal_day=sketch.times[0][0],
                deal_created=created,
            )
        elif sketch.pipeline == 1 and self.tender_source is not None:
            source = self.tender_source
        external_id = f"demo-deal-{deal_id}"
        out.deals.append(
            (
                deal_id,
                title,
                client.id,
                person[0] if person else None,
                owner,
                pipeline.id,
                stage_id,
                sketch.status,
                moved,
                price_list,
                "RUB",
                amount,
                probability,
                self.day(sketch.expected_day),
                moved if sketch.closed else None,
                source,
                lost_reason,
                lost_comment or "",
                lead_id,
                rng.choice(words.DEAL_NOTES) if rng.random() < 0.2 else "",
                external_id,
                Deal.build_search_text(
                    SearchSource({"title": title, "external_id": external_id})  # type: ignore[arg-type]
                ),
                created,
                moved,
                owner,
            )
        )
        for position, (product, quantity, price, discount, amounts) in enumerate(
            lines, start=1
        ):
            out.lines.append(
                (
                    deal_id,
                    position,
                    *line_values(product, quantity, price, discount, amounts),
                )
            )
        previous = None
        for stage, moment in zip(sketch.path, sketch.times, strict=True):
            stage_pk = pipeline.stages[stage][0]
            out.changes.append((deal_id, previous, stage_pk, owner, self.at(*moment)))
            previous = stage_pk
        self._participants(rng, out, deal_id, company, owner)
        if sketch.plan_start is not None:
            self._plan(rng, out, deal_id, title, sketch, client.id, person)
        self.documents.issue(
            rng, out, index, sketch, deal_id, client.id, company, person, lines
        )

    def _lines(self, rng, kind: str, dealer: bool, include: bool):
        """1–5 lines: a main product and what usually goes with it."""
        setup = self.setup
        group = words.MAIN_GROUPS[pick(rng, _MAIN_CUM, _MAIN_TOTAL)][0]
        candidates = setup.by_group.get(group) or list(range(len(setup.products)))
        chosen = [candidates[rng.randrange(len(candidates))]]
        companions = [
            setup.by_sku[sku]
            for sku in words.COMPANIONS.get(group, ())
            if sku in setup.by_sku
        ]
        for _line_number in range(pick(rng, _EXTRA_LINES, 100)):
            if not companions:
                break
            extra = companions.pop(rng.randrange(len(companions)))
            if extra not in chosen:
                chosen.append(extra)
        lines = []
        for product_index in chosen:
            product = setup.products[product_index]
            low, high = product.quantities
            quantity = low + int((high - low + 1) * rng.random() ** 2)
            if product.unit == "м":
                quantity = max(low, quantity // 5 * 5)
            discount = 0
            if rng.random() < (0.2 if dealer else 0.45 if kind == "retail" else 0.7):
                discount = rng.choice(_DISCOUNTS[kind])
            price = product.dealer if dealer else product.retail
            amounts = self._amounts(product, quantity, price, discount, include)
            lines.append((product, quantity, price, discount, amounts))
        return group, lines

    def _title(self, rng, group: str, lines, tender: bool) -> str:
        title = rng.choice(words.DEAL_TITLES.get(group, ("Поставка",)))
        product, quantity = lines[0][0], lines[0][1]
        if product.unit == "шт" and quantity > 1:
            title = f"{title} ({quantity} шт.)"
        if tender:
            notice = f"03{rng.randrange(10**17):017d}"
            title = f"Закупка № {notice}: {title[0].lower()}{title[1:]}"
        return title

    def _participants(self, rng, out, deal_id, company: Company, owner: int) -> None:
        """Now and then a second person of the client and a colleague of ours."""
        if rng.random() >= 0.3:
            return
        if len(company.people) > 1:
            other = company.people[1 + rng.randrange(len(company.people) - 1)]
            role = other[6] or "Влияет на решение"
            out.participants.append(
                (deal_id, ParticipantSide.CLIENT.value, other[0], None, None, role)
            )
        role_name = "service" if rng.random() < 0.7 else "head"
        colleague = self.staff.responsible(role_name, owner)
        if colleague != owner:
            out.participants.append(
                (
                    deal_id,
                    ParticipantSide.OURS.value,
                    None,
                    colleague,
                    None,
                    words.OUR_ROLES[role_name],
                )
            )

    def _plan(self, rng, out, deal_id, title, sketch: Sketch, company_id, person):
        """The deal's action plan from its pipeline's model, each step with a task."""
        today = self.today
        start = sketch.plan_start
        assert start is not None
        closed_day = sketch.times[-1][0]
        for position, step in enumerate(self.setup.models[sketch.pipeline], start=1):
            due = today if position - 1 == sketch.due_today else start + step.offset
            completed_day = None
            if sketch.status == WON:
                done = step.required or rng.random() < 0.7
                status = PlanStepStatus.DONE if done else PlanStepStatus.SKIPPED
                completed_day = max(min(due, closed_day), start)
            elif due < today and (sketch.due_today is not None or rng.random() < 0.85):
                status = PlanStepStatus.DONE
                completed_day = due
            elif due < today and not step.required and rng.random() < 0.3:
                status = PlanStepStatus.SKIPPED
            else:
                status = PlanStepStatus.PLANNED
            responsible = self.staff.responsible(step.role, sketch.owner)
            task_id = self.ids.task
            self.ids.task += 1
            task_title = (
                _("%(step)s — %(deal)s") % {"step": step.title, "deal": title}
            )[:300]
            created = self.at(start, 30)
            completed = (
                self.at(completed_day, 60 + rng.randrange(480))
                if status == PlanStepStatus.DONE and completed_day is not None
                else None
            )
            row: tuple = (
                task_id,
                task_title,
                step.description,
                responsible,
                self.at(due, 600),  # 18:00, the end of the deadline's working day
                TaskPriority.NORMAL.value,
                _TASK_STATUS[status.value],
                None,
                None,
                completed,
                company_id,
                person[0] if person else None,
                created,
                completed or created,
                sketch.owner,
            )
            if columns.TASKS_SEARCHED:
                row += (
                    Task.build_search_text(
                        SearchSource(  # type: ignore[arg-type]
                            {"title": task_title, "description": step.description}
                        )
                    ),
                )
            out.tasks.append(row)
            out.steps.append(
                (
                    deal_id,
                    step.id,
                    position,
                    step.title,
                    responsible,
                    self.day(due),
                    self.day(start),
                    step.required,
                    status.value,
                    task_id,
                    completed,
                    created,
                )
            )
