from django.urls import path

from . import views, views_accounts, views_portal, views_reports

app_name = "benefits"
urlpatterns = [
    path("", views.index, name="index"),
    path("apply/", views_portal.apply, name="portal_apply"),
    path("programmes/<str:programme_id>/", views.programme_detail, name="programme"),
    path("run/", views.run_view, name="run"),
    path("whatif/", views.whatif_view, name="whatif"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/notice/", views.batch_notice, name="batch_notice"),
    path("batches/<int:pk>/notice/start/", views.batch_notice_start, name="batch_notice_start"),
    path("batches/<int:pk>/review/", views.batch_review, name="batch_review"),
    path("batches/<int:pk>/approve/", views.batch_approve, name="batch_approve"),
    path("batches/<int:pk>/pay/", views.payments_issue, name="payments_issue"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("batches/<int:pk>/accounts/", views_accounts.batch_accounts, name="batch_accounts"),
    path("batches/<int:pk>/bank.xlsx", views.bank_file, {"fmt": "xlsx"}, name="bank_xlsx"),
    path("batches/<int:pk>/bank.csv", views.bank_file, {"fmt": "csv"}, name="bank_csv"),
    path("lines/<int:pk>/objections/", views.objection_add, name="objection_add"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="objection_resolve"),
    path("payments/<int:pk>/settle/", views.payment_settle, name="payment_settle"),
    path("payments/<int:pk>/reissue/", views.payment_reissue, name="payment_reissue"),
    path("reports/", views_reports.report, name="report"),
    path("applications/", views_reports.applications, name="applications"),
    path("applications/<int:pk>/verify/", views_accounts.application_verify, name="application_verify"),
    path("enrolments/", views_reports.enrolments, name="enrolments"),
    path("enrolments/reconfirm/", views_reports.enrolments_reconfirm, name="enrolments_reconfirm"),
    path("enrolments/<int:pk>/stop/", views_reports.enrolment_stop, name="enrolment_stop"),
]
