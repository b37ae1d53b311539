"""Pages of typical sales models, deals' action plans and the plans overview."""

from django.urls import path

from crm.sales.views import playbooks as views

urlpatterns = [
    path("playbooks/", views.sales_model_list, name="sales-model-list"),
    path("playbooks/new/", views.sales_model_create_view, name="sales-model-create"),
    path("playbooks/overview/", views.plan_overview, name="plan-overview"),
    path("playbooks/derive/", views.sales_model_derive_view, name="sales-model-derive"),
    path("playbooks/<int:pk>/", views.sales_model_detail, name="sales-model-detail"),
    path(
        "playbooks/<int:pk>/edit/",
        views.sales_model_update_view,
        name="sales-model-update",
    ),
    path(
        "playbooks/<int:pk>/active/",
        views.sales_model_toggle,
        name="sales-model-toggle",
    ),
    path(
        "playbooks/<int:pk>/delete/",
        views.sales_model_delete_view,
        name="sales-model-delete",
    ),
    path(
        "playbooks/<int:pk>/steps/",
        views.sales_model_step_add_view,
        name="sales-model-step-add",
    ),
    path(
        "playbooks/<int:pk>/steps/order/",
        views.sales_model_steps_order_view,
        name="sales-model-steps-order",
    ),
    path(
        "playbooks/steps/<int:pk>/edit/",
        views.sales_model_step_update_view,
        name="sales-model-step-update",
    ),
    path(
        "playbooks/steps/<int:pk>/delete/",
        views.sales_model_step_delete_view,
        name="sales-model-step-delete",
    ),
    path(
        "playbooks/steps/<int:pk>/move/",
        views.sales_model_step_move_view,
        name="sales-model-step-move",
    ),
    path("deals/<int:pk>/plan/apply/", views.deal_plan_apply, name="deal-plan-apply"),
    path(
        "deals/<int:pk>/plan/steps/",
        views.deal_plan_step_add,
        name="deal-plan-step-add",
    ),
    path(
        "plan-steps/<int:pk>/status/", views.plan_step_status, name="plan-step-status"
    ),
]
