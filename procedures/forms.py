"""Input validation only: the rules live in `procedures.services`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import Contract, Equipment

from .models import Kind, Procedure, Step


class ProcedureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the procedure is for, in one or two sentences."),
    )
    equipment_kinds = forms.MultipleChoiceField(
        label=_("Applies to these equipment kinds"),
        choices=Equipment.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contract_kinds = forms.MultipleChoiceField(
        label=_("Applies to these contract kinds"),
        choices=Contract.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Nothing ticked: a general procedure. Checklists and acceptance procedures that "
            "match an intervention's equipment or contract are attached to it automatically."
        ),
    )
    planned_only = forms.BooleanField(
        label=_("Planned interventions only (e.g. annual technical visit)"), required=False
    )

    def __init__(self, *args, procedure: Procedure | None = None, **kwargs):
        if procedure is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": procedure.kind,
                "title": procedure.title,
                "summary": procedure.summary,
                "equipment_kinds": procedure.equipment_kinds,
                "contract_kinds": procedure.contract_kinds,
                "planned_only": procedure.planned_only,
            }
        super().__init__(*args, **kwargs)
        if procedure is not None:
            # The kind of an existing procedure never changes (its steps depend on it).
            del self.fields["kind"]


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[])
    label = forms.CharField(label=_("Label"), max_length=300)
    details = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    required = forms.BooleanField(label=_("Required before signature"), required=False)
    cause = forms.CharField(label=_("Likely cause"), max_length=300, required=False)
    action = forms.CharField(
        label=_("Action to take"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    escalation = forms.ChoiceField(
        label=_("Escalation"), choices=Step.Escalation.choices, required=False
    )

    def __init__(self, *args, procedure_kind: str, step: Step | None = None, **kwargs):
        if step is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(step, name) for name in self.field_names()}
        super().__init__(*args, **kwargs)
        if procedure_kind == Kind.DIAGNOSTIC:
            self.fields["kind"].choices = [
                (Step.Kind.QUESTION, Step.Kind.QUESTION.label),
                (Step.Kind.CONCLUSION, Step.Kind.CONCLUSION.label),
            ]
            del self.fields["required"]
        else:
            del self.fields["kind"]
            for name in ("cause", "action", "escalation"):
                del self.fields[name]
            if procedure_kind != Kind.INTERVENTION:
                del self.fields["required"]

    @staticmethod
    def field_names():
        return ("kind", "label", "details", "required", "cause", "action", "escalation")

    def clean(self):
        data = super().clean()
        if data.get("kind") == Step.Kind.CONCLUSION and not (
            data.get("cause") or data.get("action")
        ):
            raise forms.ValidationError(_("A conclusion needs a likely cause or an action."))
        if data.get("kind") == Step.Kind.QUESTION:
            data["cause"], data["action"], data["escalation"] = "", "", ""
        return data


class AnswerForm(forms.Form):
    label = forms.CharField(label=_("Answer"), max_length=200)
    next_step = forms.ModelChoiceField(
        label=_("Leads to"), queryset=Step.objects.none(), empty_label=_("— choose a step —")
    )

    def __init__(self, *args, question: Step, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_step"].queryset = question.version.steps.exclude(pk=question.pk)
        self.fields["next_step"].label_from_instance = lambda s: (
            f"{s.position}. {s.label}"
            + (f" ({Step.Kind.CONCLUSION.label.lower()})" if s.is_conclusion else "")
        )


class AttachForm(forms.Form):
    procedure = forms.ModelChoiceField(
        label=_("Procedure"),
        queryset=Procedure.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select w-auto flex-grow-1"}),
    )

    def __init__(self, *args, procedures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = Procedure.objects.filter(
            pk__in=[p.pk for p in procedures]
        )
        self.fields["procedure"].label_from_instance = lambda p: (
            f"{p.get_kind_display()} — {p.title}"
        )
