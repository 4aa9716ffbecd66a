from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "exchange"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.peer_list, name="peers"),
    path("peers/add", views.peer_add, name="peer_add"),
    path("peers/<str:code>/", views.peer_detail, name="peer"),
    path("peers/<str:code>/disable", views.peer_disable, name="peer_disable"),
    path("peers/<str:code>/retry", views.peer_retry, name="peer_retry"),
    path("peers/<str:code>/export", views.peer_export, name="peer_export"),
    path("import", views.batch_import, name="import"),
    path("key", views.key, name="key"),
]
