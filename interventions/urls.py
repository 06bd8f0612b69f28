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
