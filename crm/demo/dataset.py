"""`generate()`: load a realistic Russian-language customer base in bulk.

A million contacts come with a quarter of a million companies, ten million timeline
events and half a million tasks. They are written in batches of a few thousand
contacts, one transaction per batch, with every id known before the insert, no query
per row and no audit entry per row: the demo is a load, not a thousand users typing.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from crm.accounts.models import User
from crm.activities.models import Activity, ActivityKind, Task, TaskStatus
from crm.activities.services.activities import clients_last_activity_rebuild
from crm.core.bulk import refresh_statistics
from crm.core.visibility import Role
from crm.customers.models import Company, Contact, ContactPoint, Employment
from crm.demo import bulk, records, rows, vocabulary
from crm.demo.clock import clock_for
from crm.demo.sales import LOADED as SALES_LOADED
from crm.demo.sales import generate_sales
from crm.demo.staff import MOSCOW_TEAM, SPB_TEAM, ensure_references, ensure_staff

BATCH_CONTACTS = 5_000
# Below this many contacts a second process costs more than it saves.
PARALLEL_FROM = 50_000
# From this many contacts on, and when the load at least doubles the timeline, the
# secondary indexes are built once at the end instead of row by row.
DEFER_INDEXES_FROM = 50_000

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    """Say nothing: the default when nobody listens to progress."""


def generate(
    *,
    contacts: int,
    seed: int = 1,
    progress: Progress | None = None,
    password: str | None = None,
    workers: int | None = None,
) -> dict:
    """Add `contacts` demo contacts with their companies, history and tasks.

    The same seed gives the same names, companies and texts. Running it again adds
    more records beside the existing ones (new ids, new external ids) and reuses the
    demo users, teams, reference lists and tags. New demo users get `password`.

    Sales come with them (see `crm.demo.sales`): a deal per eight contacts over the
    last year with their documents, and a lead per twenty.

    Returns the counts written and the speed: contacts, companies, activities, tasks,
    deals, leads, documents, rows, seconds, rows_per_second.
    """
    say = progress or _quiet
    if contacts < 1:
        raise ValueError("The number of contacts must be at least 1.")
    started = time.perf_counter()
    staff = ensure_staff(password=password)
    if staff.created and not password:
        say(
            "New demo users have no password yet: set one with "
            "`crm manage changepassword USERNAME`."
        )
    refs = ensure_references(actor=staff.admin)
    moscow = [u.pk for u in staff.sales(MOSCOW_TEAM)]
    spb = [u.pk for u in staff.sales(SPB_TEAM)]
    everyone = [u.pk for u in staff.sales()] or [u.pk for u in staff.users.values()]
    batches = bulk.split(contacts, BATCH_CONTACTS)
    company_counts = [max(1, n // 4) for n in batches]
    with transaction.atomic():
        company_first = bulk.reserve_ids(Company, sum(company_counts))
        contact_first = bulk.reserve_ids(Contact, contacts)
    plan = rows.Plan(
        seed=seed,
        batches=batches,
        batch_companies=company_counts,
        company_first_id=company_first,
        contact_first_id=contact_first,
        legal_forms=refs.legal_forms,
        industries=refs.industries,
        categories=refs.categories,
        sources=refs.sources,
        channels=refs.channels,
        positions=refs.positions,
        tags=refs.tags,
        moscow_sales=moscow or everyone,
        spb_sales=spb or everyone,
        today=timezone.localdate(),
        tz_name=settings.TIME_ZONE,
        timestamp_suffix="+00" if connection.vendor == "postgresql" else "",
    )
    tables = _tables()
    totals = dict.fromkeys(("companies", "contacts", "activities", "tasks", "rows"), 0)
    samples: dict[int, list[tuple[int, int | None]]] = {}
    say(
        f"Writing {contacts} contacts and {plan.company_count} companies "
        f"in {len(batches)} batches…"
    )
    loaded = (Company, Contact, Activity, Task)
    bulk.DeferredIndexes.repair(loaded)
    deferred = None
    if contacts >= DEFER_INDEXES_FROM and contacts * 10 >= bulk.highest_id(Activity):
        deferred = bulk.DeferredIndexes(loaded)
        deferred.drop()
    step = max(1, len(batches) // 10)
    try:
        for number, batch in enumerate(_built_batches(plan, workers)):
            _write(tables, batch)
            totals["companies"] += len(batch.companies)
            totals["contacts"] += len(batch.contacts)
            totals["activities"] += len(batch.activities)
            totals["tasks"] += len(batch.tasks)
            totals["rows"] += batch.rows
            for curator, found in batch.samples.items():
                kept = samples.setdefault(curator, [])
                kept.extend(found[: 12 - len(kept)])
            if (number + 1) % step == 0 or number + 1 == len(batches):
                elapsed = time.perf_counter() - started
                say(
                    f"  {totals['contacts']}/{contacts} contacts, "
                    f"{totals['rows']} rows, {elapsed:.0f} s"
                )
    finally:
        if deferred is not None:
            say("Building the indexes…")
            deferred.restore()
    agenda = _agenda(plan, staff, samples)
    rows.add_search_text(agenda)
    with transaction.atomic():
        bulk.insert(tables["tasks"], agenda.tasks)
        bulk.insert(tables["activities"], agenda.activities)
    totals["tasks"] += len(agenda.tasks)
    totals["activities"] += len(agenda.activities)
    totals["rows"] += len(agenda.tasks) + len(agenda.activities)
    bulk.reset_sequences([Company, Contact])
    sold = generate_sales(plan=plan, staff=staff, say=say)
    totals["tasks"] += sold["tasks"]
    totals["rows"] += sold["rows"]
    for name in ("deals", "leads", "documents"):
        totals[name] = sold[name]
    say("Noting each client's last activity…")
    clients_last_activity_rebuild()
    _analyze()
    seconds = time.perf_counter() - started
    return {
        **totals,
        "seconds": seconds,
        "rows_per_second": totals["rows"] / seconds if seconds else 0.0,
    }


def _tables() -> dict[str, bulk.Table]:
    return {
        "companies": bulk.Table(Company, rows.COMPANY_COLUMNS),
        "contacts": bulk.Table(Contact, rows.CONTACT_COLUMNS),
        "employments": bulk.Table(Employment, rows.EMPLOYMENT_COLUMNS),
        "points": bulk.Table(ContactPoint, rows.POINT_COLUMNS),
        "company_tags": bulk.Table(Company.tags.through, rows.COMPANY_TAG_COLUMNS),
        "contact_tags": bulk.Table(Contact.tags.through, rows.CONTACT_TAG_COLUMNS),
        "activities": bulk.Table(Activity, rows.ACTIVITY_COLUMNS),
        "tasks": bulk.Table(Task, rows.TASK_COLUMNS),
    }


def _write(tables: dict[str, bulk.Table], batch: rows.Batch) -> None:
    """Write one batch in one transaction, indexing its records for search."""
    with transaction.atomic():
        triggers = bulk.SqliteSearchTriggers(
            [t.name for t in tables.values() if t.searchable]
        )
        triggers.lift()
        for name, table in tables.items():
            bulk.insert(table, getattr(batch, name))
        triggers.restore()


# --- batches, in this process or in a few more ------------------------------------

_worker_plan: rows.Plan | None = None


def _worker_init(plan: rows.Plan) -> None:
    global _worker_plan  # the plan of this worker process, set once at its start
    _worker_plan = plan


def _worker_build(number: int) -> rows.Batch:
    assert _worker_plan is not None
    return records.build_batch(_worker_plan, number)


def _built_batches(plan: rows.Plan, workers: int | None) -> Iterator[rows.Batch]:
    """The plan's batches in order, built by worker processes when it pays off.

    Building rows is pure Python and as slow as writing them, so on a machine with
    several cores other processes build the next batches while this one writes.
    Each batch depends only on the seed and its number: the result is the same.
    """
    count = len(plan.batches)
    if workers is None:
        workers = (
            min(3, max(1, (os.cpu_count() or 1) - 1))
            if plan.contact_count >= PARALLEL_FROM
            else 0
        )
    if workers <= 0 or "fork" not in multiprocessing.get_all_start_methods():
        for number in range(count):
            yield records.build_batch(plan, number)
        return
    # fork: the workers inherit the loaded code and never touch the database.
    context = multiprocessing.get_context("fork")
    clock_for(plan)  # made once here, inherited by every worker
    with context.Pool(workers, initializer=_worker_init, initargs=(plan,)) as pool:
        # A few batches ahead at most: when the workers build faster than the
        # database writes, finished batches would otherwise pile up in memory.
        pending: deque = deque()
        for number in range(count):
            pending.append(pool.apply_async(_worker_build, (number,)))
            if len(pending) > workers * 2:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


# --- the demo users' day -------------------------------------------------------------


def _agenda(plan: rows.Plan, staff, samples) -> rows.Batch:
    """Overdue tasks, tasks due today and today's meetings for every demo user.

    A user who signs in to the demo sees a full "my day" page, not an empty one.
    """
    clock = clock_for(plan)
    today = clock.today_index
    batch = rows.Batch()
    now = clock.at(today, 0)
    all_samples = [s for found in samples.values() for s in found]
    for number, user in enumerate(staff.users.values()):
        own = samples.get(user.pk, [])
        if user.role == Role.SALES:
            clients = own
            titles = [
                t.format(product=vocabulary.PRODUCTS[0]) for t in vocabulary.TASK_TITLES
            ]
        else:
            team_ids = {
                u.pk
                for u in staff.users.values()
                if user.team_id is not None and u.team_id == user.team_id
            }
            clients = [s for pk in team_ids for s in samples.get(pk, [])] or all_samples
            titles = list(vocabulary.ROLE_TASKS.get(user.role, ()))
        if user.role == Role.READONLY:
            titles = []
        for n, title in enumerate(titles[:5]):
            contact_id, company_id = (
                clients[(number + n) % len(clients)] if clients else (None, None)
            )
            if user.role in (Role.ADMIN, Role.MARKETER, Role.HEAD):
                contact_id = company_id = None
            # Two overdue, three due at hours of today.
            due = (
                clock.at(today - 1 - n, 240)
                if n < 2
                else clock.at(today, 60 + 150 * (n - 2))
            )
            batch.tasks.append(
                rows.task_row(
                    title=title,
                    description="",
                    assignee=user.pk,
                    due=due,
                    priority="high" if n == 0 else "normal",
                    status=TaskStatus.OPEN.value,
                    remind=None,
                    reminded=None,
                    completed=None,
                    company_id=company_id,
                    contact_id=contact_id,
                    created=clock.at(today - 3 - n, 60),
                    author=user.pk,
                )
            )
        meetings = []
        if clients and user.role in (Role.SALES, Role.HEAD, Role.SERVICE):
            for n, minute in enumerate((120, 390)):
                contact_id, company_id = clients[(number + n) % len(clients)]
                meetings.append(
                    (
                        vocabulary.MEETING_SUBJECTS[(number + n) % 4],
                        minute,
                        contact_id,
                        company_id,
                    )
                )
        meetings.append((vocabulary.INTERNAL_MEETINGS[number % 3], 60, None, None))
        for subject, minute, contact_id, company_id in meetings:
            batch.activities.append(
                (
                    ActivityKind.MEETING.value,
                    subject,
                    "",
                    clock.at(today, minute),
                    clock.at(today, minute + 60),
                    "",
                    60,
                    "",
                    vocabulary.MEETING_PLACES[1 if contact_id is None else 0],
                    company_id,
                    contact_id,
                    now,
                    now,
                    user.pk,
                )
            )
    return batch


def _analyze() -> None:
    """Refresh the planner's statistics so the first queries on new data plan well."""
    refresh_statistics(
        [Company, Contact, Employment, ContactPoint, Activity, Task, User]
        + [m for m in SALES_LOADED if m is not Task]
    )
