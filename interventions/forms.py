"""Input validation only: the rules live in services."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Contract, Equipment, Site
from clients.selectors import client_active_contracts

from . import limits, selectors
from .models import Channel, Priority
from .people import display_name

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class VersionedForm(forms.Form):
    """A form that carries the version of what it edits, as read when the page was drawn
    (optimistic locking, interventions/conflicts.py): the service refuses a stale one."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def clean(self):
        data = super().clean()
        if data.get("version") is None and "version" not in self.errors:
            raise forms.ValidationError(_("This page is out of date: reload it before saving."))
        return data


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


NO_CONTRACT = "none"  # the dispatcher's choice "no contract (everything billed)"
CONTRACT_CHOICE_REQUIRED = _(
    "Choose the contract that applies, or “No contract (everything billed)”."
)


def _local_now() -> datetime.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


def requested_in_future(value: datetime.datetime) -> bool:
    """A call dated later than now (five minutes of clock drift allowed)."""
    return value > timezone.now() + datetime.timedelta(minutes=5)


class IntakeForm(forms.Form):
    """The call: who the client is (chosen by search), what they ask for, when they called."""

    client = forms.ModelChoiceField(
        queryset=Client.objects.filter(active=True),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose the client: search above, or create a new client."),
            "invalid_choice": _("This client no longer exists: search again."),
        },
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.all(), required=False, empty_label=_("— client's address —")
    )
    equipment = forms.ModelChoiceField(
        queryset=Equipment.objects.all(), required=False, empty_label=_("— not specified —")
    )
    caller_name = forms.CharField(label=_("Caller name"), max_length=120, required=False)
    caller_phone = forms.CharField(label=_("Caller phone"), max_length=30, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )
    object = forms.CharField(
        label=_("Object of the intervention"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Write precisely what the customer asks for: the technician must stick to this "
            "object, and anything else becomes a new intervention."
        ),
        error_messages={"required": _("The object of the intervention is required.")},
    )
    requested_at = forms.DateTimeField(
        label=_("Requested at"),
        widget=DateTimeLocalInput,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        help_text=_("Now by default; change it for a call taken earlier."),
    )

    # Without equipment, the contract that applies (rendered in the entitlement box):
    # a contract's pk, NO_CONTRACT, or empty when nothing was chosen. Cleaned into
    # `contract` (Contract or None) and `contract_chosen`.
    contract = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_at"].initial = _local_now

    def clean_requested_at(self):
        value = self.cleaned_data["requested_at"]
        if requested_in_future(value):
            raise forms.ValidationError(_("A call cannot be taken in the future."))
        if value < timezone.now() - limits.REQUESTED_AT_MAX_AGE:
            raise forms.ValidationError(_("A call cannot be dated more than a year ago."))
        return value

    def clean_contract(self):
        value = self.cleaned_data["contract"].strip()
        self.cleaned_data["contract_chosen"] = bool(value)
        return _chosen_contract(value)

    def clean(self):
        data = super().clean()
        client, site, equipment = data.get("client"), data.get("site"), data.get("equipment")
        if client is not None:
            if site is not None and site.client_id != client.pk:
                self.add_error("site", _("This site belongs to another client."))
            if equipment is not None and equipment.client_id != client.pk:
                self.add_error("equipment", _("This equipment belongs to another client."))
        if equipment is not None:
            data["contract"], data["contract_chosen"] = None, False  # the equipment's rules
        elif (
            client is not None
            and data.get("requested_at")
            and not data.get("contract_chosen")
            and "contract" not in self.errors
            and len(client_active_contracts(client, timezone.localdate(data["requested_at"]))) > 1
        ):
            self.add_error("contract", CONTRACT_CHOICE_REQUIRED)
        return data


def _chosen_contract(value: str) -> Contract | None:
    """A posted contract choice: a contract's pk, or NO_CONTRACT (None). Whether it may apply
    (the client's, active on the day) is the service's rule (`contract_choice_check`)."""
    if value in ("", NO_CONTRACT):
        return None
    pk = selectors.pk_or_none(value)
    contract = Contract.objects.filter(pk=pk).first() if pk else None
    if contract is None:
        raise forms.ValidationError(_("This contract no longer exists: choose again."))
    return contract


class ContractChoiceForm(forms.Form):
    """The dispatcher chooses the contract of a ticket that names no equipment (detail page)."""

    contract = forms.CharField(error_messages={"required": CONTRACT_CHOICE_REQUIRED})

    def clean_contract(self):
        return _chosen_contract(self.cleaned_data["contract"].strip())


class ClientQuickForm(forms.Form):
    """A caller we do not know yet: the client and, optionally, their first site."""

    prefix = "nc"
    name = forms.CharField(label=_("Name"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    site_label = forms.CharField(
        label=_("First site"),
        max_length=120,
        required=False,
        help_text=_("E.g. “Head office”: created at the client's address."),
    )


class SiteQuickForm(forms.Form):
    prefix = "ns"
    label = forms.CharField(label=_("Site name"), max_length=120)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    contact_name = forms.CharField(label=_("On-site contact"), max_length=120, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)


class TechnicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return display_name(obj)


class AssignForm(VersionedForm):
    technician = TechnicianChoiceField(
        label=_("Technician"), queryset=selectors.technicians(), empty_label=None
    )
    scheduled_start = forms.DateTimeField(
        label=_("Slot start"), widget=DateTimeLocalInput, required=False
    )
    scheduled_end = forms.DateTimeField(
        label=_("Slot end"),
        widget=DateTimeLocalInput,
        required=False,
        help_text=_("One hour after the start if left empty."),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("scheduled_start"), data.get("scheduled_end")
        if end and not start:
            self.add_error("scheduled_start", _("Give the start of the slot."))
        elif start and not end:
            try:
                data["scheduled_end"] = start + datetime.timedelta(hours=1)
            except OverflowError:
                self.add_error("scheduled_start", _("This date is outside the calendar."))
        elif start and end and end <= start:
            self.add_error("scheduled_end", _("The time slot must end after it starts."))
        start, end = data.get("scheduled_start"), data.get("scheduled_end")
        if start and end and "scheduled_end" not in self.errors:
            now = timezone.now()
            if start < now - limits.SLOT_PAST or end > now + limits.SLOT_FUTURE:
                self.add_error(
                    "scheduled_start",
                    _("The time slot must be between a year ago and two years from now."),
                )
            elif end - start > limits.SLOT_MAX_DURATION:
                self.add_error("scheduled_end", _("A time slot cannot last more than 14 days."))
        return data


class HandoverForm(VersionedForm):
    to_technician = TechnicianChoiceField(
        label=_("Hand over to"), queryset=selectors.technicians(), empty_label=None
    )
    note = forms.CharField(
        label=_("Handover note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What has already been done and what remains, so nothing is redone."),
        error_messages={
            "required": _("Say what has already been done, so that nothing is redone or undone.")
        },
    )

    def __init__(self, *args, intervention=None, **kwargs):
        super().__init__(*args, **kwargs)
        if intervention is not None:
            self.fields["version"].initial = intervention.assignment_version
        if intervention is not None and intervention.technician_id:
            self.fields["to_technician"].queryset = selectors.technicians().exclude(
                pk=intervention.technician_id
            )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the cancellation"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the intervention is cancelled.")},
    )
