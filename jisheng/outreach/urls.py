from django.urls import URLPattern, URLResolver, path

from . import views, views_health, views_projects, views_work

app_name = "outreach"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/new/", views.visit_new, name="visit_new"),
    path("households/<int:pk>/", views.household_file, name="household"),
    path("handoffs/", views.handoff_list, name="handoffs"),
    path("handoffs/<int:pk>/settle/", views.handoff_settle, name="handoff_settle"),
    path("pairings/", views.pairing_list, name="pairings"),
    path("pairings/new/", views.pairing_new, name="pairing_new"),
    path("pairings/<int:pk>/help/", views.help_new, name="help_new"),
    path("health/", views_health.health, name="health"),
    path("health/export/", views_health.export, name="health_export"),
    path("health/prepregnancy/new/", views_health.prepregnancy_new, name="prepregnancy_new"),
    path("health/prepregnancy/<int:pk>/done/", views_health.prepregnancy_done, name="prepregnancy_done"),
    path("health/screening/new/", views_health.screening_new, name="screening_new"),
    path("health/screening/<int:pk>/result/", views_health.screening_result, name="screening_result"),
    path("health/referral/new/", views_health.referral_new, name="referral_new"),
    path("health/<str:kind>/<int:pk>/reveal/", views_health.reveal, name="health_reveal"),
    path("supplies/", views_work.supplies, name="supplies"),
    path("supplies/receive/", views_work.receive, name="receive"),
    path("supplies/transfer/", views_work.transfer, name="transfer"),
    path("supplies/hand-out/", views_work.handout_new, name="handout_new"),
    path("campaigns/", views_work.campaign_list, name="campaigns"),
    path("campaigns/new/", views_work.campaign_new, name="campaign_new"),
    path("gifts/", views_work.gift_list, name="gifts"),
    path("visits/<int:visit_pk>/gift/", views_work.gift_new, name="gift_new"),
    path("gifts/<int:pk>/decide/", views_work.gift_decide, name="gift_decide"),
    path("projects/", views_projects.project_list, name="projects"),
    path("projects/needs/new/", views_projects.need_new, name="need_new"),
    path("projects/allocate/", views_projects.allocate, name="allocate"),
    path("projects/allocations/<int:pk>/", views_projects.allocation, name="allocation"),
    path("projects/audit/", views_projects.audit, name="project_audit"),
    path("projects/<int:pk>/", views_projects.project, name="project"),
    path("projects/<int:pk>/inspect/", views_projects.inspection_new, name="inspection_new"),
    path("projects/<int:pk>/<str:what>/", views_projects.project_change, name="project_change"),
    path("inspections/<int:pk>/photo/", views_projects.inspection_photo, name="inspection_photo"),
]
