from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from .models import Item


def page(request: HttpRequest, code: str) -> HttpResponse:
    visits = request.session.get("visits", 0)
    item = Item.objects.filter(code=code).first()
    return render(request, "bare/page.html", {"item": item, "visits": visits, "code": code})


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("items/<str:code>/", page), path("healthz", healthz)]
