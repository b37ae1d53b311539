import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from crm.activities import selectors, services
from crm.activities.models import ActivityKind, TaskStatus
from crm.activities.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    TaskFactory,
)
from crm.core import audit
from crm.core.errors import NotFound
from crm.core.models import AuditEntry


@pytest.fixture
def outsider(make_user):
    """A sales manager of another team."""
    return make_user(role="sales", first_name="Пётр", last_name="Чужой")


def _day_start(day):
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


# --- visibility ---------------------------------------------------------------------


def test_a_sales_manager_lists_their_own_tasks_and_those_on_their_clients(
    manager, other_manager
):
    mine = TaskFactory(assignee=manager)
    given_by_me = TaskFactory(assignee=other_manager, created_by=manager)
    on_my_client = TaskFactory(
        assignee=other_manager, company=CompanyFactory(curator=manager)
    )
    TaskFactory(assignee=other_manager, company=CompanyFactory(curator=other_manager))

    tasks = set(selectors.task_list(actor=manager))

    assert tasks == {mine, given_by_me, on_my_client}


def test_a_head_of_department_sees_the_tasks_of_the_team(
    make_user, team, manager, outsider
):
    head = make_user(role="head", team=team)
    teammates = TaskFactory(assignee=manager)
    TaskFactory(assignee=outsider)

    assert list(selectors.task_list(actor=head)) == [teammates]


def test_a_hidden_task_is_not_found(manager, other_manager):
    hidden = TaskFactory(
        assignee=other_manager, company=CompanyFactory(curator=other_manager)
    )

    with pytest.raises(NotFound):
        selectors.task_get(actor=manager, task_id=hidden.pk)


def test_activities_on_another_managers_client_are_hidden(manager, other_manager):
    mine = ActivityFactory(created_by=manager, company=CompanyFactory(curator=manager))
    colleagues_on_my_client = ActivityFactory(
        created_by=other_manager, contact=ContactFactory(curator=manager)
    )
    foreign = ActivityFactory(
        created_by=other_manager, company=CompanyFactory(curator=other_manager)
    )

    activities = set(selectors.activity_list(actor=manager))

    assert activities == {mine, colleagues_on_my_client}
    with pytest.raises(NotFound):
        selectors.activity_get(actor=manager, activity_id=foreign.pk)


def test_an_administrator_sees_every_activity(admin_user, manager, other_manager):
    ActivityFactory(created_by=manager, company=CompanyFactory(curator=manager))
    ActivityFactory(
        created_by=other_manager, company=CompanyFactory(curator=other_manager)
    )

    assert selectors.activity_list(actor=admin_user).count() == 2


def test_a_marketer_sees_activities_on_every_client(make_user, manager):
    marketer = make_user(role="marketer")
    ActivityFactory(created_by=manager, company=CompanyFactory(curator=manager))

    assert selectors.activity_list(actor=marketer).count() == 1


def test_trashed_activities_are_not_listed(manager):
    activity = ActivityFactory(
        created_by=manager, company=CompanyFactory(curator=manager)
    )
    services.activity_delete(actor=manager, activity=activity)

    assert not selectors.activity_list(actor=manager).exists()


# --- filters ------------------------------------------------------------------------


def test_task_list_filters(manager):
    now = timezone.now()
    company = CompanyFactory(curator=manager)
    overdue = TaskFactory(
        assignee=manager, title="Счёт просрочен", due_at=now - dt.timedelta(days=2)
    )
    urgent = TaskFactory(
        assignee=manager,
        title="Срочный звонок",
        priority="urgent",
        company=company,
        due_at=now + dt.timedelta(days=3),
    )
    done = TaskFactory(assignee=manager, status=TaskStatus.DONE, due_at=now)

    def ids(**filters):
        return {t.pk for t in selectors.task_list(actor=manager, filters=filters)}

    assert ids(status="active") == {overdue.pk, urgent.pk}
    assert ids(status="done") == {done.pk}
    assert ids(overdue=True) == {overdue.pk}
    assert ids(priority="urgent") == {urgent.pk}
    assert ids(company=company.pk) == {urgent.pk}
    assert ids(q="звонок срочный") == {urgent.pk}
    assert ids(due_from=now.date() + dt.timedelta(days=1)) == {urgent.pk}
    assert ids(due_to=now - dt.timedelta(days=1)) == {overdue.pk}


def test_activity_list_filters(manager):
    company = CompanyFactory(curator=manager)
    call = ActivityFactory(created_by=manager, company=company, subject="Звонок")
    note = ActivityFactory(
        created_by=manager,
        contact=ContactFactory(curator=manager),
        kind=ActivityKind.NOTE,
        subject="",
        body="Любит чай",
    )

    def ids(**filters):
        return {a.pk for a in selectors.activity_list(actor=manager, filters=filters)}

    assert ids(kind="note") == {note.pk}
    assert ids(company=company.pk) == {call.pk}
    assert ids(q="чай") == {note.pk}


# --- the timeline -------------------------------------------------------------------


def _history(company, actor, count, start):
    """`count` change entries of the company, one a minute back from `start`."""
    content_type = ContentType.objects.get_for_model(company)
    for i in range(count):
        before = audit.snapshot(company)
        company.description = f"Заметка {i}"
        company.save()
        entry = audit.record_update(actor, company, before)
        AuditEntry.objects.filter(pk=entry.pk).update(
            at=start - dt.timedelta(minutes=3 * i + 2)
        )
    return AuditEntry.objects.filter(content_type=content_type, object_id=company.pk)


def _busy_company(manager, size):
    company = CompanyFactory(curator=manager)
    start = timezone.now()
    for i in range(size):
        ActivityFactory(
            created_by=manager,
            company=company,
            occurred_at=start - dt.timedelta(minutes=3 * i),
        )
        TaskFactory(
            assignee=manager,
            company=company,
            created_at=start - dt.timedelta(minutes=3 * i + 1),
        )
    _history(company, manager, size, start)
    return company


def test_the_timeline_mixes_activities_tasks_and_changes_newest_first(manager):
    company = _busy_company(manager, 3)

    page = selectors.timeline(actor=manager, entity="company", obj=company)

    assert [item.kind for item in page.items] == ["activity", "task", "change"] * 3
    times = [item.at for item in page.items]
    assert times == sorted(times, reverse=True)
    assert not page.has_next


def test_the_timeline_describes_changes_as_old_and_new_values(manager):
    company = CompanyFactory(curator=manager, description="Было")
    before = audit.snapshot(company)
    company.description = "Стало"
    company.save()
    audit.record_update(manager, company, before)

    (item,) = selectors.timeline(actor=manager, entity="company", obj=company).items

    assert item.kind == "change"
    assert ("notes", "Было", "Стало") in item.changes


def test_the_timeline_pages_cover_every_event_once(manager):
    company = _busy_company(manager, 10)

    seen, number = [], 1
    while True:
        page = selectors.timeline(
            actor=manager, entity="company", obj=company, page=number, page_size=7
        )
        seen += [(item.kind, item.obj.pk) for item in page.items]
        if not page.has_next:
            break
        number += 1

    assert number == 5
    assert len(seen) == 30
    assert len(set(seen)) == 30


@pytest.mark.parametrize("size", [2, 40])
def test_a_timeline_page_takes_a_fixed_number_of_queries(
    manager, size, django_assert_max_num_queries
):
    company = _busy_company(manager, size)
    ContentType.objects.clear_cache()

    with django_assert_max_num_queries(7):
        first = selectors.timeline(actor=manager, entity="company", obj=company)
    with django_assert_max_num_queries(7):
        later = selectors.timeline(actor=manager, entity="company", obj=company, page=3)

    assert len(first.items) == min(20, 3 * size)
    assert size < 20 or len(later.items) == 20


def test_the_timeline_of_a_hidden_record_is_not_found(manager, other_manager):
    foreign = CompanyFactory(curator=other_manager)

    with pytest.raises(NotFound):
        selectors.timeline(actor=manager, entity="company", obj=foreign)


def test_an_activity_logged_on_a_contact_shows_on_both_timelines(manager):
    from crm.activities.tests.factories import EmploymentFactory

    employment = EmploymentFactory(
        contact=ContactFactory(curator=manager), company=CompanyFactory(curator=manager)
    )
    call = services.activity_log(
        actor=manager, kind="call", contact=employment.contact, subject="Первый звонок"
    )

    for entity, obj in (
        ("contact", employment.contact),
        ("company", employment.company),
    ):
        page = selectors.timeline(actor=manager, entity=entity, obj=obj)
        assert [i.obj for i in page.items if i.kind == "activity"] == [call]


def test_trashed_activities_leave_the_timeline(manager):
    company = CompanyFactory(curator=manager)
    activity = ActivityFactory(created_by=manager, company=company)
    services.activity_delete(actor=manager, activity=activity)

    page = selectors.timeline(actor=manager, entity="company", obj=company)

    assert all(item.kind != "activity" for item in page.items)


# --- my day -------------------------------------------------------------------------


def test_my_day_shows_overdue_today_meetings_upcoming_and_recent(
    manager, other_manager, django_assert_max_num_queries
):
    day = timezone.localdate()
    start = _day_start(day)
    client = CompanyFactory(curator=manager)
    overdue = TaskFactory(assignee=manager, due_at=start - dt.timedelta(hours=3))
    today = TaskFactory(
        assignee=manager, due_at=start + dt.timedelta(hours=15), company=client
    )
    upcoming = TaskFactory(assignee=manager, due_at=start + dt.timedelta(days=3))
    TaskFactory(assignee=manager, due_at=start + dt.timedelta(days=30))
    TaskFactory(assignee=other_manager, due_at=start + dt.timedelta(hours=15))
    TaskFactory(
        assignee=manager,
        status=TaskStatus.DONE,
        due_at=start + dt.timedelta(hours=1),
        completed_at=start + dt.timedelta(hours=1),
    )
    meeting = ActivityFactory(
        created_by=manager,
        kind=ActivityKind.MEETING,
        company=client,
        occurred_at=start + dt.timedelta(hours=11),
    )
    later_meeting = ActivityFactory(
        created_by=manager,
        kind=ActivityKind.MEETING,
        company=client,
        occurred_at=start + dt.timedelta(days=2),
    )
    colleagues_call = ActivityFactory(
        created_by=other_manager,
        company=client,
        occurred_at=timezone.now() - dt.timedelta(minutes=5),
    )

    with django_assert_max_num_queries(13):
        result = selectors.my_day(actor=manager, day=day)

    assert result.overdue == [overdue]
    assert result.today == [today]
    assert result.meetings == [meeting]
    assert [obj for _when, _kind, obj in result.upcoming] == [later_meeting, upcoming]
    assert colleagues_call in result.recent
    assert result.done_today == 1
    assert not result.is_empty


def test_the_timeline_names_custom_fields_by_their_label(
    manager, django_assert_max_num_queries
):
    from crm.core.models import AuditAction, CustomField

    CustomField.objects.create(
        entity="company", key="size", label_en="Staff", label_ru="Штат", kind="number"
    )
    company = CompanyFactory(curator=manager)
    AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(company),
        object_id=company.pk,
        object_repr=str(company),
        action=AuditAction.UPDATE,
        actor=manager,
        changes={
            "custom_fields.size": {"old": "10", "new": "12"},
            "description": {"old": None, "new": "Растут"},
        },
    )

    with django_assert_max_num_queries(7):
        (item,) = selectors.timeline(actor=manager, entity="company", obj=company).items

    assert ("Staff", "10", "12") in item.changes
    assert ("notes", None, "Растут") in item.changes


def test_logging_an_activity_moves_the_clients_last_activity_forward(manager):
    client = CompanyFactory(curator=manager)
    now = timezone.now()
    services.activity_log(
        actor=manager, kind=ActivityKind.CALL, company=client, body="Сегодня"
    )
    services.activity_log(
        actor=manager,
        kind=ActivityKind.NOTE,
        company=client,
        body="Задним числом",
        occurred_at=now - dt.timedelta(days=30),
    )

    client.refresh_from_db()
    assert client.last_activity_at >= now - dt.timedelta(seconds=5)


def test_my_day_shows_colleagues_activity_on_my_most_recent_clients(
    manager, other_manager, admin_user
):
    mine = CompanyFactory(curator=manager)
    theirs = CompanyFactory(curator=other_manager)
    on_mine = services.activity_log(
        actor=admin_user, kind=ActivityKind.CALL, company=mine, body="Позвонил"
    )
    services.activity_log(
        actor=admin_user, kind=ActivityKind.CALL, company=theirs, body="Чужой"
    )

    recent = selectors.my_day(actor=manager).recent

    assert recent == [on_mine]
