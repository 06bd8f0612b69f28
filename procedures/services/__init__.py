"""Every write on procedures: `authoring` (drafts, steps, answers, publication, archive) and
`runs`, their use on interventions (attach, run a decision tree, record checklist/acceptance
results). Callers use the package (`services.step_add(...)`): public names are re-exported."""

from .authoring import (
    STEP_FIELDS,
    answer_add,
    answer_delete,
    answer_update,
    draft_get_or_create,
    procedure_archive,
    procedure_create,
    procedure_update,
    step_add,
    step_delete,
    step_move,
    step_update,
    version_publish,
)
from .runs import (
    attach_procedures,
    diagnostic_abandon,
    diagnostic_answer,
    diagnostic_back,
    diagnostic_start,
    run_attach,
    run_record,
    runs_record,
)

__all__ = [
    "STEP_FIELDS",
    "answer_add",
    "answer_delete",
    "answer_update",
    "attach_procedures",
    "diagnostic_abandon",
    "diagnostic_answer",
    "diagnostic_back",
    "diagnostic_start",
    "draft_get_or_create",
    "procedure_archive",
    "procedure_create",
    "procedure_update",
    "run_attach",
    "run_record",
    "runs_record",
    "step_add",
    "step_delete",
    "step_move",
    "step_update",
    "version_publish",
]
