from django.urls import path

from crm.duplicates import views

app_name = "duplicates"
urlpatterns = [
    path("duplicates/", views.pair_list, name="pair-list"),
    path("duplicates/merge/", views.merge, name="merge"),
    path("duplicates/merges/", views.merge_list, name="merge-list"),
    path("duplicates/merges/<int:pk>/undo/", views.merge_undo, name="merge-undo"),
    path("duplicates/scan/", views.scan, name="scan"),
    path("duplicates/check/<str:entity>/", views.record_check, name="record-check"),
    path("duplicates/<int:pk>/", views.pair_compare, name="pair-compare"),
    path("duplicates/<int:pk>/dismiss/", views.pair_dismiss, name="pair-dismiss"),
]
