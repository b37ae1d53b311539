"""The iCalendar feed of a user's tasks and meetings at a secret address."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from crm.activities.models import ActivityKind, CalendarFeed, TaskStatus
from crm.activities.services.calendar import (
    calendar_feed_get_or_create,
    calendar_feed_reset,
)
from crm.activities.tests.factories import ActivityFactory, TaskFactory
from crm.customers.tests.factories import CompanyFactory

NOON = dt.datetime(2030, 5, 14, 9, 0, tzinfo=dt.UTC)


def _feed(client, user):
    token = calendar_feed_get_or_create(actor=user).token
    return client.get(reverse("activities:calendar-feed", args=[token]))


def _events(response) -> list:
    calendar = Calendar.from_ical(response.content)
    return list(calendar.walk("VEVENT"))


def test_the_feed_holds_a_task_as_a_timed_event_in_utc(client, manager):
    company = CompanyFactory(name="ООО «Ромашка»", curator=manager)
    task = TaskFactory(
        assignee=manager,
        title="Позвонить главбуху",
        description="Уточнить реквизиты",
        due_at=NOON,
        company=company,
    )

    response = _feed(client, manager)

    event = _events(response)[0]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert str(event["summary"]) == "Task: Позвонить главбуху"
    assert event.decoded("dtstart") == NOON
    assert event.decoded("dtend") == NOON + dt.timedelta(minutes=30)
    assert b"DTSTART:20300514T090000Z" in response.content
    assert "Уточнить реквизиты" in str(event["description"])
    assert "ООО «Ромашка»" in str(event["description"])
    assert str(event["url"]).endswith(task.get_absolute_url())
    assert str(event["uid"]).startswith(f"task-{task.pk}@")


def test_a_meeting_has_its_time_place_and_a_link_back(client, manager):
    meeting = ActivityFactory(
        kind=ActivityKind.MEETING,
        subject="Встреча на объекте",
        location="Москва, ул. Мясницкая, 1",
        occurred_at=NOON,
        ends_at=NOON + dt.timedelta(hours=2),
        created_by=manager,
        company=CompanyFactory(curator=manager),
    )

    event = _events(_feed(client, manager))[0]

    assert str(event["summary"]) == "Встреча на объекте"
    assert str(event["location"]) == "Москва, ул. Мясницкая, 1"
    assert event.decoded("dtend") == NOON + dt.timedelta(hours=2)
    assert str(event["url"]).endswith(meeting.get_absolute_url())


def test_the_feed_speaks_the_users_language(client, make_user):
    russian = make_user(language="ru")
    ActivityFactory(
        kind=ActivityKind.MEETING, subject="", occurred_at=NOON, created_by=russian
    )

    event = _events(_feed(client, russian))[0]

    assert str(event["summary"]) == "Встреча"


def test_a_feed_holds_only_its_owners_tasks_and_meetings(
    client, manager, other_manager
):
    TaskFactory(assignee=manager, title="Моя задача", due_at=NOON)
    TaskFactory(assignee=other_manager, title="Чужая задача", due_at=NOON)
    ActivityFactory(
        kind=ActivityKind.MEETING, subject="Чужая встреча", created_by=other_manager
    )

    events = _events(_feed(client, manager))

    assert [str(e["summary"]) for e in events] == ["Task: Моя задача"]


def test_old_cancelled_and_undated_tasks_and_calls_are_left_out(client, manager):
    now = timezone.now()
    TaskFactory(assignee=manager, title="Давняя", due_at=now - dt.timedelta(days=120))
    TaskFactory(
        assignee=manager, title="Отменённая", due_at=NOON, status=TaskStatus.CANCELLED
    )
    TaskFactory(assignee=manager, title="Без срока", due_at=None)
    TaskFactory(assignee=manager, title="Сделанная", due_at=now, status=TaskStatus.DONE)
    ActivityFactory(kind=ActivityKind.CALL, subject="Звонок", created_by=manager)

    events = _events(_feed(client, manager))

    assert [str(e["summary"]) for e in events] == ["Done: Сделанная"]


def test_reset_makes_the_old_address_stop_working(client, manager):
    old = calendar_feed_get_or_create(actor=manager).token

    new = calendar_feed_reset(actor=manager).token

    assert new != old
    assert (
        client.get(reverse("activities:calendar-feed", args=[old])).status_code == 404
    )
    assert (
        client.get(reverse("activities:calendar-feed", args=[new])).status_code == 200
    )


def test_an_unknown_token_and_a_deactivated_user_get_404(client, manager):
    token = calendar_feed_get_or_create(actor=manager).token
    manager.is_active = False
    manager.save()

    assert (
        client.get(reverse("activities:calendar-feed", args=["nope"])).status_code
        == 404
    )
    assert (
        client.get(reverse("activities:calendar-feed", args=[token])).status_code == 404
    )


def test_the_feed_needs_no_session_and_few_queries(
    client, manager, django_assert_max_num_queries
):
    for n in range(20):
        TaskFactory(
            assignee=manager,
            due_at=NOON + dt.timedelta(hours=n),
            company=CompanyFactory(),
        )
        ActivityFactory(kind=ActivityKind.MEETING, occurred_at=NOON, created_by=manager)
    token = calendar_feed_get_or_create(actor=manager).token

    with django_assert_max_num_queries(4):
        response = client.get(reverse("activities:calendar-feed", args=[token]))

    assert len(_events(response)) == 40


def test_the_profile_shows_the_address_and_resets_it(client, manager):
    client.force_login(manager)

    page = client.get(reverse("accounts:profile"))
    token = CalendarFeed.objects.get(user=manager).token
    reset = client.post(reverse("activities:calendar-reset"))

    assert reverse("activities:calendar-feed", args=[token]) in page.content.decode()
    assert reset.status_code == 302
    assert CalendarFeed.objects.get(user=manager).token != token


def test_reset_needs_a_signed_in_post(client, manager):
    response = client.get(reverse("activities:calendar-reset"))

    assert response.status_code in (302, 405)
    assert not CalendarFeed.objects.filter(user=manager).exists()


@pytest.mark.parametrize("role", ["admin", "readonly"])
def test_every_user_sees_only_their_own_address_on_the_profile(
    client, make_user, manager, role
):
    other = make_user(role=role)
    mine = calendar_feed_get_or_create(actor=manager).token
    client.force_login(other)

    page = client.get(reverse("accounts:profile")).content.decode()

    assert mine not in page
