from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("interventions/", views.intervention_list, name="interventions-list"),
    path("interventions/mine/", views.intervention_mine, name="interventions-mine"),
    path("interventions/<int:pk>/", views.intervention_detail, name="interventions-detail"),
    path("dashboard/", views.dashboard, name="interventions-dashboard"),
    path(
        "interventions/<int:pk>/report.pdf", views.report_download, name="interventions-report-pdf"
    ),
    path(
        "interventions/<int:pk>/report-draft.pdf",
        views.report_preview,
        name="interventions-report-preview",
    ),
    path("verify/<str:number>/", views.report_verify, name="reports-verify"),
]

urlpatterns += [
    path("interventions/new/", views.intervention_intake, name="interventions-intake"),
    path(
        "interventions/new/search/", views.intake_client_search, name="interventions-intake-search"
    ),
    path("interventions/new/client/", views.intake_client, name="interventions-intake-client"),
    path(
        "interventions/new/entitlement/",
        views.intake_entitlement,
        name="interventions-intake-entitlement",
    ),
    path(
        "interventions/new/client/create/",
        views.intake_client_create,
        name="interventions-intake-client-create",
    ),
    path(
        "interventions/new/site/create/",
        views.intake_site_create,
        name="interventions-intake-site-create",
    ),
    path("interventions/<int:pk>/assign/", views.intervention_assign, name="interventions-assign"),
    path(
        "interventions/<int:pk>/handover/",
        views.intervention_handover_view,
        name="interventions-handover",
    ),
    path("planning/", views.planning, name="interventions-planning"),
    path("planning/visits/", views.visits_to_plan, name="interventions-visits"),
    path(
        "planning/visits/<int:contract_pk>/create/",
        views.visits_plan_create,
        name="interventions-visits-create",
    ),
]
