import datetime as dt

import pytest
from django.utils import timezone

from crm.activities import tasks
from crm.activities.models import Task, TaskStatus
from crm.activities.services import task_overdue_nudges_send, task_reminders_send
from crm.activities.tests.factories import CompanyFactory, TaskFactory
from crm.core.models import Notification


@pytest.fixture
def due_task(manager):
    return TaskFactory(
        assignee=manager,
        title="Перезвонить в «Ромашку»",
        company=CompanyFactory(curator=manager, name="Ромашка"),
        remind_at=timezone.now() - dt.timedelta(minutes=1),
    )


def test_a_due_reminder_arrives_once_in_the_app_and_by_email(
    due_task, manager, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = task_reminders_send(now=timezone.now())

    assert sent == 1
    notification = Notification.objects.get(user=manager)
    assert "Перезвонить в «Ромашку»" in notification.title
    assert "Ромашка" in notification.body
    assert notification.url == due_task.get_absolute_url()
    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message["to"] == [manager.email]
    assert due_task.get_absolute_url() in message["data"]
    due_task.refresh_from_db()
    assert due_task.reminder_sent_at is not None


def test_running_the_reminders_again_sends_nothing_twice(
    due_task, manager, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        task_reminders_send(now=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        again = task_reminders_send(now=timezone.now() + dt.timedelta(minutes=5))

    assert again == 0
    assert Notification.objects.filter(user=manager).count() == 1
    assert len(smtp_sink.messages) == 1


def test_a_reminder_claimed_by_another_run_is_not_sent(due_task, manager):
    # Another worker claimed it between our listing and our claim.
    Task.objects.filter(pk=due_task.pk).update(reminder_sent_at=timezone.now())

    assert task_reminders_send(now=timezone.now()) == 0
    assert not Notification.objects.exists()


def test_future_done_and_reminderless_tasks_send_nothing(manager):
    now = timezone.now()
    TaskFactory(assignee=manager, remind_at=now + dt.timedelta(minutes=5))
    TaskFactory(
        assignee=manager,
        remind_at=now - dt.timedelta(minutes=5),
        status=TaskStatus.DONE,
    )
    TaskFactory(assignee=manager, remind_at=None)

    assert task_reminders_send(now=now) == 0
    assert not Notification.objects.exists()


def test_a_trashed_task_sends_no_reminder(due_task, manager):
    Task.objects.filter(pk=due_task.pk).update(deleted_at=timezone.now())

    assert task_reminders_send(now=timezone.now()) == 0


def test_the_periodic_job_delivers_due_reminders(
    due_task, manager, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.task_reminders_deliver()

    assert Notification.objects.filter(user=manager).count() == 1
    assert len(smtp_sink.messages) == 1


def test_the_periodic_job_runs_every_minute():
    job = tasks.task_reminders_deliver.s()
    moment = dt.datetime(2025, 3, 14, 15, 37)

    assert all(
        job.validate_datetime(moment + dt.timedelta(minutes=m)) for m in range(60)
    )


def test_the_overdue_nudge_comes_once_a_day_per_user(
    manager, other_manager, smtp_sink, django_capture_on_commit_callbacks
):
    now = timezone.now()
    for _ in range(3):
        TaskFactory(assignee=manager, due_at=now - dt.timedelta(days=2))
    TaskFactory(
        assignee=manager, due_at=now - dt.timedelta(days=2), status=TaskStatus.DONE
    )
    TaskFactory(assignee=other_manager, due_at=now + dt.timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        first = task_overdue_nudges_send(now=now)
    with django_capture_on_commit_callbacks(execute=True):
        again = task_overdue_nudges_send(now=now + dt.timedelta(minutes=1))

    assert (first, again) == (1, 0)
    notification = Notification.objects.get()
    assert notification.user == manager
    assert "3" in notification.title
    assert f"assignee={manager.pk}" in notification.url
    assert len(smtp_sink.messages) == 1


def test_the_overdue_nudge_runs_at_nine_in_the_sites_time_zone(settings):
    job = tasks.task_overdue_nudges_deliver.s()
    hour = int(tasks._utc_hour_of_local(9))

    assert job.validate_datetime(dt.datetime(2025, 3, 14, hour, 0))
    assert not job.validate_datetime(dt.datetime(2025, 3, 14, (hour + 1) % 24, 0))
    settings.TIME_ZONE = "Europe/Moscow"
    assert tasks._utc_hour_of_local(9) == "6"
    settings.TIME_ZONE = "Asia/Vladivostok"
    assert tasks._utc_hour_of_local(9) == "23"
