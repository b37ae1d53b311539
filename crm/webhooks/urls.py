from django.urls import path

from crm.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("settings/webhooks/", views.webhook_list, name="webhook-list"),
    path("settings/webhooks/new/", views.webhook_create_view, name="webhook-create"),
    path("settings/webhooks/<int:pk>/", views.webhook_detail, name="webhook-detail"),
    path(
        "settings/webhooks/<int:pk>/secret/",
        views.webhook_secret_rotate_view,
        name="webhook-secret-rotate",
    ),
    path(
        "settings/webhooks/<int:pk>/ping/",
        views.webhook_ping_view,
        name="webhook-ping",
    ),
    path(
        "settings/webhooks/<int:pk>/delete/",
        views.webhook_delete_view,
        name="webhook-delete",
    ),
    path(
        "settings/webhooks/<int:pk>/deliveries/<int:delivery_id>/",
        views.delivery_detail,
        name="delivery-detail",
    ),
]
