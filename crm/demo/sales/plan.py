"""The outline of the demo's deals, decided before any row is built.

A sketch says whose client a deal is for, which pipeline it runs in, the stages it
went through and when, and how it ended. Sketches are small, so all of a load's fit
in memory: the documents they imply are numbered in date order before the rows are
built batch by batch (`sales.build`), and the ids every row needs are counted up
front.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crm.customers.models import Relation
from crm.demo.clock import Clock
from crm.demo.sales.setup import Setup
from crm.demo.sampling import FastRandom, cumulative, pick

# A deal per this many contacts, a lead per this many.
CONTACTS_PER_DEAL = 8
CONTACTS_PER_LEAD = 20
# Which clients have deals, and how often: (relation, weight).
DEAL_RELATIONS = {
    Relation.CLIENT.value: 6,
    Relation.PROSPECT.value: 3,
    Relation.DEALER.value: 4,
    Relation.PARTNER.value: 2,
}
TENDER_SHARE = 0.15
FROM_LEAD_SHARE = 0.12
# Shares of deals with an action plan: open ones, won ones.
PLANNED_OPEN = 0.35
PLANNED_WON = 0.25
# Share of open deals at the last stage whose invoice is already out.
INVOICED_OPEN = 0.6
OPEN, WON, LOST = "open", "won", "lost"


@dataclass(slots=True)
class Client:
    """A company of this load that may have deals."""

    id: int
    curator: int
    relation: str
    source: int | None
    created_day: int


@dataclass(slots=True)
class Sketch:
    """One deal's outline; stages are numbered 0…K-1 (open), K (won), K+1 (lost)."""

    client: int  # index into the load's clients
    owner: int
    pipeline: int  # index into Setup.pipelines
    path: list[int]
    times: list[tuple[int, int]]  # (day, minute) of entering each stage
    status: str
    expected_day: int
    from_lead: bool = False
    plan_start: int | None = None
    invoiced_open: bool = False
    # A demo user's deal to look at: the model step due today.
    due_today: int | None = None

    @property
    def closed(self) -> bool:
        return self.status != OPEN


@dataclass
class Outline:
    sketches: list[Sketch] = field(default_factory=list)
    # kind → {sketch index: (year, number)}
    numbers: dict[str, dict[int, tuple[int, int]]] = field(default_factory=dict)
    lead_count: int = 0

    def count(self, kind: str) -> int:
        return len(self.numbers.get(kind, {}))


def clients_of(rows, clock: Clock) -> list[Client]:
    """The load's companies that may have deals, from (id, curator, relation,
    source, created_at) rows ordered by id."""
    first = clock.first_day
    return [
        Client(pk, curator, relation, source, max((created.date() - first).days, 0))
        for pk, curator, relation, source, created in rows
        if relation in DEAL_RELATIONS and curator is not None
    ]


def outline(
    *,
    seed: int,
    contacts: int,
    clients: list[Client],
    setup: Setup,
    clock: Clock,
    agenda_users: list[int],
) -> Outline:
    """Sketch the deals of a load of `contacts`, and those the demo users look at."""
    rng = FastRandom(seed * 7_919 + 104_729)
    result = Outline()
    if not clients:
        return result
    weights = cumulative(DEAL_RELATIONS[c.relation] for c in clients)
    total = weights[-1]
    for _ in range(contacts // CONTACTS_PER_DEAL):
        index = pick(rng, weights, total)
        result.sketches.append(_sketch(rng, clients, index, setup, clock))
    for user in agenda_users:
        own = [i for i, c in enumerate(clients) if c.curator == user] or list(
            range(len(clients))
        )
        for number in range(2):
            index = own[rng.randrange(len(own))]
            result.sketches.append(
                _agenda_sketch(rng, clients, index, user, number, setup, clock)
            )
    converted = sum(1 for s in result.sketches if s.from_lead)
    if not converted and result.sketches:
        # Even a small load shows a lead converted into its deal.
        result.sketches[0].from_lead = True
        converted = 1
    result.lead_count = max(contacts // CONTACTS_PER_LEAD, converted)
    return result


def _outcome(rng: FastRandom, age: int) -> str:
    roll = rng.random()
    if age <= 45:
        return OPEN if roll < 0.75 else WON if roll < 0.85 else LOST
    if age <= 120:
        return OPEN if roll < 0.4 else WON if roll < 0.7 else LOST
    return OPEN if roll < 0.08 else WON if roll < 0.5 else LOST


def _stages(rng: FastRandom, last: int) -> list[int]:
    """Open stages 0…last, now and then skipping one in the middle."""
    return [n for n in range(last + 1) if n in (0, last) or rng.random() > 0.15]


def _times(rng, clock: Clock, start: int, end: int, count: int):
    """`count` moments from the start day to the end day, in order; the first on
    the start day, early, so that later moves the same day come after it."""
    end = max(end, start)
    days = sorted(start + rng.randrange(end - start + 1) for _ in range(count - 1))
    first = (_workday(clock, start), rng.randrange(1, 60))
    return [
        first,
        *sorted((_workday(clock, day), 60 + rng.randrange(540)) for day in days),
    ]


def _workday(clock: Clock, day: int) -> int:
    """The day itself, or the Friday before when it falls on a weekend."""
    back = clock.days[day].weekday() - 4
    return day - back if back > 0 and day >= back else day


def _sketch(rng, clients, index, setup: Setup, clock: Clock) -> Sketch:
    client = clients[index]
    today = clock.today_index
    pipeline = 1 if rng.random() < TENDER_SHARE else 0
    stages = setup.pipelines[pipeline].open_count
    first = min(client.created_day + 1, today - 1)
    start = first + rng.randrange(today - first)
    status = _outcome(rng, today - start)
    if status == WON and client.relation == Relation.PROSPECT.value:
        # A prospect has bought nothing yet: still talking, or lost to someone else.
        status = OPEN if today - start <= 120 else LOST
    if status == WON:
        path = [*_stages(rng, stages - 1), stages]
        end = start + 10 + rng.randrange(80)
    elif status == LOST:
        path = [*_stages(rng, rng.randrange(stages)), stages + 1]
        end = start + 5 + rng.randrange(60)
    else:
        deepest = rng.randrange(stages)
        if today - start > 30:
            deepest = max(deepest, 1)
        path = _stages(rng, min(deepest, stages - 1))
        end = start + rng.randrange(today - start)
    times = _times(rng, clock, start, min(end, today - 1), len(path))
    closed_day = times[-1][0]
    if status == OPEN:
        expected = today + rng.randrange(-10, 75)
    else:
        expected = closed_day + rng.randrange(-7, 14)
    sketch = Sketch(
        client=index,
        owner=client.curator,
        pipeline=pipeline,
        path=path,
        times=times,
        status=status,
        expected_day=expected,
        from_lead=rng.random() < FROM_LEAD_SHARE,
    )
    planned = rng.random()
    if status == OPEN and planned < PLANNED_OPEN:
        sketch.plan_start = min(start + rng.randrange(3), today - 1)
    elif status == WON and planned < PLANNED_WON:
        sketch.plan_start = start
    if (
        status == OPEN
        and pipeline == 0
        and path[-1] == stages - 1
        and rng.random() < INVOICED_OPEN
    ):
        sketch.invoiced_open = True
    return sketch


def _agenda_sketch(rng, clients, index, user, number, setup, clock) -> Sketch:
    """An open deal of a demo user, closing this month, with a plan step due today.

    The plan starts so that one of the owner's steps falls due today: the last of
    them for the first deal, the one before for the second.
    """
    today = clock.today_index
    steps = setup.models[0]
    own = [n for n, step in enumerate(steps) if step.role in ("", "sales")]
    due_today = own[-1 - number % len(own)] if own else None
    offset = steps[due_today].offset if due_today is not None else 0
    plan_start = today - max(offset, 1)
    start = max(plan_start - 2 - rng.randrange(5), 0)
    stages = setup.pipelines[0].open_count
    path = _stages(rng, max(stages - 1 - number, 0))
    times = _times(rng, clock, start, today - 1, len(path))
    month_end = _month_end(clock.today)
    days_left = (month_end - clock.today).days
    return Sketch(
        client=index,
        owner=user,
        pipeline=0,
        path=path,
        times=times,
        status=OPEN,
        expected_day=today + rng.randrange(days_left + 1),
        plan_start=plan_start,
        # The first stands at the last open stage, its invoice sent.
        invoiced_open=number == 0,
        due_today=due_today,
    )


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


# --- documents ------------------------------------------------------------------------


def document_days(sketch: Sketch, setup: Setup) -> dict[str, int]:
    """The day each document of a deal is dated: a proposal when the deal reached the
    proposal stage (the third, in the default pipeline), an order and an invoice when
    it was won, or an invoice alone when it reached the last open stage and was
    invoiced before closing."""
    stages = setup.pipelines[sketch.pipeline].open_count
    days: dict[str, int] = {}
    if sketch.pipeline == 0:
        proposal_stage = min(2, stages - 1)
        for stage, (day, _minute) in zip(sketch.path, sketch.times, strict=True):
            if proposal_stage <= stage < stages:
                days["proposal"] = day
                break
    if sketch.status == WON:
        days["order"] = days["invoice"] = sketch.times[-1][0]
    elif sketch.invoiced_open:
        days["invoice"] = sketch.times[-1][0]
    return days


def number_documents(result: Outline, setup: Setup, clock: Clock, taken) -> None:
    """Number every document of the outline per kind and year, in date order.

    `taken(kind, year, count)` reserves `count` numbers of a year and returns the
    last number used before them, so the load's numbers follow the installation's
    without a gap.
    """
    dated: dict[str, list[tuple[int, int]]] = {}
    for index, sketch in enumerate(result.sketches):
        for kind, day in document_days(sketch, setup).items():
            dated.setdefault(kind, []).append((day, index))
    for kind, documents in dated.items():
        documents.sort()
        per_year: dict[int, list[int]] = {}
        for day, index in documents:
            per_year.setdefault(clock.days[day].year, []).append(index)
        numbers = result.numbers.setdefault(kind, {})
        for year, indexes in sorted(per_year.items()):
            last = taken(kind, year, len(indexes))
            for offset, index in enumerate(indexes, start=1):
                numbers[index] = (year, last + offset)
