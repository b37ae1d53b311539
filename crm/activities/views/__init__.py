"""Pages of activities: "my day", tasks, activities, files, and the panels that the
activities app adds to a company's and a contact's card (quick forms, timeline,
tasks). Views parse, call one selector or service, and render; an htmx request gets
only the fragment it replaces.
"""

from crm.activities.views.activities import (
    activity_delete_view,
    activity_detail,
    activity_update_view,
    activity_upload,
    attachment_download,
)
from crm.activities.views.cards import (
    card_log,
    card_tasks,
    card_timeline,
    card_upload,
    client_lookup,
    main_panel_context,
    side_panel_context,
)
from crm.activities.views.my_day import my_day_view
from crm.activities.views.tasks import (
    task_complete_view,
    task_create_view,
    task_delete_view,
    task_detail,
    task_list_view,
    task_reopen_view,
    task_update_view,
)

__all__ = [
    "activity_delete_view",
    "activity_detail",
    "activity_update_view",
    "activity_upload",
    "attachment_download",
    "card_log",
    "card_tasks",
    "card_timeline",
    "card_upload",
    "client_lookup",
    "main_panel_context",
    "my_day_view",
    "side_panel_context",
    "task_complete_view",
    "task_create_view",
    "task_delete_view",
    "task_detail",
    "task_list_view",
    "task_reopen_view",
    "task_update_view",
]
