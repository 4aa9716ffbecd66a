from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "migrants"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("away/", views.away, name="away"),
    path("away/pick/", views.pick, name="pick"),
    path("away/new/<int:person_pk>/", views.departure_new, name="departure_new"),
    path("away/<int:pk>/", views.departure, name="departure"),
    path("checklist/", views.checklist, name="checklist"),
    path("certificate/<int:person_pk>/", views.certificate_issue, name="certificate_issue"),
    path("certificates/reissue/", views.reissue, name="reissue"),
    path("arrived/", views.arrived, name="arrived"),
    path("arrived/new/", views.arrival_new, name="arrival_new"),
    path("arrived/<int:pk>/", views.arrival, name="arrival"),
    path("verifications/", views.verifications, name="verifications"),
    path("verifications/<int:pk>/", views.verification, name="verification"),
    path("imports/", views.move_imports, name="move_imports"),
    path("imports/<int:pk>/", views.move_import, name="move_import"),
    path("imports/template/<str:kind>.xlsx", views.move_import_template, name="move_import_template"),
    path("education/<int:person_pk>/", views.education_new, name="education_new"),
]
