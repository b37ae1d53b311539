import datetime as dt

import pytest
from django.utils import timezone

from crm.activities.models import Activity, Task, TaskStatus
from crm.activities.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    TaskFactory,
)
from crm.core.models import AuditEntry


def _fields(response) -> set[str]:
    return {part for error in response.json()["detail"] for part in error["loc"]}


# --- tasks --------------------------------------------------------------------------


def test_create_a_task(api_client, manager):
    company = CompanyFactory(curator=manager)
    due = (timezone.now() + dt.timedelta(days=1)).replace(microsecond=0)

    response = api_client(manager).post(
        "/tasks",
        {
            "title": "Отправить договор",
            "company_id": company.pk,
            "due_at": due.isoformat(),
            "priority": "high",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Отправить договор"
    assert body["assignee_id"] == manager.pk
    assert body["company_id"] == company.pk
    assert body["status"] == "open"
    assert body["version"] == 1
    task = Task.objects.get(pk=body["id"])
    assert task.due_at == due


def test_create_a_task_with_a_garbage_due_date_is_422_naming_the_field(
    api_client, manager
):
    response = api_client(manager).post(
        "/tasks", {"title": "Позвонить", "due_at": "послезавтра"}
    )

    assert response.status_code == 422
    assert "due_at" in _fields(response)
    assert not Task.objects.exists()


def test_create_a_task_without_a_title_is_422(api_client, manager):
    response = api_client(manager).post("/tasks", {"title": "  "})

    assert response.status_code == 422
    assert "title" in _fields(response)


def test_create_a_task_on_a_hidden_client_is_404(api_client, manager, other_manager):
    foreign = CompanyFactory(curator=other_manager)

    response = api_client(manager).post(
        "/tasks", {"title": "Чужой", "company_id": foreign.pk}
    )

    assert response.status_code == 404
    assert not Task.objects.exists()


def test_a_read_only_user_may_not_create_a_task(api_client, make_user):
    response = api_client(make_user(role="readonly")).post(
        "/tasks", {"title": "Позвонить"}
    )

    assert response.status_code == 403


def test_list_tasks_answers_items_and_count_with_filters(
    api_client, manager, other_manager, django_assert_max_num_queries
):
    for i in range(30):
        TaskFactory(assignee=manager, priority="urgent" if i % 3 == 0 else "normal")
    TaskFactory(assignee=other_manager, company=CompanyFactory(curator=other_manager))
    client = api_client(manager)

    with django_assert_max_num_queries(8):
        response = client.get("/tasks", {"priority": "urgent", "page_size": 4})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 10
    assert len(body["items"]) == 4
    assert {item["priority"] for item in body["items"]} == {"urgent"}


def test_list_tasks_searches_the_title(api_client, manager):
    TaskFactory(assignee=manager, title="Выставить Счёт Ромашке")
    TaskFactory(assignee=manager, title="Позвонить")

    response = api_client(manager).get("/tasks", {"q": "счёт"})

    assert [item["title"] for item in response.json()["items"]] == [
        "Выставить Счёт Ромашке"
    ]


def test_list_tasks_refuses_an_unknown_ordering(api_client, manager):
    response = api_client(manager).get("/tasks", {"ordering": "password"})

    assert response.status_code == 422
    assert "ordering" in _fields(response)


def test_list_tasks_with_a_garbage_date_filter_is_422(api_client, manager):
    response = api_client(manager).get("/tasks", {"due_from": "вчера"})

    assert response.status_code == 422
    assert "due_from" in _fields(response)


def test_another_managers_task_is_404_to_read_change_and_delete(
    api_client, manager, other_manager
):
    hidden = TaskFactory(
        assignee=other_manager, company=CompanyFactory(curator=other_manager)
    )
    client = api_client(manager)

    assert client.get(f"/tasks/{hidden.pk}").status_code == 404
    assert client.patch(f"/tasks/{hidden.pk}", {"title": "Моё"}).status_code == 404
    assert client.delete(f"/tasks/{hidden.pk}").status_code == 404
    assert client.get("/tasks").json()["count"] == 0
    hidden.refresh_from_db()
    assert hidden.title != "Моё"
    assert hidden.deleted_at is None


def test_a_visible_task_the_actor_may_not_change_is_403(
    api_client, manager, other_manager
):
    # On the manager's client, so they see it; but it is the colleague's task.
    task = TaskFactory(assignee=other_manager, company=CompanyFactory(curator=manager))

    response = api_client(manager).patch(f"/tasks/{task.pk}", {"title": "Моё"})

    assert response.status_code == 403


def test_update_a_task_with_its_version(api_client, manager):
    task = TaskFactory(assignee=manager)

    response = api_client(manager).patch(
        f"/tasks/{task.pk}", {"status": "done", "version": 1}
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done"
    assert response.json()["version"] == 2
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.completed_at is not None


def test_a_stale_update_is_409_and_changes_nothing(api_client, manager):
    task = TaskFactory(assignee=manager, title="Исходное")
    client = api_client(manager)
    client.patch(f"/tasks/{task.pk}", {"title": "Первое", "version": 1})

    response = client.patch(f"/tasks/{task.pk}", {"title": "Второе", "version": 1})

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    task.refresh_from_db()
    assert task.title == "Первое"


def test_delete_a_task_moves_it_to_the_trash(api_client, manager):
    task = TaskFactory(assignee=manager)

    response = api_client(manager).delete(f"/tasks/{task.pk}")

    assert response.status_code == 204
    assert Task.all_objects.get(pk=task.pk).deleted_at is not None


def test_calls_without_a_token_are_401(client, db):
    assert client.get("/api/v1/tasks").status_code == 401
    assert client.get("/api/v1/activities").status_code == 401


# --- activities ---------------------------------------------------------------------


def test_log_a_call(api_client, manager):
    contact = ContactFactory(curator=manager)

    response = api_client(manager).post(
        "/activities",
        {
            "kind": "call",
            "contact_id": contact.pk,
            "direction": "in",
            "duration_minutes": 7,
            "outcome": "Просит КП",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "call"
    assert body["contact_id"] == contact.pk
    assert body["duration_minutes"] == 7
    assert body["attachments"] == []
    assert AuditEntry.objects.filter(object_id=body["id"]).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "call", "duration_minutes": -1}, "duration_minutes"),
        ({"kind": "call", "occurred_at": "вчера вечером"}, "occurred_at"),
        ({"kind": "telegram"}, "kind"),
        ({"kind": "file"}, "kind"),
        ({"kind": "note", "body": ""}, "body"),
    ],
)
def test_log_an_activity_with_bad_input_is_422_naming_the_field(
    api_client, manager, payload, field
):
    company = CompanyFactory(curator=manager)

    response = api_client(manager).post(
        "/activities", {**payload, "company_id": company.pk}
    )

    assert response.status_code == 422
    assert field in _fields(response)
    assert not Activity.objects.exists()


def test_log_on_another_managers_client_is_404(api_client, manager, other_manager):
    response = api_client(manager).post(
        "/activities",
        {
            "kind": "note",
            "body": "Подсмотрел",
            "company_id": CompanyFactory(curator=other_manager).pk,
        },
    )

    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_list_activities_shows_only_visible_ones(
    api_client, manager, other_manager, django_assert_max_num_queries
):
    mine = CompanyFactory(curator=manager)
    for _ in range(12):
        ActivityFactory(created_by=manager, company=mine)
    ActivityFactory(
        created_by=other_manager, company=CompanyFactory(curator=other_manager)
    )
    client = api_client(manager)

    with django_assert_max_num_queries(8):
        response = client.get(
            "/activities", {"page_size": 5, "ordering": "-occurred_at"}
        )

    body = response.json()
    assert body["count"] == 12
    assert len(body["items"]) == 5
    assert {item["company_id"] for item in body["items"]} == {mine.pk}


def test_another_managers_activity_is_404(api_client, manager, other_manager):
    hidden = ActivityFactory(
        created_by=other_manager, company=CompanyFactory(curator=other_manager)
    )
    client = api_client(manager)

    assert client.get(f"/activities/{hidden.pk}").status_code == 404
    assert client.patch(f"/activities/{hidden.pk}", {"subject": "x"}).status_code == 404
    assert client.delete(f"/activities/{hidden.pk}").status_code == 404


def test_update_and_delete_an_activity(api_client, manager):
    activity = ActivityFactory(
        created_by=manager, company=CompanyFactory(curator=manager)
    )
    client = api_client(manager)

    updated = client.patch(
        f"/activities/{activity.pk}", {"subject": "Уточнили сроки", "version": 1}
    )
    stale = client.patch(f"/activities/{activity.pk}", {"subject": "Нет", "version": 1})
    deleted = client.delete(f"/activities/{activity.pk}")

    assert updated.status_code == 200
    assert updated.json()["subject"] == "Уточнили сроки"
    assert stale.status_code == 409
    assert deleted.status_code == 204
    assert not Activity.objects.filter(pk=activity.pk).exists()


def test_the_openapi_schema_names_operations_after_services_and_selectors(
    api_client, manager
):
    schema = api_client(manager).client.get("/api/v1/openapi.json").json()

    operations = {
        operation["operationId"]
        for path, methods in schema["paths"].items()
        if path.startswith(("/api/v1/tasks", "/api/v1/activities"))
        for operation in methods.values()
    }
    assert operations == {
        "task_list",
        "task_create",
        "task_get",
        "task_update",
        "task_delete",
        "activity_list",
        "activity_log",
        "activity_get",
        "activity_update",
        "activity_delete",
    }


def test_list_tasks_with_an_unknown_status_is_422(api_client, manager):
    response = api_client(manager).get("/tasks", {"status": "someday"})

    assert response.status_code == 422
    assert "status" in _fields(response)
