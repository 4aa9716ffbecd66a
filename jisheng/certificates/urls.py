from django.urls import path

from . import views

app_name = "certificates"
URL_PREFIX = ""

urlpatterns = [
    path("verify/", views.verify_form, name="verify"),
    path("verify/keys", views.verify_keys, name="keys"),
    path("verify/<str:number>", views.verify_number, name="verify_number"),
    path("certificates/", views.certificate_list, name="list"),
    path("certificates/<int:pk>/", views.certificate_detail, name="detail"),
    path("certificates/<int:pk>/pdf", views.certificate_download, name="pdf"),
    path("certificates/<int:pk>/revoke", views.certificate_revoke, name="revoke"),
    path("certificates/<int:pk>/revoke/decide", views.certificate_revoke_decide, name="revoke_decide"),
]
