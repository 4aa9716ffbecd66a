from django.urls import path

from . import views, views_duplicates, views_edit, views_imports

app_name = "registry"

urlpatterns = [
    path("", views.search, name="search"),
    path("export/", views.export, name="export"),
    path("persons/<int:pk>/", views.person_detail, name="person"),
    path("persons/<int:pk>/reveal/", views.person_reveal_view, name="person_reveal"),
    path("persons/new/", views_edit.person_new, name="person_new"),
    path("persons/<int:pk>/record/<slug:kind>/", views_edit.person_event, name="person_event"),
    path("import/", views_imports.import_start, name="import"),
    path("import/<int:pk>/", views_imports.import_detail, name="import_detail"),
    path("import/<int:pk>/progress/", views_imports.import_progress, name="import_progress"),
    path("import/<int:pk>/run/", views_imports.import_run, name="import_run"),
    path("duplicates/", views_duplicates.duplicate_list, name="duplicates"),
    path("duplicates/scan/", views_duplicates.duplicate_scan, name="duplicate_scan"),
    path("duplicates/<int:pk>/", views_duplicates.duplicate_detail, name="duplicate_detail"),
    path("duplicates/<int:pk>/decide/", views_duplicates.duplicate_decide, name="duplicate_decide"),
]
