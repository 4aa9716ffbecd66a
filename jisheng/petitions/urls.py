from django.urls import URLPattern, URLResolver, path

from . import views, views_portal

app_name = "petitions"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("new/", views.new, name="new"),
    path("matters/<int:pk>/", views.matter, name="matter"),
    path("matters/<int:pk>/step/<slug:name>/", views.step, name="step"),
    path("matters/<int:pk>/visit/", views.visit, name="visit"),
    path("matters/<int:pk>/acceptance.pdf", views.acceptance_notice, name="acceptance_pdf"),
    path("matters/<int:pk>/reply.pdf", views.reply_document, name="reply_pdf"),
    path("matters/<int:pk>/files/<int:attachment_pk>/", views.attachment, name="attachment"),
    path("files/<int:pk>/", views.petitioner_file, name="file"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/new/", views.ledger_new, name="ledger_new"),
    path("ledger/take/", views.ledger_take, name="ledger_take"),
    path("ledger/export/", views.ledger_export, name="ledger_export"),
    path("ledger/<int:pk>/", views.ledger_item, name="ledger_item"),
    path("outings/", views.outings, name="outings"),
    path("surveys/", views.surveys, name="surveys"),
    path("surveys/<int:pk>/", views.survey, name="survey"),
    path("surveys/<int:pk>/edit/", views.survey_edit, name="survey_edit"),
    path("surveys/<int:pk>/state/", views.survey_state, name="survey_state"),
    path("risk/", views.risk, name="risk"),
    path("figures/", views.figures, name="figures"),
    # the public side
    path("public/new/", views_portal.file_new, name="portal_new"),
    path("public/track/", views_portal.track, name="portal_track"),
    path("public/surveys/<str:key>/", views_portal.survey, name="portal_survey"),
    path("public/<str:number>/", views_portal.matter, name="portal_matter"),
    path("public/<str:number>/<slug:name>/", views_portal.act, name="portal_act"),
    path("public/<str:number>/document/<slug:kind>.pdf", views_portal.document, name="portal_document"),
]
