"""Pages of sales: each sub-domain keeps its own URL module; names share "sales:"."""

from django.urls import include, path

app_name = "sales"
urlpatterns = [
    path("", include("crm.sales.urls.catalogue")),
    path("", include("crm.sales.urls.leads")),
    path("", include("crm.sales.urls.deals")),
    path("", include("crm.sales.urls.playbooks")),
    path("", include("crm.sales.urls.documents")),
    path("", include("crm.sales.urls.analytics")),
]
