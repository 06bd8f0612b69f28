"""Input validation of the e-mails page's filters (no business rule here)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Intervention, OutgoingEmail


class EmailFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        choices=[("", _("All states")), *OutgoingEmail.State.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds")), *OutgoingEmail.Kind.choices],
        required=False,
    )
    intervention = forms.ModelChoiceField(
        queryset=Intervention.objects.all(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("This intervention does not exist.")},
    )
