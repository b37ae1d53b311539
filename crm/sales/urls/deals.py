"""Pages of deals: board, list, card, forms, approvals, and their settings."""

from django.urls import path

from crm.sales.views import deals as views
from crm.sales.views import pipelines as settings_views

urlpatterns = [
    path("deals/", views.deal_list, name="deal-list"),
    path("deals/new/", views.deal_create_view, name="deal-create"),
    path("deals/board/", views.deal_board_default, name="deal-board-default"),
    path("deals/board/<int:pipeline_id>/", views.deal_board, name="deal-board"),
    path(
        "deals/board/<int:pipeline_id>/stages/<int:stage_id>/",
        views.deal_board_column,
        name="deal-board-column",
    ),
    path("deals/<int:pk>/", views.deal_detail, name="deal-detail"),
    path("deals/<int:pk>/edit/", views.deal_update_view, name="deal-update"),
    path("deals/<int:pk>/delete/", views.deal_delete_view, name="deal-delete"),
    path("deals/<int:pk>/move/", views.deal_move, name="deal-move"),
    path("deals/<int:pk>/lines/", views.deal_lines, name="deal-lines"),
    path(
        "deals/<int:pk>/lines/<int:line_id>/",
        views.deal_line_update,
        name="deal-line-update",
    ),
    path(
        "deals/<int:pk>/lines/<int:line_id>/delete/",
        views.deal_line_delete,
        name="deal-line-delete",
    ),
    path(
        "deals/<int:pk>/products/",
        views.deal_product_options,
        name="deal-product-options",
    ),
    path(
        "deals/<int:pk>/participants/",
        views.deal_participant_add,
        name="deal-participant-add",
    ),
    path(
        "deals/<int:pk>/participants/<int:participant_id>/delete/",
        views.deal_participant_delete,
        name="deal-participant-delete",
    ),
    path(
        "deals/<int:pk>/approvals/request/",
        views.deal_approval_request,
        name="deal-approval-request",
    ),
    path("approvals/", views.approval_list, name="approval-list"),
    path("approvals/<int:pk>/decide/", views.approval_decide, name="approval-decide"),
    # --- settings (administrators) ---
    path("settings/pipelines/", settings_views.pipeline_list, name="pipeline-list"),
    path(
        "settings/pipelines/new/",
        settings_views.pipeline_create,
        name="pipeline-create",
    ),
    path(
        "settings/pipelines/<int:pk>/",
        settings_views.pipeline_update,
        name="pipeline-update",
    ),
    path(
        "settings/pipelines/<int:pk>/delete/",
        settings_views.pipeline_delete,
        name="pipeline-delete",
    ),
    path(
        "settings/pipelines/<int:pk>/move/",
        settings_views.pipeline_move,
        name="pipeline-move",
    ),
    path(
        "settings/pipelines/<int:pk>/stages/new/",
        settings_views.stage_create,
        name="stage-create",
    ),
    path(
        "settings/pipelines/<int:pk>/stages/<int:stage_id>/",
        settings_views.stage_update,
        name="stage-update",
    ),
    path(
        "settings/pipelines/<int:pk>/stages/<int:stage_id>/delete/",
        settings_views.stage_delete,
        name="stage-delete",
    ),
    path(
        "settings/pipelines/<int:pk>/stages/<int:stage_id>/move/",
        settings_views.stage_move,
        name="stage-move",
    ),
    path(
        "settings/lost-reasons/",
        settings_views.lost_reason_list,
        name="lost-reason-list",
    ),
    path(
        "settings/lost-reasons/new/",
        settings_views.lost_reason_create,
        name="lost-reason-create",
    ),
    path(
        "settings/lost-reasons/<int:pk>/",
        settings_views.lost_reason_update,
        name="lost-reason-update",
    ),
    path(
        "settings/lost-reasons/<int:pk>/delete/",
        settings_views.lost_reason_delete,
        name="lost-reason-delete",
    ),
    path(
        "settings/discount-limits/",
        settings_views.discount_limits,
        name="discount-limits",
    ),
]
