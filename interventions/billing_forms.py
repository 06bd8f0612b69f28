"""Input validation for the billing pages (rules live in services and `billing`)."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import pickers
from .billing import BILLED_DATE, SIGNED_DATE
from .models import BillingRates, ContractRates, Status
from .pickers import PickerField
from .signatures import SignatureField, SignatureFormMixin

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def default_period() -> tuple[datetime.date, datetime.date]:
    """The previous calendar month up to today: what is usually billed at the start of a month."""
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    start = (first_of_month - datetime.timedelta(days=1)).replace(day=1)
    return start, today


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DATE_WIDGET, required=False)
    date_to = forms.DateField(label=_("To"), widget=DATE_WIDGET, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period must be after its start."))
        return data

    def period(self, default=None) -> tuple[datetime.date, datetime.date]:
        default_start, default_end = default or default_period()
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("date_from") or default_start, data.get("date_to") or default_end


class BillingFilterForm(PeriodForm):
    """The billing list's period and filters: which interventions (to bill, billed or both)
    and which date the period is read on (signature or billing)."""

    TO_BILL, BILLED, ALL = "to_bill", "billed", "all"
    STATUSES = {
        TO_BILL: (Status.SIGNED,),
        BILLED: (Status.BILLED,),
        ALL: (Status.SIGNED, Status.BILLED),
    }

    client = PickerField(
        pickers.CLIENTS, label=_("Client"), placeholder=_("All clients"), required=False
    )
    contract = PickerField(
        pickers.CONTRACTS, label=_("Contract"), placeholder=_("All contracts"), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (TO_BILL, pgettext_lazy("interventions", "To bill")),
            (BILLED, pgettext_lazy("interventions", "Billed")),
            (ALL, pgettext_lazy("interventions", "To bill and billed")),
        ],
        required=False,
    )
    date_basis = forms.ChoiceField(
        label=_("Period by"),
        choices=[(SIGNED_DATE, _("Signature date")), (BILLED_DATE, _("Billing date"))],
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("date_basis") == BILLED_DATE and data.get("status") in ("", self.TO_BILL):
            self.add_error(
                "date_basis",
                _(
                    "Interventions still to bill have no billing date yet: choose "
                    "“Billed” or “To bill and billed”, or the signature date."
                ),
            )
        return data

    def selection(self) -> tuple[str, str]:
        """(status choice, date basis) to list: the defaults when the form is not valid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("status") or self.TO_BILL, data.get("date_basis") or SIGNED_DATE

    def filters(self) -> dict:
        """What `selectors.billing_page` / `billing_lines_list` read: the period, the client and
        contract ids, the statuses and the date basis (the defaults where the form is not
        valid). The billing pages and the API's billing rows both take them from here."""
        start, end = self.period()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        client, contract = data.get("client"), data.get("contract")
        status, date_basis = self.selection()
        return {
            "date_from": start,
            "date_to": end,
            "client_id": client.pk if client else None,
            "contract_id": contract.pk if contract else None,
            "statuses": self.STATUSES[status],
            "date_basis": date_basis,
        }


class BillingOverrideForm(forms.Form):
    flag = forms.ChoiceField(
        choices=[("travel", _("Travel")), ("labour", _("Labour")), ("parts", _("Parts"))],
        widget=forms.HiddenInput,
    )
    billable = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Billed")), ("0", _("Not billed"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.TextInput(attrs={"maxlength": 500})
    )


class OutOfConditionsForm(forms.Form):
    out_of_conditions = forms.BooleanField(
        label=_("Outside the contract's conditions"), required=False
    )
    note = forms.CharField(
        label=_("Observation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. a recycled cartridge against the consumables clause, a dusty workshop."),
    )

    def clean(self):
        data = super().clean()
        if data.get("out_of_conditions") and not (data.get("note") or "").strip():
            self.add_error("note", _("Describe what is outside the contract's conditions."))
        return data


class UnbillForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class BillingRatesForm(forms.ModelForm):
    class Meta:
        model = BillingRates
        fields = [
            "hourly_rate",
            "travel_per_km",
            "travel_flat_fee",
            "vat_rate",
            "internal_hourly_cost",
            "vehicle_cost_per_km",
        ]


class ContractRatesForm(forms.ModelForm):
    """A contract's own rates; `services.contract_rates_set` creates or updates them."""

    contract = PickerField(
        pickers.CONTRACTS, label=_("Contract"), placeholder=_("Type a contract number or client")
    )

    def validate_unique(self):
        # Rates already set for the contract are updated by the service, not refused.
        pass

    class Meta:
        model = ContractRates
        fields = ["contract", "hourly_rate", "travel_per_km", "travel_flat_fee"]


class AmendmentRequestForm(forms.Form):
    """Items to make billable by an amendment to the signed report, and why."""

    items = forms.MultipleChoiceField(
        label=_("Items to make billable"),
        choices=[("travel", _("Travel")), ("labour", _("Labour")), ("parts", _("Parts"))],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one item to make billable.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
        error_messages={"required": _("Say why the report is amended.")},
    )

    def __init__(self, *args, signed_billable: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_billable is not None:
            # Only what the signed version marks not billable can be amended.
            self.fields["items"].choices = [
                (flag, label)
                for flag, label in self.fields["items"].choices
                if not signed_billable.get(flag)
            ]


class AmendmentSignatureForm(SignatureFormMixin, forms.Form):
    """The customer signs an amendment (same signature pad as the report)."""

    signatory_name = forms.CharField(
        label=_("Signatory's name"),
        max_length=150,
        error_messages={"required": _("The signatory's name is required.")},
    )
    signature = SignatureField(label=_("Customer's signature"))
