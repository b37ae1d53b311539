from django.urls import path

from crm.exchange import views

app_name = "exchange"
urlpatterns = [
    path("settings/exchange-1c/", views.exchange_settings_page, name="settings"),
    path("settings/exchange-1c/user/", views.exchange_user, name="user"),
    path("settings/exchange-1c/upload/", views.exchange_upload, name="upload"),
    path(
        "settings/exchange-1c/download/<slug:kind>/",
        views.exchange_download,
        name="download",
    ),
    path(
        "settings/exchange-1c/runs/<int:pk>/",
        views.exchange_run_detail,
        name="run-detail",
    ),
]
