from django.urls import path

from . import views, views_catalogue, views_portal, views_ratings, views_residents

app_name = "hall"
URL_PREFIX = ""

urlpatterns = [
    path("portal/", views_portal.index, name="portal"),
    path("portal/items/<slug:code>/", views_residents.guide, name="portal_guide"),
    path(
        "portal/items/<slug:code>/forms/<slug:material>.pdf", views_residents.blank_form, name="portal_form"
    ),
    path("portal/items/<slug:code>/apply", views_portal.apply, name="portal_apply"),
    path("portal/pledges/", views_residents.pledges, name="portal_pledges"),
    path("portal/questions/", views_portal.questions, name="portal_questions"),
    path("portal/track/", views_portal.track, name="portal_track"),
    path("portal/track/<str:number>/", views_portal.case, name="portal_case"),
    path("portal/track/<str:number>/resubmit", views_portal.resubmit, name="portal_resubmit"),
    path("portal/track/<str:number>/rate", views_portal.rate, name="portal_rate"),
    path("portal/track/<str:number>/appeal", views_residents.appeal, name="portal_appeal"),
    path("portal/track/<str:number>/receipt", views_portal.receipt, name="portal_receipt"),
    path("portal/track/<str:number>/notice/<int:sequence>", views_portal.notice, name="portal_notice"),
    path("portal/track/<str:number>/certificate", views_portal.certificate, name="portal_certificate"),
    path("hall/", views.queue, name="queue"),
    path("hall/cases/<int:pk>/", views.case_detail, name="case"),
    path("hall/cases/<int:pk>/receipt", views.case_receipt, name="case_receipt"),
    path("hall/cases/<int:pk>/notice/<int:sequence>", views.case_notice, name="case_notice"),
    path("hall/cases/<int:pk>/files/<int:file_pk>", views.case_file, name="case_file"),
    path("hall/cases/<int:pk>/<slug:action>", views.case_action, name="case_action"),
    path("hall/new/<slug:code>/", views.case_new, name="new"),
    path("hall/catalogue/", views_catalogue.catalogue, name="catalogue"),
    path("hall/catalogue/<int:pk>/", views_catalogue.catalogue_item, name="catalogue_item"),
    path("hall/posts/", views.posts, name="posts"),
    path("hall/accountability/", views.accountability, name="accountability"),
    path("hall/ratings/", views_ratings.ratings, name="ratings"),
    path("hall/consultations/", views.consultations, name="consultations"),
]
