import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crm.activities import services
from crm.activities.models import Activity, ActivityKind, Attachment, Task, TaskStatus
from crm.activities.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    EmploymentFactory,
    TaskFactory,
)
from crm.core.errors import Conflict, DomainError, Forbidden, NotFound
from crm.core.models import AuditAction, AuditEntry, Notification

# --- tasks ------------------------------------------------------------------------


def test_task_create_gives_the_task_to_its_author_and_records_history(manager):
    company = CompanyFactory(curator=manager)

    task = services.task_create(
        actor=manager,
        title="  Выставить счёт ",
        company=company,
        due_at=timezone.now() + dt.timedelta(days=2),
        priority="high",
    )

    task.refresh_from_db()
    assert task.title == "Выставить счёт"
    assert task.assignee == manager
    assert task.created_by == manager
    assert task.priority == "high"
    assert task.status == TaskStatus.OPEN
    entry = AuditEntry.objects.get(object_id=task.pk, action=AuditAction.CREATE)
    assert entry.changes["title"]["new"] == "Выставить счёт"
    assert not Notification.objects.exists()


def test_task_create_notifies_the_assignee_in_the_app_and_by_email(
    manager, other_manager, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        task = services.task_create(
            actor=manager, title="Подготовить КП", assignee=other_manager
        )

    notification = Notification.objects.get(user=other_manager)
    assert "Подготовить КП" in notification.title
    assert notification.url == task.get_absolute_url()
    assert len(smtp_sink.messages) == 1
    assert smtp_sink.messages[0]["to"] == [other_manager.email]


def test_task_create_on_a_contact_sets_their_main_company(manager):
    employment = EmploymentFactory(
        contact=ContactFactory(curator=manager), company=CompanyFactory()
    )

    task = services.task_create(
        actor=manager, title="Поздравить", contact=employment.contact
    )

    assert task.company == employment.company


def test_task_create_refuses_a_client_the_actor_cannot_see(manager, other_manager):
    foreign = CompanyFactory(curator=other_manager)

    with pytest.raises(NotFound):
        services.task_create(actor=manager, title="Чужой", company=foreign.pk)

    assert not Task.objects.exists()


def test_task_create_refuses_a_garbage_due_date_naming_the_field(manager):
    with pytest.raises(DomainError) as error:
        services.task_create(actor=manager, title="Позвонить", due_at="завтра утром")

    assert error.value.field == "due_at"
    assert not Task.objects.exists()
    assert not AuditEntry.objects.exists()


def test_task_create_needs_a_title(manager):
    with pytest.raises(DomainError) as error:
        services.task_create(actor=manager, title="   ")

    assert error.value.field == "title"


def test_task_create_refuses_an_unknown_priority(manager):
    with pytest.raises(DomainError) as error:
        services.task_create(actor=manager, title="Позвонить", priority="asap")

    assert error.value.field == "priority"


def test_a_read_only_user_may_not_create_tasks(make_user):
    reader = make_user(role="readonly")

    with pytest.raises(Forbidden):
        services.task_create(actor=reader, title="Позвонить")


def test_task_update_records_old_and_new_values(manager):
    task = TaskFactory(assignee=manager, priority="normal")

    services.task_update(
        actor=manager, task=task, version=task.version, priority="urgent"
    )

    task.refresh_from_db()
    assert task.priority == "urgent"
    assert task.version == 2
    entry = AuditEntry.objects.get(object_id=task.pk, action=AuditAction.UPDATE)
    assert entry.changes["priority"] == {"old": "Normal", "new": "Urgent"}


def test_task_update_refuses_a_stale_version(manager):
    task = TaskFactory(assignee=manager, title="Первое")
    services.task_update(actor=manager, task=task, version=1, title="Второе")
    stale = Task.objects.get(pk=task.pk)
    stale.version = 1

    with pytest.raises(Conflict):
        services.task_update(actor=manager, task=stale, version=1, title="Третье")

    task.refresh_from_db()
    assert task.title == "Второе"
    assert task.version == 2


def test_task_update_by_someone_who_may_not_change_it_is_forbidden(
    manager, other_manager
):
    task = TaskFactory(assignee=other_manager)

    with pytest.raises(Forbidden):
        services.task_update(actor=manager, task=task, title="Моё")


def test_reassigning_a_task_notifies_the_new_assignee(manager, other_manager):
    task = TaskFactory(assignee=manager)

    services.task_update(actor=manager, task=task, assignee=other_manager)

    assert Notification.objects.filter(user=other_manager).count() == 1


def test_a_new_reminder_time_arms_the_reminder_again(manager):
    task = TaskFactory(
        assignee=manager,
        remind_at=timezone.now() - dt.timedelta(hours=1),
        reminder_sent_at=timezone.now(),
    )

    services.task_update(
        actor=manager, task=task, remind_at=timezone.now() + dt.timedelta(hours=1)
    )

    task.refresh_from_db()
    assert task.reminder_sent_at is None


def test_task_complete_and_reopen(manager):
    task = TaskFactory(assignee=manager)

    services.task_complete(actor=manager, task=task)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.completed_at is not None

    services.task_reopen(actor=manager, task=task)
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert task.completed_at is None


def test_task_delete_moves_it_to_the_trash(manager):
    task = TaskFactory(assignee=manager)

    services.task_delete(actor=manager, task=task)

    assert not Task.objects.filter(pk=task.pk).exists()
    assert Task.all_objects.get(pk=task.pk).deleted_by == manager
    assert AuditEntry.objects.filter(
        object_id=task.pk, action=AuditAction.DELETE
    ).exists()


# --- activities ---------------------------------------------------------------------


def test_activity_log_on_a_contact_shows_on_their_main_company_too(manager):
    contact = ContactFactory(curator=manager)
    company = CompanyFactory(curator=manager)
    EmploymentFactory(contact=contact, company=company, is_primary=True)

    call = services.activity_log(
        actor=manager,
        kind="call",
        contact=contact,
        direction="out",
        duration_minutes="12",
        outcome="Договорились о встрече",
    )

    assert call.contact == contact
    assert call.company == company
    assert call.duration_minutes == 12
    assert AuditEntry.objects.filter(
        object_id=call.pk, action=AuditAction.CREATE
    ).exists()


def test_activity_log_refuses_a_file_kind(manager):
    with pytest.raises(DomainError) as error:
        services.activity_log(
            actor=manager, kind="file", company=CompanyFactory(curator=manager)
        )

    assert error.value.field == "kind"


def test_activity_log_needs_a_client(manager):
    with pytest.raises(DomainError) as error:
        services.activity_log(actor=manager, kind="note", body="Просто мысль")

    assert error.value.field == "company"


def test_activity_log_refuses_a_meeting_that_ends_before_it_starts(manager):
    start = timezone.now()

    with pytest.raises(DomainError) as error:
        services.activity_log(
            actor=manager,
            kind="meeting",
            company=CompanyFactory(curator=manager),
            occurred_at=start,
            ends_at=start - dt.timedelta(hours=1),
        )

    assert error.value.field == "ends_at"
    assert not Activity.objects.exists()


def test_activity_log_refuses_a_negative_duration(manager):
    with pytest.raises(DomainError) as error:
        services.activity_log(
            actor=manager,
            kind="call",
            company=CompanyFactory(curator=manager),
            duration_minutes=-5,
        )

    assert error.value.field == "duration_minutes"


def test_activity_log_on_another_managers_client_is_not_found(manager, other_manager):
    with pytest.raises(NotFound):
        services.activity_log(
            actor=manager,
            kind="note",
            body="Подсмотрел",
            company=CompanyFactory(curator=other_manager),
        )

    assert not Activity.objects.exists()


def test_a_marketer_may_log_on_any_client_they_can_see(make_user, other_manager):
    marketer = make_user(role="marketer")

    note = services.activity_log(
        actor=marketer,
        kind="note",
        body="Пригласить на выставку",
        company=CompanyFactory(curator=other_manager),
    )

    assert note.created_by == marketer


def test_activity_update_refuses_a_stale_version(manager):
    activity = ActivityFactory(
        created_by=manager, company=CompanyFactory(curator=manager)
    )
    services.activity_update(
        actor=manager, activity=activity, version=1, subject="Новый"
    )

    with pytest.raises(Conflict):
        services.activity_update(
            actor=manager,
            activity=Activity.objects.get(pk=activity.pk),
            version=1,
            subject="Старый",
        )

    assert Activity.objects.get(pk=activity.pk).subject == "Новый"


def test_activity_delete_moves_it_to_the_trash(manager):
    activity = ActivityFactory(
        created_by=manager, company=CompanyFactory(curator=manager)
    )

    services.activity_delete(actor=manager, activity=activity)

    assert not Activity.objects.filter(pk=activity.pk).exists()


# --- files --------------------------------------------------------------------------


def test_attachment_add_on_a_card_stores_the_file_as_a_file_activity(manager, settings):
    company = CompanyFactory(curator=manager)
    upload = SimpleUploadedFile(
        "договор.pdf", b"%PDF-1.4 test", content_type="application/pdf"
    )

    attachment = services.attachment_add(actor=manager, file=upload, company=company)

    assert attachment.activity.kind == ActivityKind.FILE
    assert attachment.activity.company == company
    assert attachment.name == "договор.pdf"
    assert attachment.size == len(b"%PDF-1.4 test")
    stored = Path(attachment.file.path)
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT))
    assert stored.read_bytes() == b"%PDF-1.4 test"


def test_attachment_add_refuses_a_file_over_the_limit_and_writes_nothing(
    manager, settings
):
    settings.CRM_MAX_ATTACHMENT_SIZE = 10
    company = CompanyFactory(curator=manager)

    with pytest.raises(DomainError) as error:
        services.attachment_add(
            actor=manager,
            file=SimpleUploadedFile("big.bin", b"x" * 11),
            company=company,
        )

    assert error.value.field == "file"
    assert "10" in str(error.value.message)
    assert not Activity.objects.exists()
    assert not Attachment.objects.exists()


def test_attachment_add_to_an_activity_needs_edit_rights(manager, other_manager):
    activity = ActivityFactory(
        created_by=other_manager, company=CompanyFactory(curator=other_manager)
    )

    with pytest.raises(Forbidden):
        services.attachment_add(
            actor=manager,
            file=SimpleUploadedFile("a.txt", b"hello"),
            activity=activity,
        )
