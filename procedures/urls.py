from django.urls import path

from .views import diagnostic, editor, intervention, library

urlpatterns = [
    # The library
    path("", library.procedure_list, name="procedures-list"),
    path("<int:pk>/", library.procedure_detail, name="procedures-detail"),
    # The manager's editor
    path("new/", editor.procedure_create, name="procedures-create"),
    path("<int:pk>/edit/", editor.procedure_edit, name="procedures-edit"),
    path("<int:pk>/draft/", editor.procedure_draft, name="procedures-draft"),
    path("<int:pk>/draft/settings/", editor.procedure_settings, name="procedures-settings"),
    path("<int:pk>/draft/steps/", editor.step_add, name="procedures-step-add"),
    path("<int:pk>/publish/", editor.procedure_publish, name="procedures-publish"),
    path("<int:pk>/archive/", editor.procedure_archive, name="procedures-archive"),
    path("steps/<int:pk>/", editor.step_edit, name="procedures-step-edit"),
    path("steps/<int:pk>/delete/", editor.step_delete, name="procedures-step-delete"),
    path("steps/<int:pk>/move/<str:direction>/", editor.step_move, name="procedures-step-move"),
    path("steps/<int:pk>/answers/", editor.answer_add, name="procedures-answer-add"),
    path("answers/<int:pk>/", editor.answer_edit, name="procedures-answer-edit"),
    path("answers/<int:pk>/delete/", editor.answer_delete, name="procedures-answer-delete"),
    # Checklists and acceptance of an intervention
    path(
        "intervention/<int:pk>/",
        intervention.intervention_procedures,
        name="procedures-intervention",
    ),
    path(
        "intervention/<int:pk>/attach/",
        intervention.intervention_attach,
        name="procedures-attach",
    ),
    path(
        "intervention/<int:pk>/record/",
        intervention.intervention_record,
        name="procedures-intervention-record",
    ),
    # The guided diagnostic runner
    path(
        "intervention/<int:pk>/diagnostic/",
        diagnostic.diagnostic_page,
        name="procedures-diagnostic",
    ),
    path(
        "intervention/<int:pk>/diagnostic/runner/",
        diagnostic.diagnostic_runner,
        name="procedures-diagnostic-runner",
    ),
    path(
        "intervention/<int:pk>/diagnostic/start/",
        diagnostic.diagnostic_start,
        name="procedures-diagnostic-start",
    ),
    path(
        "runs/<int:pk>/answer/",
        diagnostic.diagnostic_answer,
        name="procedures-diagnostic-answer",
    ),
    path("runs/<int:pk>/back/", diagnostic.diagnostic_back, name="procedures-diagnostic-back"),
    path(
        "runs/<int:pk>/abandon/",
        diagnostic.diagnostic_abandon,
        name="procedures-diagnostic-abandon",
    ),
]
