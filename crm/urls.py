from django.conf import settings
from django.urls import include, path
from django.views.static import serve

from crm.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("accounts/", include("crm.accounts.urls")),
    path("", include("crm.customers.urls")),
    path("", include("crm.activities.urls")),
    path("", include("crm.sales.urls")),
    path("", include("crm.imports.urls")),
    path("", include("crm.duplicates.urls")),
    path("", include("crm.webhooks.urls")),
    path("", include("crm.exchange.urls")),
    path("", include("crm.core.urls")),
]

if settings.DEBUG:
    urlpatterns += [
        path("files/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})
    ]
