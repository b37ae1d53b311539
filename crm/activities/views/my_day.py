"""The "my day" page, the first screen after signing in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.activities import selectors
from crm.core import visibility


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
