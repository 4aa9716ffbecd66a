from django.urls import path

from . import views, views_duplicates, views_edit, views_imports, views_moves

app_name = "registry"

urlpatterns = [
    path("", views.search, name="search"),
    path("export/", views.export, name="export"),
    path("persons/<int:pk>/", views.person_detail, name="person"),
    path("persons/<int:pk>/reveal/", views.person_reveal_view, name="person_reveal"),
    path("persons/new/", views_edit.person_new, name="person_new"),
    path("persons/<int:pk>/record/<slug:kind>/", views_edit.person_event, name="person_event"),
    path("persons/<int:pk>/move-out/", views_moves.move_out, name="person_move_out"),
    path("move-in/", views_moves.move_in, name="move_in"),
    path("areas/options/", views_moves.area_options, name="area_options"),
    path("pick/<slug:kind>/", views_moves.pick_person, name="pick_person"),
    path("import/", views_imports.import_start, name="import"),
    path("import/<int:pk>/", views_imports.import_detail, name="import_detail"),
    path("import/<int:pk>/progress/", views_imports.import_progress, name="import_progress"),
    path("import/<int:pk>/run/", views_imports.import_run, name="import_run"),
    path("import/<int:pk>/cancel/", views_imports.import_cancel, name="import_cancel"),
    path("import/<int:pk>/refused.xlsx", views_imports.import_refused, name="import_refused"),
    path("duplicates/", views_duplicates.duplicate_list, name="duplicates"),
    path("duplicates/scan/", views_duplicates.duplicate_scan, name="duplicate_scan"),
    path("duplicates/<int:pk>/", views_duplicates.duplicate_detail, name="duplicate_detail"),
    path("duplicates/<int:pk>/decide/", views_duplicates.duplicate_decide, name="duplicate_decide"),
]
