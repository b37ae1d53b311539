from django.urls import path

from crm.imports import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.import_list, name="import-list"),
    path("imports/<int:job_id>/", views.import_detail, name="import-detail"),
    path("imports/<int:job_id>/mapping/", views.import_mapping, name="import-mapping"),
    path(
        "imports/<int:job_id>/template/save/",
        views.import_template_save,
        name="import-template-save",
    ),
    path(
        "imports/<int:job_id>/template/apply/",
        views.import_template_apply,
        name="import-template-apply",
    ),
    path(
        "imports/<int:job_id>/rejected.csv",
        views.import_errors_csv,
        name="import-errors-csv",
    ),
]
