from django import template

from procedures import selectors
from procedures.models import Kind

register = template.Library()


@register.inclusion_tag("procedures/_intervention_panel.html")
def procedures_panel(intervention):
    """The procedures used on an intervention: diagnostic paths, checklist progress,
    acceptance results and linked administrative procedures (for the detail page)."""
    diagnostics, checklists, admin_runs = [], [], []
    for run in selectors.runs_for(intervention):
        kind = run.version.procedure.kind
        if kind == Kind.DIAGNOSTIC:
            path, conclusion = selectors.diagnostic_path(run)
            diagnostics.append({"run": run, "path": path, "conclusion": conclusion})
        elif kind == Kind.ADMINISTRATIVE:
            admin_runs.append(run)
        else:
            checklists.append(
                {
                    "run": run,
                    "is_acceptance": kind == Kind.ACCEPTANCE,
                    "answered": sum(1 for e in run.entries.all() if e.result),
                    "total": len(run.version.steps.all()),
                }
            )
    return {
        "intervention": intervention,
        "diagnostics": diagnostics,
        "checklists": checklists,
        "admin_runs": admin_runs,
        "acceptance": selectors.acceptance_extras(intervention),
    }
