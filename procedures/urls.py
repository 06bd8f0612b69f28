from django.urls import path

from . import views

urlpatterns = [
    path("", views.procedure_list, name="procedures-list"),
    path("new/", views.procedure_create, name="procedures-create"),
    path("<int:pk>/", views.procedure_detail, name="procedures-detail"),
    path("<int:pk>/edit/", views.procedure_edit, name="procedures-edit"),
    path("<int:pk>/draft/", views.procedure_draft, name="procedures-draft"),
    path("<int:pk>/draft/settings/", views.procedure_settings, name="procedures-settings"),
    path("<int:pk>/draft/steps/", views.step_add, name="procedures-step-add"),
    path("<int:pk>/publish/", views.procedure_publish, name="procedures-publish"),
    path("<int:pk>/archive/", views.procedure_archive, name="procedures-archive"),
    path("steps/<int:pk>/", views.step_edit, name="procedures-step-edit"),
    path("steps/<int:pk>/delete/", views.step_delete, name="procedures-step-delete"),
    path("steps/<int:pk>/move/<str:direction>/", views.step_move, name="procedures-step-move"),
    path("steps/<int:pk>/answers/", views.answer_add, name="procedures-answer-add"),
    path("answers/<int:pk>/", views.answer_edit, name="procedures-answer-edit"),
    path("answers/<int:pk>/delete/", views.answer_delete, name="procedures-answer-delete"),
    path(
        "intervention/<int:pk>/",
        views.intervention_procedures,
        name="procedures-intervention",
    ),
    path("intervention/<int:pk>/attach/", views.intervention_attach, name="procedures-attach"),
    path(
        "intervention/<int:pk>/record/",
        views.intervention_record,
        name="procedures-intervention-record",
    ),
    path("intervention/<int:pk>/diagnostic/", views.diagnostic_page, name="procedures-diagnostic"),
    path(
        "intervention/<int:pk>/diagnostic/runner/",
        views.diagnostic_runner,
        name="procedures-diagnostic-runner",
    ),
    path(
        "intervention/<int:pk>/diagnostic/start/",
        views.diagnostic_start,
        name="procedures-diagnostic-start",
    ),
    path("runs/<int:pk>/answer/", views.diagnostic_answer, name="procedures-diagnostic-answer"),
    path("runs/<int:pk>/back/", views.diagnostic_back, name="procedures-diagnostic-back"),
    path("runs/<int:pk>/abandon/", views.diagnostic_abandon, name="procedures-diagnostic-abandon"),
]
