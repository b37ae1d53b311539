"""The iCalendar feed of a user's tasks and meetings at a secret address, and its
panel on the profile page.

Tasks are written as VEVENTs of half an hour at their due time rather than VTODOs:
Google Calendar and Outlook show the events of a subscribed feed but ignore its
to-dos. Times are in UTC (`…Z`), which every calendar converts to its own zone.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from icalendar import Calendar, Event

from crm.activities.models import Activity, Task, TaskStatus
from crm.activities.selectors.calendar import (
    calendar_feed_get,
    calendar_feed_owner,
    calendar_meetings,
    calendar_tasks,
)
from crm.activities.services.calendar import (
    calendar_feed_get_or_create,
    calendar_feed_reset,
)

TASK_MINUTES = 30
MEETING_MINUTES = 60


def _client(record: Task | Activity) -> str:
    names = [str(x) for x in (record.company, record.contact) if x is not None]
    return ", ".join(names)


def _description(record, text: str, link: str) -> str:
    parts = [text.strip()] if text and text.strip() else []
    client = _client(record)
    if client:
        parts.append(_("Client: %(client)s") % {"client": client})
    parts.append(_("In the CRM: %(url)s") % {"url": link})
    return "\n\n".join(parts)


def _task_event(task: Task, host: str, base: str, stamp: dt.datetime) -> Event:
    event = Event()
    link = base + task.get_absolute_url()
    title = (
        _("Done: %(title)s") if task.status == TaskStatus.DONE else _("Task: %(title)s")
    ) % {"title": task.title}
    event.add("uid", f"task-{task.pk}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", task.due_at)
    event.add("dtend", task.due_at + dt.timedelta(minutes=TASK_MINUTES))
    event.add("summary", title)
    event.add("description", _description(task, task.description, link))
    event.add("url", link)
    event.add("last-modified", task.updated_at)
    event.add("transp", "TRANSPARENT")
    return event


def _meeting_event(meeting: Activity, host: str, base: str, stamp) -> Event:
    event = Event()
    link = base + meeting.get_absolute_url()
    end = meeting.ends_at or meeting.occurred_at + dt.timedelta(minutes=MEETING_MINUTES)
    event.add("uid", f"meeting-{meeting.pk}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.occurred_at)
    event.add("dtend", max(end, meeting.occurred_at))
    event.add("summary", meeting.subject or _("Meeting"))
    if meeting.location:
        event.add("location", meeting.location)
    event.add("description", _description(meeting, meeting.body, link))
    event.add("url", link)
    event.add("last-modified", meeting.updated_at)
    return event


def calendar_feed(request, token: str):
    """The .ics of the token's owner; an unknown or reset token answers 404."""
    user = calendar_feed_owner(token=token)
    if user is None:
        raise Http404()
    host = request.get_host().split(":")[0]
    base = request.build_absolute_uri("/").rstrip("/")
    stamp = timezone.now().replace(microsecond=0)
    with translation.override(user.language or translation.get_language()):
        calendar = Calendar()
        calendar.add("prodid", "-//CRM//Tasks and meetings//RU")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", _("CRM: %(name)s") % {"name": user})
        calendar.add(
            "refresh-interval",
            dt.timedelta(minutes=15),
            parameters={"VALUE": "DURATION"},
        )
        calendar.add("x-published-ttl", "PT15M")
        if user.time_zone:
            calendar.add("x-wr-timezone", user.time_zone)
        for task in calendar_tasks(user=user):
            calendar.add_component(_task_event(task, host, base, stamp))
        for meeting in calendar_meetings(user=user):
            calendar.add_component(_meeting_event(meeting, host, base, stamp))
    response = HttpResponse(
        calendar.to_ical(), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="crm.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def profile_panel_context(request, user) -> dict | None:
    """The calendar address on the profile page (only the owner ever sees it)."""
    if not request.user.is_authenticated or request.user.pk != user.pk:
        return None
    feed = calendar_feed_get(actor=request.user) or calendar_feed_get_or_create(
        actor=request.user
    )
    url = request.build_absolute_uri(
        reverse("activities:calendar-feed", args=[feed.token])
    )
    return {"calendar_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


@require_POST
@login_required
def calendar_feed_reset_view(request):
    calendar_feed_reset(actor=request.user)
    messages.success(
        request,
        _("Your calendar has a new address; the old one no longer works."),
    )
    return redirect(reverse("accounts:profile") + "#calendar-feed")
