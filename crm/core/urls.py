from django.urls import path

from crm.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.global_search, name="search"),
    path("notifications/", views.notifications, name="notifications"),
    path("settings/", views.settings_hub, name="settings"),
    path("trash/", views.trash, name="trash"),
    path("views/save/", views.saved_view_save_view, name="saved-view-save"),
    path(
        "views/<int:pk>/delete/", views.saved_view_delete_view, name="saved-view-delete"
    ),
]
