"""What activities add to a company's and a contact's card: quick forms, the
timeline and the tasks panel, each answering htmx with the fragment it replaces."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.activities import selectors, services
from crm.activities.forms import (
    KIND_FIELDS,
    ActivityLogForm,
    QuickTaskForm,
    UploadForm,
)
from crm.activities.views.base import (
    domain_errors,
    is_htmx,
    with_trigger,
)
from crm.core import visibility
from crm.core.errors import DomainError, NotFound
from crm.core.forms import apply_domain_error

TASK_PANEL_LIMIT = 10


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
    if is_htmx(request):
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
            if is_htmx(request):
                context = _log_form_context(request, entity, client, done=done)
                return with_trigger(
                    render(request, "activities/panels/log_forms.html", context)
                )
            messages.success(request, done)
            return redirect(client.get_absolute_url())
    context = _log_form_context(request, entity, client, form=form)
    template = (
        "activities/panels/log_forms.html"
        if is_htmx(request)
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
            if is_htmx(request):
                context = _log_form_context(request, entity, client, done=done)
                return with_trigger(
                    render(request, "activities/panels/log_forms.html", context)
                )
            messages.success(request, done)
            return redirect(client.get_absolute_url())
    context = _log_form_context(request, entity, client, upload_form=form)
    context["show_upload"] = True
    template = (
        "activities/panels/log_forms.html"
        if is_htmx(request)
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
                if not is_htmx(request):
                    messages.success(request, _("Task created."))
                    return redirect(client.get_absolute_url())
                form = None
                context = side_panel_context(request, entity, client)
                return with_trigger(
                    render(request, "activities/panels/card_tasks.html", context)
                )
    context = side_panel_context(request, entity, client, form=form)
    if is_htmx(request):
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
