from django.urls import path

from crm.customers import views

app_name = "customers"
urlpatterns = [
    path("companies/", views.company_list, name="company-list"),
    path("companies/new/", views.company_create, name="company-create"),
    path("companies/lookup/", views.company_lookup, name="company-lookup"),
    path("companies/<int:pk>/", views.company_detail, name="company-detail"),
    path("companies/<int:pk>/edit/", views.company_update, name="company-update"),
    path("companies/<int:pk>/delete/", views.company_delete, name="company-delete"),
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/vcards/", views.contact_vcard_list, name="contact-vcard-list"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact-detail"),
    path("contacts/<int:pk>/edit/", views.contact_update, name="contact-update"),
    path(
        "contacts/<int:pk>/vcard/",
        views.contact_vcard_download,
        name="contact-vcard",
    ),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact-delete"),
    path("settings/tags/", views.tag_list, name="tag-list"),
    path("settings/tags/<int:pk>/", views.tag_update, name="tag-update"),
    path("settings/tags/<int:pk>/delete/", views.tag_delete, name="tag-delete"),
    path("settings/lists/<slug:kind>/", views.reference_list, name="reference-list"),
    path(
        "settings/lists/<slug:kind>/<int:pk>/",
        views.reference_update,
        name="reference-update",
    ),
]
