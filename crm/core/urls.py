from django.urls import path

from crm.core import views
from crm.core.exports import views as export_views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.global_search, name="search"),
    path("notifications/", views.notifications, name="notifications"),
    path(
        "notifications/read/",
        views.notifications_read_all,
        name="notifications-read-all",
    ),
    path(
        "notifications/<int:pk>/read/",
        views.notification_read,
        name="notification-read",
    ),
    path(
        "notifications/<int:pk>/open/",
        views.notification_open,
        name="notification-open",
    ),
    path("settings/", views.settings_hub, name="settings"),
    path(
        "settings/custom-fields/",
        views.custom_field_list,
        name="custom-field-list",
    ),
    path(
        "settings/custom-fields/new/",
        views.custom_field_create_view,
        name="custom-field-create",
    ),
    path(
        "settings/custom-fields/<int:pk>/",
        views.custom_field_update_view,
        name="custom-field-update",
    ),
    path(
        "settings/custom-fields/<int:pk>/delete/",
        views.custom_field_delete_view,
        name="custom-field-delete",
    ),
    path("settings/visibility/", views.visibility_rules, name="visibility-rules"),
    path("trash/", views.trash, name="trash"),
    path("trash/restore/", views.trash_restore, name="trash-restore"),
    path("exports/<int:pk>/file/", export_views.export_file, name="export-file"),
    path(
        "exports/<str:key>/<str:format>/",
        export_views.export_list,
        name="export-list",
    ),
    path("views/save/", views.saved_view_save_view, name="saved-view-save"),
    path(
        "views/<int:pk>/delete/", views.saved_view_delete_view, name="saved-view-delete"
    ),
]
