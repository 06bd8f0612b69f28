"""The import page's forms (input validation only; the import is clients/imports)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from clients.imports import services as import_services
from clients.imports.formats import FORMATS, KINDS, ImportFileError


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=list(KINDS.items()))
    fmt = forms.ChoiceField(
        label=_("Format"),
        choices=[(key, value["label"]) for key, value in FORMATS.items()],
        help_text=_(
            "Dolibarr: the third-party export (clients only). GLPI: the computer export "
            "(equipment only)."
        ),
    )
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too big (%(size)s MB at most).")
                % {"size": f"{settings.IMPORT_MAX_BYTES / 1_000_000:g}".replace(".", ",")}
            )
        return upload

    def clean(self):
        data = super().clean()
        kind, fmt = data.get("kind"), data.get("fmt")
        if kind and fmt:
            try:
                import_services.check_choice(kind, fmt)
            except ImportFileError as error:
                self.add_error("fmt", str(error))
        return data


class ImportConfirmForm(forms.Form):
    kind = forms.ChoiceField(choices=list(KINDS.items()), widget=forms.HiddenInput)
    fmt = forms.ChoiceField(
        choices=[(key, value["label"]) for key, value in FORMATS.items()],
        widget=forms.HiddenInput,
    )
    file_hash = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    filename = forms.CharField(max_length=200, widget=forms.HiddenInput)
