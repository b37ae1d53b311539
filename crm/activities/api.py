"""API routes of tasks and activities: parse, call one selector or service, answer."""

from __future__ import annotations

from django.db.models import F
from ninja import Query, Router, Status

from crm.activities import selectors, services
from crm.activities.schemas import (
    ActivityFilter,
    ActivityIn,
    ActivityListOut,
    ActivityOut,
    ActivityPatch,
    TaskFilter,
    TaskIn,
    TaskListOut,
    TaskOut,
    TaskPatch,
)
from crm.core.schemas import ordered, paginate

router = Router()

TASK_ORDERING = {
    "due_at": "due_at",
    "priority": "priority",
    "status": "status",
    "title": "title",
    "created_at": "created_at",
    "updated_at": "updated_at",
}
ACTIVITY_ORDERING = {
    "occurred_at": "occurred_at",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "kind": "kind",
}
# API names of the links → the services' argument names.
LINKS = {"assignee_id": "assignee", "company_id": "company", "contact_id": "contact"}


def _service_data(data: dict) -> dict:
    return {LINKS.get(key, key): value for key, value in data.items()}


# --- tasks --------------------------------------------------------------------------


@router.get("/tasks", response=TaskListOut, operation_id="task_list", tags=["tasks"])
def list_tasks(request, filters: Query[TaskFilter]):
    queryset = selectors.task_list(
        actor=request.user, filters=filters.dict(exclude={"page", "page_size"})
    )
    # Tasks without a due date last, on SQLite as on PostgreSQL.
    by_due = queryset.order_by(F("due_at").asc(nulls_last=True), "pk")
    queryset = ordered(by_due, filters.ordering, TASK_ORDERING)
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


@router.post(
    "/tasks", response={201: TaskOut}, operation_id="task_create", tags=["tasks"]
)
def create_task(request, payload: TaskIn):
    data = _service_data(payload.dict())
    task = services.task_create(actor=request.user, **data)
    return Status(201, task)


@router.get(
    "/tasks/{task_id}", response=TaskOut, operation_id="task_get", tags=["tasks"]
)
def get_task(request, task_id: int):
    return selectors.task_get(actor=request.user, task_id=task_id)


@router.patch(
    "/tasks/{task_id}", response=TaskOut, operation_id="task_update", tags=["tasks"]
)
def update_task(request, task_id: int, payload: TaskPatch):
    task = selectors.task_get(actor=request.user, task_id=task_id)
    data = _service_data(payload.dict(exclude_unset=True))
    version = data.pop("version", None)
    return services.task_update(actor=request.user, task=task, version=version, **data)


@router.delete(
    "/tasks/{task_id}",
    response={204: None},
    operation_id="task_delete",
    tags=["tasks"],
)
def delete_task(request, task_id: int):
    task = selectors.task_get(actor=request.user, task_id=task_id)
    services.task_delete(actor=request.user, task=task)
    return Status(204, None)


# --- activities ---------------------------------------------------------------------


@router.get(
    "/activities",
    response=ActivityListOut,
    operation_id="activity_list",
    tags=["activities"],
)
def list_activities(request, filters: Query[ActivityFilter]):
    queryset = selectors.activity_list(
        actor=request.user, filters=filters.dict(exclude={"page", "page_size"})
    )
    queryset = ordered(queryset, filters.ordering, ACTIVITY_ORDERING)
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


@router.post(
    "/activities",
    response={201: ActivityOut},
    operation_id="activity_log",
    tags=["activities"],
)
def log_activity(request, payload: ActivityIn):
    data = _service_data(payload.dict(exclude_unset=True))
    activity = services.activity_log(actor=request.user, **data)
    return Status(
        201, selectors.activity_get(actor=request.user, activity_id=activity.pk)
    )


@router.get(
    "/activities/{activity_id}",
    response=ActivityOut,
    operation_id="activity_get",
    tags=["activities"],
)
def get_activity(request, activity_id: int):
    return selectors.activity_get(actor=request.user, activity_id=activity_id)


@router.patch(
    "/activities/{activity_id}",
    response=ActivityOut,
    operation_id="activity_update",
    tags=["activities"],
)
def update_activity(request, activity_id: int, payload: ActivityPatch):
    activity = selectors.activity_get(actor=request.user, activity_id=activity_id)
    data = _service_data(payload.dict(exclude_unset=True))
    version = data.pop("version", None)
    return services.activity_update(
        actor=request.user, activity=activity, version=version, **data
    )


@router.delete(
    "/activities/{activity_id}",
    response={204: None},
    operation_id="activity_delete",
    tags=["activities"],
)
def delete_activity(request, activity_id: int):
    activity = selectors.activity_get(actor=request.user, activity_id=activity_id)
    services.activity_delete(actor=request.user, activity=activity)
    return Status(204, None)
