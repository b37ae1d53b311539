"""Pages of activities: "my day", tasks, activities, files, and the panels that the
activities app adds to a company's and a contact's card (quick forms, timeline,
tasks). Views parse, call one selector or service, and render; an htmx request gets
only the fragment it replaces.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from crm.activities import selectors, services
from crm.activities.forms import (
    KIND_FIELDS,
    ActivityForm,
    ActivityLogForm,
    QuickTaskForm,
    TaskFilterForm,
    TaskForm,
    UploadForm,
)
from crm.activities.models import Task
from crm.core import visibility
from crm.core.errors import DomainError, Forbidden, NotFound
from crm.core.forms import apply_domain_error
from crm.core.listing import Column, ListSpec, link, list_context, list_template
from crm.core.views import safe_next

TASK_PANEL_LIMIT = 10
# Form errors of a stale save belong above the form, not on the hidden field.
FIELD_MAP = {"version": None}


def domain_errors(view):
    """Answer a hidden or missing record with 404 and a forbidden change with 403."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except Forbidden as error:
            raise PermissionDenied(error.message) from None

    return wrapper


def _htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _local(value, fmt: str = "SHORT_DATETIME_FORMAT") -> str:
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value), fmt)


def _with_trigger(response: HttpResponse, event: str = "timeline-changed"):
    response["HX-Trigger"] = event
    return response


# --- my day -------------------------------------------------------------------------


@require_GET
@login_required
def my_day_view(request):
    day = selectors.my_day(actor=request.user)
    return render(
        request,
        "activities/my_day.html",
        {
            "day": day,
            "can_create_tasks": visibility.can_create(request.user, "task"),
        },
    )


# --- tasks --------------------------------------------------------------------------


def _task_client(task: Task) -> str:
    client = task.contact or task.company
    if client is None:
        return ""
    return link(client.get_absolute_url(), client)


def _task_due(task: Task):
    if task.due_at is None:
        return ""
    if task.is_overdue:
        return format_html('<span class="text-danger">{}</span>', _local(task.due_at))
    return _local(task.due_at)


def _task_spec() -> ListSpec:
    columns = [
        Column(
            "title",
            gettext_lazy("Task"),
            lambda t: link(t.get_absolute_url(), t.title),
            sort="title",
            css="wrap",
        ),
        Column("due_at", gettext_lazy("Due"), _task_due, sort="due_at"),
        Column(
            "priority",
            gettext_lazy("Priority"),
            lambda t: t.get_priority_display(),
            sort="priority",
        ),
        Column(
            "status", gettext_lazy("Status"), lambda t: t.get_status_display(), "status"
        ),
        Column(
            "assignee",
            gettext_lazy("Assignee"),
            lambda t: str(t.assignee),
            sort="assignee__last_name,assignee__first_name",
        ),
        Column("client", gettext_lazy("Client"), _task_client, css="wrap"),
        Column(
            "remind_at",
            gettext_lazy("Reminder"),
            lambda t: _local(t.remind_at),
            sort="remind_at",
        ),
        Column(
            "created_at",
            gettext_lazy("Created"),
            lambda t: _local(t.created_at, "SHORT_DATE_FORMAT"),
            sort="created_at",
        ),
        Column(
            "created_by",
            gettext_lazy("Author"),
            lambda t: str(t.created_by or ""),
        ),
    ]
    return ListSpec(
        key="tasks",
        title=gettext_lazy("Tasks"),
        columns=columns,
        default_columns=["title", "due_at", "priority", "status", "assignee", "client"],
        default_sort="due_at",
        create_url=reverse("activities:task-create"),
        create_label=gettext_lazy("New task"),
    )


@require_GET
@login_required
def task_list_view(request):
    data = request.GET
    if not data:
        # The list opens on what the user must do: their own tasks not done yet.
        data = {"assignee": str(request.user.pk), "status": selectors.ACTIVE}
    filter_form = TaskFilterForm(data, actor=request.user)
    queryset = selectors.task_list(actor=request.user, filters=filter_form.filters())
    context = list_context(
        request, spec=_task_spec(), queryset=queryset, filter_form=filter_form
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
    return _with_trigger(response)


def _task_status_change(request, pk: int, service):
    task = selectors.task_get(actor=request.user, task_id=pk)
    try:
        service(actor=request.user, task=task)
    except DomainError as error:
        if _htmx(request):
            return HttpResponse(str(error.message), status=409)
        messages.error(request, error.message)
        return redirect(safe_next(request, task.get_absolute_url()))
    if _htmx(request):
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


# --- activities ---------------------------------------------------------------------


@require_GET
@login_required
@domain_errors
def activity_detail(request, pk: int):
    activity = selectors.activity_get(actor=request.user, activity_id=pk)
    return render(
        request,
        "activities/activity_detail.html",
        {
            "activity": activity,
            "history": selectors.record_history(actor=request.user, obj=activity),
            "can_edit": visibility.can(request.user, activity, "edit"),
            "upload_form": UploadForm(),
        },
    )


@login_required
@domain_errors
def activity_update_view(request, pk: int):
    activity = selectors.activity_get(actor=request.user, activity_id=pk)
    visibility.ensure_can_edit(actor=request.user, obj=activity)
    if request.method == "POST":
        form = ActivityForm(request.POST)
        if form.is_valid():
            # Only the fields this kind shows: the others are not on the page.
            data = {
                name: form.cleaned_data.get(name)
                for name in (*KIND_FIELDS.get(activity.kind, ("subject", "body")),)
            }
            try:
                services.activity_update(
                    actor=request.user,
                    activity=activity,
                    version=form.cleaned_data.get("version"),
                    **data,
                )
            except DomainError as error:
                apply_domain_error(form, error, FIELD_MAP)
            else:
                messages.success(request, _("Saved."))
                return redirect(activity.get_absolute_url())
    else:
        form = ActivityForm(
            initial={
                name: getattr(activity, name)
                for name in (
                    "subject",
                    "body",
                    "occurred_at",
                    "ends_at",
                    "direction",
                    "duration_minutes",
                    "outcome",
                    "location",
                    "version",
                )
            }
        )
    return render(
        request,
        "activities/activity_form.html",
        {"form": form, "activity": activity},
    )


@require_POST
@login_required
@domain_errors
def activity_delete_view(request, pk: int):
    activity = selectors.activity_get(actor=request.user, activity_id=pk)
    client = activity.contact or activity.company
    services.activity_delete(actor=request.user, activity=activity)
    messages.success(request, _("Moved to the trash."))
    default = client.get_absolute_url() if client else reverse("activities:my-day")
    return redirect(safe_next(request, default))


@require_POST
@login_required
@domain_errors
def activity_upload(request, pk: int):
    activity = selectors.activity_get(actor=request.user, activity_id=pk)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                actor=request.user, file=form.cleaned_data["file"], activity=activity
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("File uploaded."))
            return redirect(activity.get_absolute_url())
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, str(message))
    return redirect(activity.get_absolute_url())


@require_GET
@login_required
@domain_errors
def attachment_download(request, pk: int):
    attachment = selectors.attachment_get(actor=request.user, attachment_id=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )


# --- the card: timeline, quick forms and tasks ----------------------------------------


def _card_key(entity: str, obj) -> str:
    return f"{entity}-{obj.pk}"


def _log_form_context(request, entity, obj, form=None, upload_form=None, done=""):
    return {
        "entity": entity,
        "client": obj,
        "key": _card_key(entity, obj),
        "log_form": form or ActivityLogForm(),
        "upload_form": upload_form or UploadForm(),
        "done": done,
    }


def main_panel_context(request, entity: str, obj) -> dict | None:
    """The card's main panel: quick forms above the timeline (None: not for this user)."""
    actor = request.user
    try:
        page = selectors.timeline(actor=actor, entity=entity, obj=obj, page=1)
    except NotFound:
        return None
    return {
        **_log_form_context(request, entity, obj),
        "timeline_page": page,
        "can_log": visibility.can_create(actor, "activity"),
    }


def side_panel_context(request, entity: str, obj, form=None) -> dict | None:
    """The card's side panel: the record's open tasks and a form to add one."""
    actor = request.user
    if obj.deleted_at is not None or not visibility.can(actor, obj):
        return None
    tasks = selectors.task_list(
        actor=actor, filters={entity: obj.pk, "status": selectors.ACTIVE}
    ).order_by("due_at", "pk")
    open_tasks = list(tasks[: TASK_PANEL_LIMIT + 1])
    return {
        "entity": entity,
        "client": obj,
        "key": _card_key(entity, obj),
        "tasks": open_tasks[:TASK_PANEL_LIMIT],
        "more_tasks": len(open_tasks) > TASK_PANEL_LIMIT,
        "task_list_url": f"{reverse('activities:task-list')}?{entity}={obj.pk}"
        f"&status={selectors.ACTIVE}",
        "task_form": form or QuickTaskForm(initial={"assignee": actor.pk}),
        "can_create_tasks": visibility.can_create(actor, "task"),
    }


def _card_client(request, entity: str, pk: int):
    return selectors.client_get(actor=request.user, entity=entity, client_id=pk)


@require_GET
@login_required
@domain_errors
def card_timeline(request, entity: str, pk: int):
    client = _card_client(request, entity, pk)
    try:
        number = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        number = 1
    page = selectors.timeline(
        actor=request.user, entity=entity, obj=client, page=number
    )
    context = {
        "entity": entity,
        "client": client,
        "key": _card_key(entity, client),
        "timeline_page": page,
    }
    if _htmx(request):
        template = (
            "activities/timeline_items.html"
            if "page" in request.GET
            else "activities/timeline.html"
        )
        return render(request, template, context)
    return render(request, "activities/timeline_page.html", context)


@require_POST
@login_required
@domain_errors
def card_log(request, entity: str, pk: int):
    client = _card_client(request, entity, pk)
    form = ActivityLogForm(request.POST)
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        data = {name: form.cleaned_data.get(name) for name in KIND_FIELDS[kind]}
        try:
            activity = services.activity_log(
                actor=request.user, kind=kind, **{entity: client}, **data
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            done = _("Saved: %(what)s.") % {"what": activity.get_kind_display()}
            if _htmx(request):
                context = _log_form_context(request, entity, client, done=done)
                return _with_trigger(
                    render(request, "activities/panels/log_forms.html", context)
                )
            messages.success(request, done)
            return redirect(client.get_absolute_url())
    context = _log_form_context(request, entity, client, form=form)
    template = (
        "activities/panels/log_forms.html"
        if _htmx(request)
        else "activities/log_page.html"
    )
    return render(request, template, context)


@require_POST
@login_required
@domain_errors
def card_upload(request, entity: str, pk: int):
    client = _card_client(request, entity, pk)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                actor=request.user,
                file=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
                **{entity: client},
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            done = _("File uploaded.")
            if _htmx(request):
                context = _log_form_context(request, entity, client, done=done)
                return _with_trigger(
                    render(request, "activities/panels/log_forms.html", context)
                )
            messages.success(request, done)
            return redirect(client.get_absolute_url())
    context = _log_form_context(request, entity, client, upload_form=form)
    context["show_upload"] = True
    template = (
        "activities/panels/log_forms.html"
        if _htmx(request)
        else "activities/log_page.html"
    )
    return render(request, template, context)


@login_required
@domain_errors
def card_tasks(request, entity: str, pk: int):
    client = _card_client(request, entity, pk)
    form = None
    if request.method == "POST":
        form = QuickTaskForm(request.POST)
        if form.is_valid():
            try:
                services.task_create(
                    actor=request.user, **{entity: client}, **form.cleaned_data
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                if not _htmx(request):
                    messages.success(request, _("Task created."))
                    return redirect(client.get_absolute_url())
                form = None
                context = side_panel_context(request, entity, client)
                return _with_trigger(
                    render(request, "activities/panels/card_tasks.html", context)
                )
    context = side_panel_context(request, entity, client, form=form)
    if _htmx(request):
        return render(request, "activities/panels/card_tasks.html", context)
    return render(request, "activities/card_tasks_page.html", context)


@require_GET
@login_required
@domain_errors
def client_lookup(request, entity: str):
    """Matching companies or contacts as <option>s for a picker."""
    query = next(
        (v for k, v in request.GET.items() if k.endswith("_lookup")),
        request.GET.get("q", ""),
    )
    if entity not in selectors.ENTITIES:
        raise Http404
    results = selectors.client_search(actor=request.user, entity=entity, query=query)
    return render(
        request,
        "activities/client_options.html",
        {"results": results, "query": query},
    )
