"""Pages of leads and the settings page of their assignment rules."""

from django.urls import path

from crm.sales.views import leads as views

urlpatterns = [
    path("leads/", views.lead_list, name="lead-list"),
    path("leads/new/", views.lead_create, name="lead-create"),
    path("leads/import/", views.lead_import, name="lead-import"),
    path("leads/<int:pk>/", views.lead_detail, name="lead-detail"),
    path("leads/<int:pk>/edit/", views.lead_update, name="lead-update"),
    path("leads/<int:pk>/delete/", views.lead_delete, name="lead-delete"),
    path("leads/<int:pk>/status/", views.lead_status, name="lead-status"),
    path("leads/<int:pk>/assign/", views.lead_assign, name="lead-assign"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="lead-convert"),
    path(
        "settings/lead-rules/",
        views.assignment_rule_list,
        name="assignment-rule-list",
    ),
    path(
        "settings/lead-rules/new/",
        views.assignment_rule_create,
        name="assignment-rule-create",
    ),
    path(
        "settings/lead-rules/<int:pk>/",
        views.assignment_rule_update,
        name="assignment-rule-update",
    ),
    path(
        "settings/lead-rules/<int:pk>/delete/",
        views.assignment_rule_delete,
        name="assignment-rule-delete",
    ),
]
