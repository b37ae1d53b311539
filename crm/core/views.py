"""Pages of core: home, global search, notifications, settings hub, trash, saved views."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from crm.core import registry, search
from crm.core.models import SavedView
from crm.core.services import saved_view_delete, saved_view_save


def safe_next(request, default: str = "/") -> str:
    """The `next` parameter when it points inside this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
def home(request):
    return redirect("activities:my-day")


@login_required
def global_search(request):
    query = request.GET.get("q", "").strip()
    results = (
        registry.search_all(request.user, query) if search.is_searchable(query) else []
    )
    template = "core/search_results.html" if request.htmx else "core/search.html"
    return render(request, template, {"query": query, "results": results})


@login_required
def notifications(request):
    return render(request, "core/notifications.html", {})


@login_required
def settings_hub(request):
    return render(request, "core/settings.html", {})


@login_required
def trash(request):
    return render(request, "core/trash.html", {})


@require_POST
@login_required
def saved_view_save_view(request):
    from django.contrib import messages
    from django.utils.translation import gettext as _

    from crm.core.errors import DomainError

    next_url = safe_next(request)
    try:
        view = saved_view_save(
            actor=request.user,
            list_key=request.POST.get("list_key", "")[:30],
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(next_url)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(f"{next_url}?{view.query}")


@require_POST
@login_required
def saved_view_delete_view(request, pk: int):
    view = SavedView.objects.filter(pk=pk, user=request.user).first()
    if view is not None:
        saved_view_delete(actor=request.user, view=view)
    return redirect(safe_next(request))
