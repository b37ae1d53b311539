"""Demo sales: the deals, documents and leads of the customer base just loaded.

`generate_sales()` runs after the companies and contacts of a load are written: it
makes sure the sales references exist (our requisites, a catalogue, price lists, a
tender pipeline, typical sales models — `sales.setup`), sketches a deal per eight
contacts over the last twelve months (`sales.plan`), numbers their documents per
year in date order, and writes the rows in batches (`sales.build`, `sales.leads`),
bypassing the services as the rest of the demo does but with the values they would
have written. Product affinity for cross-sell is recomputed by its service at the
end.

All of a load's sales rows go in one transaction: the document numbers reserved for
it must not stay taken if the load fails, or the year's numbering would have a gap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Max

from crm.accounts.models import User
from crm.activities.models import Task
from crm.customers.models import Company, Employment
from crm.demo import bulk
from crm.demo.clock import clock_for
from crm.demo.rows import Plan
from crm.demo.sales import columns
from crm.demo.sales.batch import Company as ClientCompany
from crm.demo.sales.batch import Ids, SalesRows
from crm.demo.sales.build import DealMaker, Staff
from crm.demo.sales.leads import LeadMaker
from crm.demo.sales.plan import clients_of, number_documents, outline
from crm.demo.sales.setup import ensure_sales
from crm.sales.models import Deal, Invoice, Lead, NumberSequence, Order, Proposal
from crm.sales.services.documents import product_affinity_recompute

BATCH_DEALS = 2_000
BATCH_LEADS = 5_000
# Ids per query when reading a batch's clients (below every engine's limit).
_CHUNK = 900
_TENDER_SOURCE = 8  # "Тендер" in vocabulary.SOURCES
_NUMBERED: dict[str, Any] = {"proposal": Proposal, "order": Order, "invoice": Invoice}

LOADED = columns.LOADED


def generate_sales(*, plan: Plan, staff, say: Callable[[str], None]) -> dict[str, int]:
    """Add the deals, documents and leads of a load's companies and contacts.

    Returns the counts written: deals, leads, documents, tasks (of action plans)
    and rows.
    """
    clock = clock_for(plan)
    setup = ensure_sales(actor=staff.admin)
    first = plan.company_first_id
    clients = clients_of(
        Company.all_objects.filter(pk__gte=first, pk__lt=first + plan.company_count)
        .order_by("pk")
        .values_list("pk", "curator_id", "relation", "source_id", "created_at"),
        clock,
    )
    sketches = outline(
        seed=plan.seed,
        contacts=plan.contact_count,
        clients=clients,
        setup=setup,
        clock=clock,
        agenda_users=[u.pk for u in staff.sales()],
    )
    deals = len(sketches.sketches)
    say(f"Writing {deals} deals and {sketches.lead_count} leads…")
    users = list(
        User.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", "role", "team_id")
    )
    tasks = sum(
        len(setup.models[s.pipeline])
        for s in sketches.sketches
        if s.plan_start is not None
    )
    tables = columns.tables()
    totals: Counter[str] = Counter()
    written = 0
    with transaction.atomic():
        number_documents(sketches, setup, clock, _take_numbers)
        ids = Ids(
            deal=_reserve(Deal, deals),
            proposal=_reserve(Proposal, sketches.count("proposal")),
            order=_reserve(Order, sketches.count("order")),
            invoice=_reserve(Invoice, sketches.count("invoice")),
            task=_reserve(Task, tasks),
            lead=_reserve(Lead, sketches.lead_count),
        )
        leads = LeadMaker(
            seed=plan.seed,
            clock=clock,
            ids=ids,
            sources=plan.sources,
            industries=plan.industries,
            owners=[u.pk for u in staff.sales()],
        )
        maker = DealMaker(
            seed=plan.seed,
            setup=setup,
            clock=clock,
            outline=sketches,
            clients=clients,
            staff=Staff(users),
            ids=ids,
            leads=leads,
            tender_source=(
                plan.sources[_TENDER_SOURCE]
                if len(plan.sources) > _TENDER_SOURCE
                else None
            ),
        )
        for number, start in enumerate(range(0, deals, BATCH_DEALS)):
            indexes = range(start, min(start + BATCH_DEALS, deals))
            wanted = {clients[sketches.sketches[i].client].id for i in indexes}
            batch = maker.build(number, indexes, _companies(wanted))
            written += _write(tables, batch)
            totals.update({k: len(v) for k, v in vars(batch).items()})
        others = sketches.lead_count - totals["leads"]
        for number, start in enumerate(range(0, others, BATCH_LEADS)):
            batch = SalesRows()
            leads.others(number, min(BATCH_LEADS, others - start), batch)
            written += _write(tables, batch)
            totals.update({k: len(v) for k, v in vars(batch).items()})
    bulk.reset_sequences(list(LOADED))
    say("Recomputing product affinity for cross-sell…")
    product_affinity_recompute()
    return {
        "deals": totals["deals"],
        "leads": totals["leads"],
        "documents": totals["proposals"] + totals["orders"] + totals["invoices"],
        "tasks": totals["tasks"],
        "rows": written,
    }


def _reserve(model, count: int) -> int:
    return bulk.reserve_ids(model, count) if count else 0


def _take_numbers(kind: str, year: int, count: int) -> int:
    """Reserve `count` numbers of a kind of document in a year; the last one used
    before them. As `number_take` does, a year's first sequence starts after the
    highest number already used that year."""
    sequence = (
        NumberSequence.objects.select_for_update().filter(kind=kind, year=year).first()
    )
    if sequence is None:
        used = _NUMBERED[kind].objects.filter(year=year).aggregate(top=Max("number"))
        sequence, _created = NumberSequence.objects.select_for_update().get_or_create(
            kind=kind, year=year, defaults={"last_number": used["top"] or 0}
        )
    last = sequence.last_number
    sequence.last_number = last + count
    sequence.save(update_fields=["last_number"])
    return last


def _companies(wanted: set[int]) -> dict[int, ClientCompany]:
    """What the batch's deals need of their clients: requisites and people."""
    found: dict[int, ClientCompany] = {}
    ids = sorted(wanted)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for row in Company.all_objects.filter(pk__in=chunk).values_list(
            "pk", "name", "full_name", "inn", "kpp", "legal_address",
            "actual_address", "phone", "email", "region", "industry_id",
        ):  # fmt: skip
            pk, name, full, inn, kpp, legal, actual, phone, email, region, industry = (
                row
            )
            found[pk] = ClientCompany(
                name, full, inn, kpp, legal or actual, phone, email, region, industry
            )
        people = (
            Employment.objects.filter(
                company_id__in=chunk, contact__deleted_at__isnull=True
            )
            .order_by("company_id", "-is_primary", "contact_id")
            .values_list(
                "company_id", "contact_id", "contact__last_name",
                "contact__first_name", "contact__middle_name", "contact__email",
                "contact__phone", "role",
            )
        )  # fmt: skip
        for company_id, *person in people:
            found[company_id].people.append(tuple(person))
    return found


def _write(tables: dict[str, bulk.Table], batch: SalesRows) -> int:
    """Insert a batch's rows, a row after those it points to, indexing them for
    search once per batch."""
    triggers = bulk.SqliteSearchTriggers(
        [t.name for name, t in tables.items() if t.searchable and getattr(batch, name)]
    )
    triggers.lift()
    count = 0
    for name, table in tables.items():
        rows = getattr(batch, name)
        if rows:
            count += bulk.insert(table, rows)
    triggers.restore()
    return count
