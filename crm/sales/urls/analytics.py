"""Pages of sales analytics."""

from django.urls import path

from crm.sales.views import analytics as views

urlpatterns = [
    path("analytics/", views.analytics_home, name="analytics"),
    path("analytics/sales/", views.sales_page, name="analytics-sales"),
    path("analytics/forecast/", views.forecast_page, name="analytics-forecast"),
]
