"""Writes of activities: tasks, logged calls, meetings, notes, letters and files, and
the reminders of tasks.

Every service checks rights through `core.visibility`: the actor must see the company
or contact the record is attached to (`NotFound` otherwise, so ids reveal nothing) and
may create tasks or activities at all; changing a record needs edit rights on it.
Every write leaves an entry in the audit history.
"""

from crm.activities.services.activities import (
    activity_delete,
    activity_log,
    activity_update,
)
from crm.activities.services.files import attachment_add
from crm.activities.services.records import main_company
from crm.activities.services.reminders import (
    task_overdue_nudges_send,
    task_reminders_send,
)
from crm.activities.services.tasks import (
    TASK_STATUS_LISTENERS,
    task_complete,
    task_create,
    task_delete,
    task_reopen,
    task_status_listener_register,
    task_update,
)

__all__ = [
    "TASK_STATUS_LISTENERS",
    "activity_delete",
    "activity_log",
    "activity_update",
    "attachment_add",
    "main_company",
    "task_complete",
    "task_create",
    "task_delete",
    "task_overdue_nudges_send",
    "task_reminders_send",
    "task_reopen",
    "task_status_listener_register",
    "task_update",
]
