"""Reads of activities shared by pages and the API: tasks, activities, the timeline of
a card and the "my day" page, with record visibility applied once, here.

A task or an activity is visible to the actor when the rules let them see it as a
record of its own (their own, their team's, all: see `core.visibility`), or when it
is attached to a company or contact they can see — the history of a client belongs
to whoever works with the client.
"""

from crm.activities.selectors.activities import (
    activity_get,
    activity_list,
    attachment_get,
)
from crm.activities.selectors.my_day import MyDay, my_day
from crm.activities.selectors.records import (
    ACTIVE,
    ENTITIES,
    HistoryItem,
    client_get,
    client_search,
    record_history,
)
from crm.activities.selectors.tasks import task_get, task_list
from crm.activities.selectors.timeline import (
    TIMELINE_PAGE_SIZE,
    TimelineItem,
    TimelinePage,
    timeline,
)

__all__ = [
    "ACTIVE",
    "ENTITIES",
    "TIMELINE_PAGE_SIZE",
    "HistoryItem",
    "MyDay",
    "TimelineItem",
    "TimelinePage",
    "activity_get",
    "activity_list",
    "attachment_get",
    "client_get",
    "client_search",
    "my_day",
    "record_history",
    "task_get",
    "task_list",
    "timeline",
]
