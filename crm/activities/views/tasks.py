"""Pages of tasks: the list, forms, detail and one-click status changes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from crm.activities import selectors, services
from crm.activities.forms import (
    TaskFilterForm,
    TaskForm,
)
from crm.activities.models import Task
from crm.activities.views.base import (
    FIELD_MAP,
    domain_errors,
    is_htmx,
    local,
    with_trigger,
)
from crm.core import visibility
from crm.core.errors import DomainError
from crm.core.forms import apply_domain_error
from crm.core.listing import (
    Column,
    ListSpec,
    link,
    list_context,
    list_template,
    plain,
)
from crm.core.views import safe_next


def _task_client(task: Task) -> str:
    client = task.contact or task.company
    if client is None:
        return ""
    return link(client.get_absolute_url(), client)


def _task_due(task: Task):
    if task.due_at is None:
        return ""
    if task.is_overdue:
        return format_html('<span class="text-danger">{}</span>', local(task.due_at))
    return local(task.due_at)


def _task_client_text(task: Task) -> str:
    return plain(task.contact or task.company or "")


def _task_spec() -> ListSpec:
    # Each column also gives its cell as plain text, so an export builds no links.
    columns = [
        Column(
            "title",
            gettext_lazy("Task"),
            lambda t: link(t.get_absolute_url(), t.title),
            sort="title",
            css="wrap",
            export=lambda t: plain(t.title),
        ),
        Column(
            "due_at",
            gettext_lazy("Due"),
            _task_due,
            sort="due_at",
            export=lambda t: plain(local(t.due_at)),
        ),
        Column(
            "priority",
            gettext_lazy("Priority"),
            lambda t: t.get_priority_display(),
            sort="priority",
            export=lambda t: plain(t.get_priority_display()),
        ),
        Column(
            "status",
            gettext_lazy("Status"),
            lambda t: t.get_status_display(),
            "status",
            export=lambda t: plain(t.get_status_display()),
        ),
        Column(
            "assignee",
            gettext_lazy("Assignee"),
            lambda t: str(t.assignee),
            sort="assignee__last_name,assignee__first_name",
            export=lambda t: plain(t.assignee),
            uses=("assignee",),
        ),
        Column(
            "client",
            gettext_lazy("Client"),
            _task_client,
            css="wrap",
            export=_task_client_text,
            uses=("contact", "company"),
        ),
        Column(
            "remind_at",
            gettext_lazy("Reminder"),
            lambda t: local(t.remind_at),
            sort="remind_at",
            export=lambda t: plain(local(t.remind_at)),
        ),
        Column(
            "created_at",
            gettext_lazy("Created"),
            lambda t: local(t.created_at, "SHORT_DATE_FORMAT"),
            sort="created_at",
            export=lambda t: plain(local(t.created_at, "SHORT_DATE_FORMAT")),
        ),
        Column(
            "created_by",
            gettext_lazy("Author"),
            lambda t: str(t.created_by or ""),
            export=lambda t: plain(t.created_by or ""),
            uses=("created_by",),
        ),
    ]
    return ListSpec(
        key="tasks",
        export_key="activities.tasks",
        title=gettext_lazy("Tasks"),
        columns=columns,
        default_columns=["title", "due_at", "priority", "status", "assignee", "client"],
        default_sort="due_at",
        create_url=reverse("activities:task-create"),
        create_label=gettext_lazy("New task"),
    )


def task_listing(actor, params) -> tuple[ListSpec, object, TaskFilterForm]:
    """The tasks list for a query string: the page and its export share it."""
    data = params
    if not data:
        # The list opens on what the user must do: their own tasks not done yet.
        data = {"assignee": str(actor.pk), "status": selectors.ACTIVE}
    filter_form = TaskFilterForm(data, actor=actor)
    queryset = selectors.task_list(actor=actor, filters=filter_form.filters())
    return _task_spec(), queryset, filter_form


@require_GET
@login_required
def task_list_view(request):
    spec, queryset, filter_form = task_listing(request.user, request.GET)
    context = list_context(
        request, spec=spec, queryset=queryset, filter_form=filter_form
    )
    return render(request, list_template(request), context)


def _task_initial(request) -> dict:
    initial = {"assignee": request.user.pk, "priority": "normal"}
    for name in ("company", "contact"):
        value = request.GET.get(name, "")
        if value.isdigit():
            initial[name] = int(value)
    return initial


@login_required
@domain_errors
def task_create_view(request):
    if request.method == "POST":
        form = TaskForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                task = services.task_create(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                apply_domain_error(form, error, FIELD_MAP)
            else:
                messages.success(request, _("Task created."))
                return redirect(safe_next(request, task.get_absolute_url()))
    else:
        form = TaskForm(initial=_task_initial(request), actor=request.user)
    return render(
        request,
        "activities/task_form.html",
        {"form": form, "task": None, "next": safe_next(request, "")},
    )


@require_GET
@login_required
@domain_errors
def task_detail(request, pk: int):
    task = selectors.task_get(actor=request.user, task_id=pk)
    return render(
        request,
        "activities/task_detail.html",
        {
            "task": task,
            "history": selectors.record_history(actor=request.user, obj=task),
            "can_edit": visibility.can(request.user, task, "edit"),
        },
    )


@login_required
@domain_errors
def task_update_view(request, pk: int):
    task = selectors.task_get(actor=request.user, task_id=pk)
    visibility.ensure_can_edit(actor=request.user, obj=task)
    if request.method == "POST":
        form = TaskForm(request.POST, actor=request.user, editing=True)
        if form.is_valid():
            try:
                services.task_update(actor=request.user, task=task, **form.cleaned_data)
            except DomainError as error:
                apply_domain_error(form, error, FIELD_MAP)
            else:
                messages.success(request, _("Task saved."))
                return redirect(task.get_absolute_url())
    else:
        form = TaskForm(
            initial={
                "title": task.title,
                "description": task.description,
                "due_at": task.due_at,
                "priority": task.priority,
                "status": task.status,
                "remind_at": task.remind_at,
                "assignee": task.assignee_id,
                "company": task.company_id,
                "contact": task.contact_id,
                "version": task.version,
            },
            actor=request.user,
            editing=True,
        )
    return render(request, "activities/task_form.html", {"form": form, "task": task})


def _task_row_response(request, task: Task):
    response = render(
        request,
        "activities/task_row.html",
        {"task": task, "next_url": safe_next(request, "")},
    )
    return with_trigger(response)


def _task_status_change(request, pk: int, service):
    task = selectors.task_get(actor=request.user, task_id=pk)
    try:
        service(actor=request.user, task=task)
    except DomainError as error:
        if is_htmx(request):
            return HttpResponse(str(error.message), status=409)
        messages.error(request, error.message)
        return redirect(safe_next(request, task.get_absolute_url()))
    if is_htmx(request):
        return _task_row_response(request, task)
    return redirect(safe_next(request, task.get_absolute_url()))


@require_POST
@login_required
@domain_errors
def task_complete_view(request, pk: int):
    return _task_status_change(request, pk, services.task_complete)


@require_POST
@login_required
@domain_errors
def task_reopen_view(request, pk: int):
    return _task_status_change(request, pk, services.task_reopen)


@require_POST
@login_required
@domain_errors
def task_delete_view(request, pk: int):
    task = selectors.task_get(actor=request.user, task_id=pk)
    services.task_delete(actor=request.user, task=task)
    messages.success(request, _("Task moved to the trash."))
    return redirect(safe_next(request, reverse("activities:task-list")))
