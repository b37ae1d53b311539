from django.urls import path

from crm.activities import views
from crm.activities.views import calendar

app_name = "activities"
urlpatterns = [
    path(
        "calendar/<str:token>.ics",
        calendar.calendar_feed,
        name="calendar-feed",
    ),
    path(
        "calendar/reset/",
        calendar.calendar_feed_reset_view,
        name="calendar-reset",
    ),
    path("my-day/", views.my_day_view, name="my-day"),
    path("tasks/", views.task_list_view, name="task-list"),
    path("tasks/new/", views.task_create_view, name="task-create"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/edit/", views.task_update_view, name="task-update"),
    path("tasks/<int:pk>/complete/", views.task_complete_view, name="task-complete"),
    path("tasks/<int:pk>/reopen/", views.task_reopen_view, name="task-reopen"),
    path("tasks/<int:pk>/delete/", views.task_delete_view, name="task-delete"),
    path("activities/<int:pk>/", views.activity_detail, name="activity-detail"),
    path(
        "activities/<int:pk>/edit/", views.activity_update_view, name="activity-update"
    ),
    path(
        "activities/<int:pk>/delete/",
        views.activity_delete_view,
        name="activity-delete",
    ),
    path(
        "activities/<int:pk>/upload/",
        views.activity_upload,
        name="activity-upload",
    ),
    path(
        "attachments/<int:pk>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path(
        "cards/<str:entity>/<int:pk>/timeline/",
        views.card_timeline,
        name="card-timeline",
    ),
    path("cards/<str:entity>/<int:pk>/log/", views.card_log, name="card-log"),
    path("cards/<str:entity>/<int:pk>/upload/", views.card_upload, name="card-upload"),
    path("cards/<str:entity>/<int:pk>/tasks/", views.card_tasks, name="card-tasks"),
    path("lookup/<str:entity>/", views.client_lookup, name="client-lookup"),
]
