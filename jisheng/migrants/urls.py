from django.urls import URLPattern, URLResolver

app_name = "migrants"

urlpatterns: list[URLPattern | URLResolver] = []
