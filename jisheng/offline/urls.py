from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "offline"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.app, name="app"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("whoami", views.whoami, name="whoami"),
]
