"""Import of clients, sites, equipment and contracts (the manager's): upload and dry run, then
confirmation. The rules are in clients/imports (README, « Import de données »)."""

from pathlib import PurePath

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.imports.formats import FORMATS, KINDS, ImportFileError
from clients.imports.services import ImportRefused, import_confirm, import_preview

from ..import_forms import ImportConfirmForm, ImportUploadForm
from ..roles import MANAGER, role_required


def _clean_name(name: str) -> str:
    return "".join(ch for ch in PurePath(name or "").name if ch.isprintable())[:200] or "import"


@role_required(MANAGER)
def import_upload(request):
    """GET: the form. POST: the dry run of the uploaded file (nothing written)."""
    bound = request.method == "POST"
    form = ImportUploadForm(request.POST, request.FILES) if bound else ImportUploadForm()
    if bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = import_preview(
                content=upload.read(),
                filename=_clean_name(upload.name),
                kind=form.cleaned_data["kind"],
                fmt=form.cleaned_data["fmt"],
            )
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            confirm = ImportConfirmForm(
                initial={
                    "kind": report.kind,
                    "fmt": report.fmt,
                    "file_hash": report.file_hash,
                    "digest": report.digest,
                    "filename": report.filename,
                }
            )
            return render(
                request,
                "interventions/import_preview.html",
                _preview_context(report) | {"confirm_form": confirm},
            )
    status = 400 if form.is_bound else 200
    return render(
        request,
        "interventions/import_upload.html",
        {"form": form, "formats": FORMATS},
        status=status,
    )


def _preview_context(report) -> dict:
    return {
        "report": report,
        "kind_label": KINDS[report.kind],
        "format_label": FORMATS[report.fmt]["label"],
    }


@require_POST
@role_required(MANAGER)
def import_confirm_view(request):
    """Writes the previewed import, all or nothing."""
    form = ImportConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This import is unknown or has expired: upload the file again."))
        return redirect("interventions-import")
    data = form.cleaned_data
    try:
        report = import_confirm(
            file_hash=data["file_hash"],
            filename=_clean_name(data["filename"]),
            kind=data["kind"],
            fmt=data["fmt"],
            digest=data["digest"],
        )
    except ImportRefused as error:
        messages.error(request, str(error))
        return redirect("interventions-import")
    messages.success(request, _("Import done: %(summary)s.") % {"summary": report.summary})
    return redirect("interventions-import")
