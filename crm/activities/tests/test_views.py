import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone

from crm.activities.models import Activity, ActivityKind, Attachment, Task, TaskStatus
from crm.activities.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    TaskFactory,
)
from crm.core import registry
from crm.core.search import search_text

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def _day_start():
    return dt.datetime.combine(
        timezone.localdate(), dt.time.min, tzinfo=timezone.get_current_timezone()
    )


# --- my day -------------------------------------------------------------------------


def test_the_home_page_opens_my_day(signed_in):
    response = signed_in.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/my-day/"


def test_my_day_lists_overdue_and_todays_tasks_and_meetings(
    signed_in, manager, other_manager, django_assert_max_num_queries
):
    start = _day_start()
    client_company = CompanyFactory(curator=manager, name="ООО «Василёк»")
    TaskFactory(
        assignee=manager, title="Просроченный счёт", due_at=start - dt.timedelta(days=1)
    )
    TaskFactory(
        assignee=manager,
        title="Сегодняшний звонок",
        due_at=start + dt.timedelta(hours=14),
        company=client_company,
    )
    TaskFactory(
        assignee=other_manager,
        title="Чужая задача",
        due_at=start + dt.timedelta(hours=14),
    )
    ActivityFactory(
        created_by=manager,
        kind=ActivityKind.MEETING,
        subject="Встреча с директором",
        company=client_company,
        occurred_at=start + dt.timedelta(hours=10),
    )

    with django_assert_max_num_queries(18):
        response = signed_in.get("/my-day/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Просроченный счёт" in page
    assert "Сегодняшний звонок" in page
    assert "Встреча с директором" in page
    assert "ООО «Василёк»" in page
    assert "Чужая задача" not in page


def test_my_day_of_a_new_user_is_useful_not_empty(signed_in):
    response = signed_in.get("/my-day/")

    page = response.content.decode()
    assert 'id="my-day-empty"' in page
    assert "/companies/new/" in page
    assert "/tasks/new/" in page


def test_one_click_complete_with_htmx_returns_the_done_row(signed_in, manager):
    task = TaskFactory(assignee=manager, title="Отправить КП")

    response = signed_in.post(f"/tasks/{task.pk}/complete/", **HTMX)

    assert response.status_code == 200
    assert response["HX-Trigger"] == "timeline-changed"
    assert f'id="task-row-{task.pk}"' in response.content.decode()
    assert f"/tasks/{task.pk}/reopen/" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_complete_without_javascript_redirects_back(signed_in, manager):
    task = TaskFactory(assignee=manager)

    response = signed_in.post(f"/tasks/{task.pk}/complete/", {"next": "/my-day/"})

    assert response.status_code == 302
    assert response["Location"] == "/my-day/"
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_another_managers_task_is_404_on_every_page(signed_in, other_manager):
    task = TaskFactory(
        assignee=other_manager, company=CompanyFactory(curator=other_manager)
    )

    assert signed_in.get(f"/tasks/{task.pk}/").status_code == 404
    assert signed_in.get(f"/tasks/{task.pk}/edit/").status_code == 404
    assert signed_in.post(f"/tasks/{task.pk}/complete/").status_code == 404
    assert signed_in.post(f"/tasks/{task.pk}/delete/").status_code == 404
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert task.deleted_at is None


# --- the task list ------------------------------------------------------------------


def test_the_task_list_opens_on_my_open_tasks(
    signed_in, manager, other_manager, django_assert_max_num_queries
):
    for i in range(30):
        TaskFactory(assignee=manager, title=f"Моя задача {i}")
    TaskFactory(assignee=manager, title="Сделанная", status=TaskStatus.DONE)
    TaskFactory(assignee=other_manager, title="Коллеги", created_by=manager)
    TaskFactory(
        assignee=other_manager,
        title="Совсем чужая",
        company=CompanyFactory(curator=other_manager),
    )

    with django_assert_max_num_queries(18):
        response = signed_in.get("/tasks/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Моя задача 1" in page
    assert "Сделанная" not in page
    assert "Коллеги" not in page
    assert "1–25 of 30" in page


def test_the_task_list_filters_and_never_shows_hidden_tasks(
    signed_in, manager, other_manager
):
    TaskFactory(assignee=other_manager, title="Коллеги", created_by=manager)
    TaskFactory(
        assignee=other_manager,
        title="Совсем чужая",
        company=CompanyFactory(curator=other_manager),
    )

    response = signed_in.get("/tasks/", {"assignee": "", "status": ""}, **HTMX)

    page = response.content.decode()
    assert "Коллеги" in page
    assert "Совсем чужая" not in page
    assert "<html" not in page


# --- task forms ---------------------------------------------------------------------


def test_create_a_task_from_the_form(signed_in, manager):
    company = CompanyFactory(curator=manager)

    response = signed_in.post(
        "/tasks/new/",
        {
            "title": "Подготовить договор",
            "due_at": "2031-05-20T15:30",
            "remind_at": "2031-05-20T14:30",
            "priority": "high",
            "assignee": manager.pk,
            "company": company.pk,
        },
    )

    task = Task.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{task.pk}/"
    assert task.company == company
    # The form's time is the user's (Moscow), stored in UTC.
    assert timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") == (
        "2031-05-20 15:30"
    )


def test_a_garbage_due_date_is_shown_on_its_field_and_nothing_is_saved(
    signed_in, manager
):
    response = signed_in.post(
        "/tasks/new/",
        {
            "title": "Позвонить",
            "due_at": "в пятницу",
            "priority": "normal",
            "assignee": manager.pk,
        },
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "due_at" in form.errors
    assert not Task.objects.exists()


def test_the_form_does_not_offer_another_managers_company(
    signed_in, manager, other_manager
):
    foreign = CompanyFactory(curator=other_manager)

    response = signed_in.post(
        "/tasks/new/",
        {
            "title": "Позвонить",
            "priority": "normal",
            "assignee": manager.pk,
            "company": foreign.pk,
        },
    )

    assert "company" in response.context["form"].errors
    assert not Task.objects.exists()


def test_a_stale_edit_is_refused_with_a_message(signed_in, manager):
    task = TaskFactory(assignee=manager, title="Исходное")
    Task.objects.filter(pk=task.pk).update(version=2, title="Чужая правка")

    response = signed_in.post(
        f"/tasks/{task.pk}/edit/",
        {
            "title": "Моя правка",
            "priority": "normal",
            "status": "open",
            "assignee": manager.pk,
            "version": 1,
        },
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    task.refresh_from_db()
    assert task.title == "Чужая правка"


def test_the_task_page_shows_its_history(signed_in, manager):
    signed_in.post(
        "/tasks/new/",
        {"title": "Первое", "priority": "normal", "assignee": manager.pk},
    )
    task = Task.objects.get()
    signed_in.post(
        f"/tasks/{task.pk}/edit/",
        {
            "title": "Второе",
            "priority": "normal",
            "status": "open",
            "assignee": manager.pk,
            "version": 1,
        },
    )

    page = signed_in.get(f"/tasks/{task.pk}/").content.decode()

    assert "<del>Первое</del> → Второе" in page


# --- the card's panels --------------------------------------------------------------


def _panels(entity, user, obj):
    request = RequestFactory().get("/")
    request.user = user
    return registry.render_panels(entity, request, obj)


def test_the_card_shows_the_timeline_and_the_open_tasks(manager):
    company = CompanyFactory(curator=manager)
    ActivityFactory(created_by=manager, company=company, subject="Первый звонок")
    TaskFactory(assignee=manager, company=company, title="Выслать прайс")

    panels = _panels("company", manager, company)

    main, side = "".join(panels["main"]), "".join(panels["side"])
    assert f'id="timeline-company-{company.pk}"' in main
    assert "Первый звонок" in main
    assert f'id="log-forms-company-{company.pk}"' in main
    assert "Выслать прайс" in side


def test_the_card_panels_of_a_hidden_record_are_left_out(manager, other_manager):
    foreign = ContactFactory(curator=other_manager)

    panels = _panels("contact", manager, foreign)

    assert panels == {"main": [], "side": []}


def test_the_company_card_page_carries_the_panels(signed_in, manager):
    company = CompanyFactory(curator=manager)

    response = signed_in.get(f"/companies/{company.pk}/")

    assert response.status_code == 200
    assert f'id="timeline-company-{company.pk}"' in response.content.decode()


def test_log_a_call_with_htmx_refreshes_the_timeline(signed_in, manager):
    company = CompanyFactory(curator=manager)

    response = signed_in.post(
        f"/cards/company/{company.pk}/log/",
        {
            "kind": "call",
            "subject": "Обсудили поставку",
            "direction": "out",
            "duration_minutes": "5",
            "location": "не для звонка",
        },
        **HTMX,
    )

    assert response.status_code == 200
    assert response["HX-Trigger"] == "timeline-changed"
    call = Activity.objects.get()
    assert call.kind == ActivityKind.CALL
    assert call.company == company
    assert call.duration_minutes == 5
    assert call.location == ""
    timeline = signed_in.get(f"/cards/company/{company.pk}/timeline/", **HTMX)
    assert "Обсудили поставку" in timeline.content.decode()


def test_add_a_note_without_javascript_redirects_to_the_card(signed_in, manager):
    contact = ContactFactory(curator=manager)

    response = signed_in.post(
        f"/cards/contact/{contact.pk}/log/", {"kind": "note", "body": "Любит чай"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{contact.pk}/"
    assert Activity.objects.get().body == "Любит чай"


def test_an_empty_note_gets_a_message_and_nothing_is_saved(signed_in, manager):
    company = CompanyFactory(curator=manager)

    response = signed_in.post(
        f"/cards/company/{company.pk}/log/", {"kind": "note", "body": ""}, **HTMX
    )

    assert response.status_code == 200
    assert "body" in response.context["log_form"].errors
    assert "HX-Trigger" not in response
    assert not Activity.objects.exists()


def test_logging_on_another_managers_client_is_404(signed_in, other_manager):
    foreign = CompanyFactory(curator=other_manager)

    response = signed_in.post(
        f"/cards/company/{foreign.pk}/log/", {"kind": "note", "body": "Подсмотрел"}
    )

    assert response.status_code == 404
    assert not Activity.objects.exists()
    assert signed_in.get(f"/cards/company/{foreign.pk}/timeline/").status_code == 404


def test_schedule_a_meeting_that_ends_before_it_starts(signed_in, manager):
    company = CompanyFactory(curator=manager)

    response = signed_in.post(
        f"/cards/company/{company.pk}/log/",
        {
            "kind": "meeting",
            "occurred_at": "2031-05-20T15:00",
            "ends_at": "2031-05-20T14:00",
        },
        **HTMX,
    )

    assert "ends_at" in response.context["log_form"].errors
    assert not Activity.objects.exists()


def test_add_a_task_from_the_card(signed_in, manager):
    contact = ContactFactory(curator=manager)

    response = signed_in.post(
        f"/cards/contact/{contact.pk}/tasks/",
        {
            "title": "Поздравить с днём рождения",
            "due_at": "2031-06-01T10:00",
            "priority": "normal",
            "assignee": manager.pk,
        },
        **HTMX,
    )

    assert response.status_code == 200
    assert "Поздравить с днём рождения" in response.content.decode()
    assert Task.objects.get().contact == contact


def test_show_more_pages_the_timeline_in_a_fixed_number_of_queries(
    signed_in, manager, django_assert_max_num_queries
):
    company = CompanyFactory(curator=manager)
    start = timezone.now()
    for i in range(45):
        ActivityFactory(
            created_by=manager,
            company=company,
            subject=f"Событие {i}",
            occurred_at=start - dt.timedelta(minutes=i),
        )

    with django_assert_max_num_queries(12):
        response = signed_in.get(
            f"/cards/company/{company.pk}/timeline/", {"page": 2}, **HTMX
        )

    page = response.content.decode()
    assert "Событие 20" in page
    assert "Событие 39" in page
    assert "Событие 19" not in page
    assert "Событие 40" not in page
    assert "?page=3" in page


# --- files --------------------------------------------------------------------------


def test_upload_a_file_on_a_card_and_download_it(
    signed_in, client, manager, other_manager
):
    company = CompanyFactory(curator=manager)

    response = signed_in.post(
        f"/cards/company/{company.pk}/upload/",
        {"file": SimpleUploadedFile("счёт.txt", "Итого: 100 ₽".encode())},
        **HTMX,
    )

    assert response.status_code == 200
    attachment = Attachment.objects.get()
    assert attachment.activity.kind == ActivityKind.FILE
    download = signed_in.get(f"/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == "Итого: 100 ₽".encode()
    assert "attachment" in download["Content-Disposition"]
    client.force_login(other_manager)
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404


def test_a_file_over_the_limit_gets_a_message_on_the_field(
    signed_in, manager, settings
):
    settings.CRM_MAX_ATTACHMENT_SIZE = 1024
    company = CompanyFactory(curator=manager)

    response = signed_in.post(
        f"/cards/company/{company.pk}/upload/",
        {"file": SimpleUploadedFile("big.bin", b"x" * 2048)},
        **HTMX,
    )

    assert "file" in response.context["upload_form"].errors
    assert "1.0" in response.context["upload_form"].errors["file"][0]
    assert not Activity.objects.exists()
    assert not Attachment.objects.exists()


# --- activities and pickers ---------------------------------------------------------


def test_a_colleague_sees_but_may_not_edit_an_activity_on_my_client(
    client, manager, other_manager
):
    activity = ActivityFactory(
        created_by=manager, contact=ContactFactory(curator=other_manager)
    )
    client.force_login(other_manager)

    assert client.get(f"/activities/{activity.pk}/").status_code == 200
    assert client.get(f"/activities/{activity.pk}/edit/").status_code == 403


def test_edit_an_activity(signed_in, manager):
    activity = ActivityFactory(
        created_by=manager, company=CompanyFactory(curator=manager), subject="Было"
    )

    response = signed_in.post(
        f"/activities/{activity.pk}/edit/",
        {"subject": "Стало", "occurred_at": "2031-05-20T15:00", "version": 1},
    )

    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.subject == "Стало"
    assert activity.version == 2


def test_the_picker_offers_only_visible_companies(signed_in, manager, other_manager):
    mine = CompanyFactory(curator=manager, name="Ромашка Север")
    theirs = CompanyFactory(curator=other_manager, name="Ромашка Юг")
    for company in (mine, theirs):
        type(company).objects.filter(pk=company.pk).update(
            search_text=search_text(texts=[company.name])
        )

    response = signed_in.get("/lookup/company/", {"company_lookup": "ромашка"})

    page = response.content.decode()
    assert "Ромашка Север" in page
    assert "Ромашка Юг" not in page


def test_the_task_form_shows_the_chosen_company_only(signed_in, manager):
    company = CompanyFactory(curator=manager, name="ООО «Лютик»")
    CompanyFactory(curator=manager, name="ООО «Одуванчик»")

    page = signed_in.get("/tasks/new/", {"company": company.pk}).content.decode()

    assert f'<option value="{company.pk}" selected>ООО «Лютик»</option>' in page
    assert "Одуванчик" not in page


def test_the_edit_form_keeps_the_tasks_contact(signed_in, manager):
    contact = ContactFactory(curator=manager, first_name="Анна", last_name="Ким")
    task = TaskFactory(assignee=manager, contact=contact)

    page = signed_in.get(f"/tasks/{task.pk}/edit/").content.decode()

    assert f'<option value="{contact.pk}" selected>Ким Анна</option>' in page


def test_a_read_only_user_sees_the_timeline_but_no_forms_or_buttons(make_user, manager):
    reader = make_user(role="readonly")
    company = CompanyFactory(curator=manager)
    ActivityFactory(created_by=manager, company=company, subject="Первый звонок")
    task = TaskFactory(assignee=manager, company=company)

    panels = _panels("company", reader, company)

    main, side = "".join(panels["main"]), "".join(panels["side"])
    assert "Первый звонок" in main
    assert "log-forms-" not in main
    assert f"/tasks/{task.pk}/complete/" not in side
    assert f"/tasks/{task.pk}/" in side
    assert "<details" not in side
