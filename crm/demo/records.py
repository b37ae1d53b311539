"""Rows of demo companies, contacts and their year of history, built in memory.

Nothing here touches the database: a `Plan` carries the ids of the reference lists,
the staff and the reserved id ranges, and `build_batch()` turns one batch number into
plain tuples ready for `bulk.insert`. A batch depends only on the seed and its
number, so the same seed gives the same people whatever the machine and however the
batches are spread over processes.
"""

from __future__ import annotations

from crm.demo.clock import clock_for
from crm.demo.companies import build_companies
from crm.demo.people import build_contacts
from crm.demo.rows import Batch, Plan, add_search_text
from crm.demo.sampling import FastRandom


def build_batch(plan: Plan, number: int) -> Batch:
    """Build the rows of batch `number` of the plan."""
    rng = FastRandom(plan.seed * 1_000_003 + number)
    clock = clock_for(plan)
    batch = Batch()
    company_first = plan.company_first_id + sum(plan.batch_companies[:number])
    contact_first = plan.contact_first_id + sum(plan.batches[:number])
    companies = build_companies(
        plan, rng, clock, batch, company_first, plan.batch_companies[number]
    )
    build_contacts(
        plan, rng, clock, batch, companies, contact_first, plan.batches[number]
    )
    add_search_text(batch)
    return batch
