"""Input validation of the technician's tablet pages (no business rule here: see services)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from . import limits
from .forms import VersionedForm
from .models import Part
from .signatures import SignatureField, SignatureFormMixin, clean_stamp

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ReportTextsForm(forms.Form):
    diagnostics = forms.CharField(required=False, strip=False)
    work_done = forms.CharField(required=False, strip=False)
    remarks = forms.CharField(required=False, strip=False)
    # The texts_version the texts were read at (optimistic locking, interventions/conflicts.py).
    version = forms.IntegerField(
        min_value=0,
        error_messages={"required": _("This page is out of date: reload it before saving.")},
    )
    # A random name of the open page: two tablets of one person are two editing sessions.
    page = forms.CharField(required=False, max_length=40)


TRAVEL_KM_ERRORS = {"max_value": _("The distance cannot exceed %(limit_value)s km.")}


class DepartureForm(forms.Form):
    travel_km = forms.DecimalField(
        label=_("Travel (km)"),
        min_value=Decimal("0"),
        max_value=limits.TRAVEL_KM_MAX,
        max_digits=7,
        decimal_places=1,
        initial=0,
        error_messages=TRAVEL_KM_ERRORS,
    )
    travel_minutes = forms.IntegerField(
        label=_("Travel time (minutes)"),
        min_value=0,
        max_value=limits.TRAVEL_MINUTES_MAX,
        initial=0,
    )


class VisitForm(VersionedForm):
    arrived_at = forms.DateTimeField(label=_("Arrived at"), widget=DATETIME_INPUT)
    left_at = forms.DateTimeField(label=_("Left at"), widget=DATETIME_INPUT, required=False)
    travel_km = forms.DecimalField(
        label=_("Travel (km)"),
        min_value=Decimal("0"),
        max_value=limits.TRAVEL_KM_MAX,
        max_digits=7,
        decimal_places=1,
        error_messages=TRAVEL_KM_ERRORS,
    )
    travel_minutes = forms.IntegerField(
        label=_("Travel time (minutes)"), min_value=0, max_value=limits.TRAVEL_MINUTES_MAX
    )

    def clean(self):
        data = super().clean()
        arrived, left = data.get("arrived_at"), data.get("left_at")
        if arrived and left and left <= arrived:
            self.add_error("left_at", _("The departure must be after the arrival."))
        return data


class PartAddForm(VersionedForm):
    part = forms.ModelChoiceField(
        queryset=Part.objects.filter(active=True), required=False, widget=forms.HiddenInput
    )
    description = forms.CharField(label=_("Free line"), max_length=200, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        min_value=Decimal("0.01"),
        max_value=limits.PART_QUANTITY_MAX,
        max_digits=8,
        decimal_places=2,
        initial=1,
        error_messages={"max_value": _("The quantity cannot exceed %(limit_value)s.")},
    )
    # Read for a free line only: a catalogue part is priced from the catalogue.
    unit_price = forms.DecimalField(
        label=_("Unit price (excl. VAT)"),
        min_value=Decimal("0"),
        max_value=limits.PART_PRICE_MAX,
        max_digits=10,
        decimal_places=2,
        required=False,
        error_messages={
            "max_value": _("The unit price cannot exceed %(limit_value)s € excl. VAT."),
            "min_value": _("The unit price cannot be negative."),
        },
    )

    def clean(self):
        data = super().clean()
        if not data.get("part") and not (data.get("description") or "").strip():
            raise forms.ValidationError(_("Choose a catalogue part or describe the part."))
        return data


class PartRemoveForm(VersionedForm):
    """Only the version of the list the line was removed from."""


class AdditionalRequestForm(forms.Form):
    object = forms.CharField(
        label=_("What the customer asks for"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class FollowUpForm(forms.Form):
    reason = forms.CharField(
        label=_("What remains to be done"), widget=forms.Textarea(attrs={"rows": 3})
    )


class SignedContentForm(forms.Form):
    """Carries the fingerprint of the report shown on the sign page (`report_content`); the
    template writes the value of the page as rendered, never the one posted before."""

    shown_sha256 = forms.CharField(
        widget=forms.HiddenInput,
        error_messages={"required": _("This page is out of date: reload it before signing.")},
    )


class TechnicianSignatureForm(SignatureFormMixin, SignedContentForm):
    signature = SignatureField(label=_("Technician's signature"))


class CustomerSignatureForm(SignatureFormMixin, SignedContentForm):
    signatory_name = forms.CharField(
        label=_("Signatory's name"),
        max_length=150,
        error_messages={"required": _("The signatory's name is required.")},
    )
    signatory_email = forms.EmailField(
        label=_("E-mail for the signed report (optional)"),
        max_length=254,
        required=False,
        help_text=_("The signed PDF is sent to this address and to the client's billing address."),
        error_messages={"invalid": _("Enter a valid e-mail address, e.g. nom@exemple.fr.")},
    )
    signature = SignatureField(label=_("Customer's signature"))
    # A plain file field: `clean_stamp` checks the image from its header before decoding (an
    # ImageField would open it first, and answer a bomb with a generic "not an image").
    stamp = forms.FileField(
        label=_("Company stamp (optional photo)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def clean_stamp(self):
        return clean_stamp(self.cleaned_data.get("stamp"))


class OfflineTechnicianSignatureForm(TechnicianSignatureForm):
    """A signature made offline and replayed: the tablet cannot compute the server's report
    fingerprint, so `shown_sha256` is not asked; the offline summary's fingerprint is checked
    instead (`services.report_sign_technician_offline`)."""

    shown_sha256 = forms.CharField(required=False)


class OfflineCustomerSignatureForm(CustomerSignatureForm):
    """See `OfflineTechnicianSignatureForm`."""

    shown_sha256 = forms.CharField(required=False)
