"""A contact's year: calls, letters, notes and meetings with plausible Russian texts,
and tasks done, open and overdue."""

from __future__ import annotations

from crm.activities.models import ActivityKind, Direction, TaskPriority, TaskStatus
from crm.demo import vocabulary
from crm.demo.clock import DAY_MINUTES, FUTURE_DAYS
from crm.demo.rows import task_row

TIMELINE_EVENTS = (5, 15)  # per contact, inclusive: ten on average
# Plain strings: an enum member's `.value` is a descriptor call, ten million times.
_CALL, _EMAIL, _NOTE, _MEETING = (
    ActivityKind.CALL.value,
    ActivityKind.EMAIL.value,
    ActivityKind.NOTE.value,
    ActivityKind.MEETING.value,
)
_OUT, _IN = Direction.OUTGOING.value, Direction.INCOMING.value
_MONTHS = (
    "январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
    "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
_PRIORITIES = (
    TaskPriority.LOW.value,
    TaskPriority.NORMAL.value,
    TaskPriority.NORMAL.value,
    TaskPriority.NORMAL.value,
    TaskPriority.HIGH.value,
    TaskPriority.URGENT.value,
)


def build_timeline(
    rng, clock, batch, *, contact_id, company_id, curator, created, name
):
    """A contact's calls, letters, notes and meetings over the last year, and tasks."""
    workdays = clock.workdays
    start = clock.first_workday_after(created)
    if start >= len(workdays):
        start = len(workdays) - 1
    span = len(workdays) - start
    low, high = TIMELINE_EVENTS
    events = low + int(rng.random() * (high - low + 1))
    append = batch.activities.append
    random_ = rng.random
    choice = rng.choice
    products = vocabulary.PRODUCTS
    documents = vocabulary.DOCUMENTS
    day_names = clock.day_names
    minutes = clock.minutes
    for _ in range(events):
        day = workdays[start + int(random_() * span)]
        minute = 60 + int(random_() * 600)  # 09:00–19:00 local
        when = minutes[day][minute]
        later = day_names[min(day + 3 + int(random_() * 10), len(day_names) - 1)]
        roll = random_()
        if roll < 0.4:
            outgoing = random_() < 0.7
            subject = choice(
                vocabulary.CALL_SUBJECTS_OUT
                if outgoing
                else vocabulary.CALL_SUBJECTS_IN
            )
            body = choice(vocabulary.CALL_BODIES).format(
                product=choice(products),
                document=choice(documents),
                day=later,
                amount=50 * (1 + int(random_() * 40)),
                name=name,
            )
            append(
                (
                    _CALL,
                    subject,
                    body,
                    when,
                    None,
                    _OUT if outgoing else _IN,
                    1 + int(random_() * 25),
                    choice(vocabulary.CALL_OUTCOMES),
                    "",
                    company_id,
                    contact_id,
                    when,
                    when,
                    curator,
                )
            )
        elif roll < 0.65:
            outgoing = random_() < 0.6
            month = clock.days[day].month
            words = {
                "product": choice(products),
                "document": choice(documents),
                "day": day_names[day],
                "number": 100 + int(random_() * 9000),
                "month": _MONTHS[month - 1],
                "quarter": (month - 1) // 3 + 1,
                "name": name,
            }
            append(
                (
                    _EMAIL,
                    choice(vocabulary.EMAIL_SUBJECTS).format(**words),
                    choice(vocabulary.EMAIL_BODIES).format(**words),
                    when,
                    None,
                    _OUT if outgoing else _IN,
                    None,
                    "",
                    "",
                    company_id,
                    contact_id,
                    when,
                    when,
                    curator,
                )
            )
        elif roll < 0.82:
            body = choice(vocabulary.NOTE_BODIES).format(product=choice(products))
            append(
                (
                    _NOTE,
                    "",
                    body,
                    when,
                    None,
                    "",
                    None,
                    "",
                    "",
                    company_id,
                    contact_id,
                    when,
                    when,
                    curator,
                )
            )
        else:
            duration = choice((30, 60, 60, 90))
            body = choice(vocabulary.MEETING_BODIES).format(
                product=choice(products),
                document=choice(documents),
                day=later,
                amount=100 * (1 + int(random_() * 50)),
                name=name,
            )
            append(
                (
                    _MEETING,
                    choice(vocabulary.MEETING_SUBJECTS),
                    body,
                    when,
                    minutes[day][minute + duration],
                    "",
                    duration,
                    "",
                    choice(vocabulary.MEETING_PLACES),
                    company_id,
                    contact_id,
                    when,
                    when,
                    curator,
                )
            )
    build_tasks(rng, clock, batch, contact_id, company_id, curator, start)


def build_tasks(rng, clock, batch, contact_id, company_id, curator, start) -> None:
    """Done (or cancelled) tasks in the past, open ones ahead, and now and then an
    overdue one: about half of the contacts have a task."""
    workdays = clock.workdays
    today = clock.today_index
    roll = rng.random()
    if roll < 0.37:
        day = workdays[start + int(rng.random() * (len(workdays) - start))]
        status = TaskStatus.DONE.value if roll < 0.35 else TaskStatus.CANCELLED.value
        due_day = day
    elif roll < 0.49:
        status, due_day = (
            TaskStatus.OPEN.value,
            today + 1 + rng.randrange(FUTURE_DAYS - 1),
        )
    elif roll < 0.53:
        status, due_day = TaskStatus.OPEN.value, max(today - 1 - rng.randrange(20), 0)
    else:
        return
    title = rng.choice(vocabulary.TASK_TITLES).format(
        product=rng.choice(vocabulary.PRODUCTS)
    )
    description = rng.choice(vocabulary.TASK_DESCRIPTIONS).format(
        product=rng.choice(vocabulary.PRODUCTS)
    )
    due = clock.at(due_day, 60 + rng.randrange(600))
    # Set a few days before it is due, and never later than yesterday.
    created_day = min(due_day - 1 - rng.randrange(10), today - 1)
    created = clock.at(max(created_day, 0), rng.randrange(600))
    completed = None
    remind = reminded = None
    if status == TaskStatus.DONE.value:
        completed = clock.at(due_day, rng.randrange(DAY_MINUTES))
    if rng.random() < 0.5:
        remind = clock.at(due_day, 0)
        # A reminder in the past counts as delivered: loading a year of history must
        # not wake the reminder job up for every old task.
        if due_day <= today:
            reminded = remind
    batch.tasks.append(
        task_row(
            title=title,
            description=description,
            assignee=curator,
            due=due,
            priority=rng.choice(_PRIORITIES),
            status=status,
            remind=remind,
            reminded=reminded,
            completed=completed,
            company_id=company_id,
            contact_id=contact_id,
            created=created,
            author=curator,
        )
    )
