"""Procedures (administrative, diagnostic, intervention checklists, acceptance) and their runs.

A procedure is a list of versions. A published version never changes: editing a procedure
copies its last published version into a new draft. An intervention keeps the version it ran
(`ProcedureRun.version`, PROTECT), so editing a procedure never rewrites a past report.
Every write goes through `procedures.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Contract, Equipment


class Kind(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("Administrative")
    DIAGNOSTIC = "diagnostic", _("Diagnostic")
    INTERVENTION = "intervention", _("Intervention checklist")
    ACCEPTANCE = "acceptance", _("Acceptance")


# Kinds whose steps get a result on an intervention (and can be attached automatically).
RESULT_KINDS = frozenset({Kind.INTERVENTION, Kind.ACCEPTANCE})


class Procedure(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    # Applicability: empty lists on both = general (never attached automatically).
    equipment_kinds = models.JSONField(_("equipment kinds"), default=list, blank=True)
    contract_kinds = models.JSONField(_("contract kinds"), default=list, blank=True)
    planned_only = models.BooleanField(
        _("planned interventions only"),
        default=False,
        help_text=_("Attach only to planned interventions (e.g. the annual technical visit)."),
    )
    archived = models.BooleanField(_("archived"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "title"]
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")

    def __str__(self) -> str:
        return self.title

    @property
    def is_general(self) -> bool:
        return not self.equipment_kinds and not self.contract_kinds

    def applicability_labels(self) -> list[str]:
        equipment = dict(Equipment.Kind.choices)
        contracts = dict(Contract.Kind.choices)
        return [str(equipment.get(k, k)) for k in self.equipment_kinds] + [
            str(contracts.get(k, k)) for k in self.contract_kinds
        ]

    def published_version(self) -> "ProcedureVersion | None":
        return (
            self.versions.filter(status=ProcedureVersion.Status.PUBLISHED)
            .order_by("-number")
            .first()
        )

    def draft_version(self) -> "ProcedureVersion | None":
        return self.versions.filter(status=ProcedureVersion.Status.DRAFT).first()


class ProcedureVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="versions", verbose_name=_("procedure")
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    title = models.CharField(_("title"), max_length=200)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["procedure", "-number"]
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "number"], name="procedure_version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=Q(status="draft"),
                name="procedure_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Step(models.Model):
    """A point, an instruction or a question; in a decision tree, also a conclusion."""

    class Kind(models.TextChoices):
        STEP = "step", _("Step")
        QUESTION = "question", _("Question")
        CONCLUSION = "conclusion", _("Conclusion")

    class Escalation(models.TextChoices):
        NONE = "", _("None: solved on the phone or on site")
        SEND_TECHNICIAN = "send_technician", _("Send a technician")
        SKILLED_TECHNICIAN = "skilled_technician", _("Hand over to a more skilled technician")

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="steps", verbose_name=_("version")
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STEP)
    label = models.CharField(_("label"), max_length=300)
    details = models.TextField(_("details"), blank=True)
    required = models.BooleanField(_("required"), default=False)
    # Conclusions of a decision tree: the likely cause and what to do.
    cause = models.CharField(_("likely cause"), max_length=300, blank=True)
    action = models.TextField(_("action to take"), blank=True)
    escalation = models.CharField(
        _("escalation"), max_length=20, choices=Escalation.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["version", "position", "pk"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")

    def __str__(self) -> str:
        return self.label

    @property
    def is_conclusion(self) -> bool:
        return self.kind == self.Kind.CONCLUSION


class Answer(models.Model):
    """One answer to a question of a decision tree, leading to another step."""

    step = models.ForeignKey(
        Step, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    label = models.CharField(_("answer"), max_length=200)
    next_step = models.ForeignKey(
        Step,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incoming",
        verbose_name=_("leads to"),
    )

    class Meta:
        ordering = ["step", "position", "pk"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return self.label


class Result(models.TextChoices):
    OK = "ok", _("OK")
    NOT_OK = "not_ok", _("Not OK")
    NOT_APPLICABLE = "na", _("Not applicable")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


CHECKLIST_RESULTS = (Result.OK, Result.NOT_OK, Result.NOT_APPLICABLE)
ACCEPTANCE_RESULTS = (Result.PASSED, Result.FAILED)


class ProcedureRun(models.Model):
    """A procedure (one fixed version) used on an intervention."""

    intervention = models.ForeignKey(
        "interventions.Intervention",
        on_delete=models.CASCADE,
        related_name="procedure_runs",
        verbose_name=_("intervention"),
    )
    version = models.ForeignKey(
        ProcedureVersion,
        on_delete=models.PROTECT,
        related_name="runs",
        verbose_name=_("procedure version"),
    )
    automatic = models.BooleanField(_("attached automatically"), default=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = _("procedure run")
        verbose_name_plural = _("procedure runs")

    def __str__(self) -> str:
        return f"{self.intervention_id} — {self.version}"

    @property
    def kind(self) -> str:
        return self.version.procedure.kind


class RunEntry(models.Model):
    """One step of a run: the answer chosen (decision tree) or the result (checklist)."""

    run = models.ForeignKey(
        ProcedureRun, on_delete=models.CASCADE, related_name="entries", verbose_name=_("run")
    )
    step = models.ForeignKey(
        Step, on_delete=models.PROTECT, related_name="+", verbose_name=_("step")
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    answer = models.ForeignKey(
        Answer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answer"),
    )
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["run", "position", "pk"]
        verbose_name = _("run entry")
        verbose_name_plural = _("run entries")
        constraints = [
            models.UniqueConstraint(fields=["run", "step"], name="run_entry_one_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.step} → {self.answer or self.result}"
