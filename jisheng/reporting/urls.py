from django.urls import path

from . import dashboard, views

app_name = "reporting"
urlpatterns = [
    path("", views.index, name="index"),
    path("open/", views.open_report, name="open"),
    path("compile/", views.compile_report, name="compile"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("<int:pk>/", views.report_detail, name="report"),
    path("<int:pk>/save/", views.save, name="save"),
    path("<int:pk>/verify/", views.verify, name="verify"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/return/", views.return_report, name="return"),
    path("<int:pk>/unlock/", views.unlock, name="unlock"),
    path("<int:pk>/records/<slug:item>/", views.records, name="records"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/<slug:table>.xlsx", dashboard.download, name="download"),
    path("summary.pdf", dashboard.summary_pdf, name="summary_pdf"),
]
