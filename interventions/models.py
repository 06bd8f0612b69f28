"""The intervention ticket and its report.

`status` is written by `interventions.workflow.transition` only; every other write that matters
goes through `interventions.services`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from signature_pad.fields import SignaturePadField
from simple_history.models import HistoricalRecords

from clients.search import search_text


class Status(models.TextChoices):
    NEW = "new", _("New")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_SIGNATURE = "awaiting_signature", _("Awaiting signature")
    SIGNED = "signed", _("Signed")
    BILLED = "billed", _("Billed")
    CANCELLED = "cancelled", _("Cancelled")


# A report in one of these states is an issued document: nothing it shows may change.
LOCKED_STATUSES = frozenset({Status.SIGNED, Status.BILLED})
CLOSED_STATUSES = frozenset({Status.SIGNED, Status.BILLED, Status.CANCELLED})


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    ON_SITE = "on_site", _("On site")
    PLANNED = "planned", _("Planned")


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Outcome(models.TextChoices):
    PENDING = "", _("Not yet known")
    RESOLVED = "resolved", _("Resolved")
    FOLLOW_UP = "follow_up", _("Not resolved, follow-up needed")


class Relation(models.TextChoices):
    NONE = "", _("None")
    ADDITIONAL_REQUEST = "additional_request", _("Other request from the customer")
    FOLLOW_UP = "follow_up", _("Follow-up")


class InterventionCounter(models.Model):
    """Last number given per year; locked while a number is taken so numbers have no gaps."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("intervention counter")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Part(models.Model):
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit_price = models.DecimalField(
        _("unit price (excl. VAT)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    unit_cost = models.DecimalField(
        _("unit cost"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    active = models.BooleanField(_("active"), default=True)

    # Who changed what, when (django-simple-history): the change log page.
    history = HistoricalRecords()

    class Meta:
        ordering = ["reference"]
        verbose_name = _("part")
        verbose_name_plural = _("parts catalogue")
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(unit_cost__gte=0),
                name="part_prices_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.name}"


class Intervention(models.Model):
    number = models.CharField(_("intervention number"), max_length=20, unique=True, editable=False)
    year = models.PositiveIntegerField(editable=False)
    sequence = models.PositiveIntegerField(editable=False)

    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="interventions",
        verbose_name=_("client"),
    )
    site = models.ForeignKey(
        "clients.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interventions",
        verbose_name=_("site"),
    )
    equipment = models.ForeignKey(
        "clients.Equipment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interventions",
        verbose_name=_("equipment"),
    )
    # What the customer was entitled to at the time of the call (never recomputed).
    contract = models.ForeignKey(
        "clients.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interventions",
        verbose_name=_("contract"),
    )
    contract_snapshot = models.JSONField(_("contract at intake"), default=dict, blank=True)
    under_contract = models.BooleanField(_("under contract"), default=False)
    under_warranty = models.BooleanField(_("under warranty"), default=False)
    warranty_until = models.DateField(_("warranty until (at intake)"), null=True, blank=True)

    object = models.TextField(
        _("object"),
        help_text=_("What the customer asked for, precisely: the technician must stick to it."),
    )
    planned_tasks = models.TextField(
        _("planned tasks"),
        blank=True,
        help_text=_("Tasks of a planned visit (from the contract's standard tasks)."),
    )
    caller_name = models.CharField(_("caller name"), max_length=120, blank=True)
    caller_phone = models.CharField(_("caller phone"), max_length=30, blank=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    deadline_at = models.DateTimeField(_("response deadline"), null=True, blank=True)
    scheduled_start = models.DateTimeField(_("scheduled start"), null=True, blank=True)
    scheduled_end = models.DateTimeField(_("scheduled end"), null=True, blank=True)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_interventions",
        verbose_name=_("technician"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW, editable=False
    )

    diagnostics = models.TextField(_("diagnostics and observations"), blank=True)
    work_done = models.TextField(_("work done"), blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    # Optimistic locking (interventions/conflicts.py): each counter is raised by the services
    # that write its part of the job, and a form or autosave read at an older value is refused.
    # One counter per thing two people edit at once, so a visit stamped on one tablet does not
    # refuse the texts typed on another.
    texts_version = models.PositiveIntegerField(
        _("report texts version"), default=0, editable=False
    )
    texts_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("report texts last changed by"),
        editable=False,
    )
    texts_edited_at = models.DateTimeField(
        _("report texts last changed at"), null=True, blank=True, editable=False
    )
    parts_version = models.PositiveIntegerField(_("parts list version"), default=0, editable=False)
    assignment_version = models.PositiveIntegerField(
        _("assignment version"), default=0, editable=False
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, blank=True, default=Outcome.PENDING
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    first_arrival_at = models.DateTimeField(_("first arrival"), null=True, blank=True)
    met_deadline = models.BooleanField(_("response deadline met"), null=True, blank=True)

    billable_travel = models.BooleanField(_("travel billable"), default=False)
    billable_labour = models.BooleanField(_("labour billable"), default=False)
    billable_parts = models.BooleanField(_("parts billable"), default=False)
    # A fact recorded by the technician (never a billing decision): the equipment was used
    # outside the contract's conditions, e.g. a recycled cartridge against the consumables clause.
    out_of_conditions = models.BooleanField(_("outside the contract's conditions"), default=False)
    out_of_conditions_note = models.TextField(_("observation outside the conditions"), blank=True)
    # Manager decisions on the billable flags: {"travel": {"value", "reason", "by", "at"}, ...}.
    billing_overrides = models.JSONField(_("billing overrides"), default=dict, blank=True)
    # When it was marked billed: the time of its latest status event to `billed`, stored by
    # `workflow.transition` in the same UPDATE as the status (cleared when an administrator takes
    # the billing back), so that the billing list and export read it as a column instead of
    # searching the events of every line (87,700 index probes per export at 100,000
    # interventions, bench/README.md, issue 14). The database lets it move only with the status
    # (interventions/integrity.py).
    billed_at = models.DateTimeField(_("billed at"), null=True, blank=True, editable=False)

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("originating intervention"),
    )
    relation = models.CharField(
        _("relation to the originating intervention"),
        max_length=20,
        choices=Relation.choices,
        blank=True,
        default=Relation.NONE,
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Number and object, normalised (clients/search.py) for the list's free search, which also
    # reads the client's `search_text`. Written by save(); both sources are set at creation, so
    # it never moves afterwards (frozen with the rest once signed). GIN trigram index on
    # PostgreSQL (migration 0013).
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "sequence"], name="intervention_number_per_year"
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("requested_at")),
                name="intervention_resolved_after_request",
            ),
            models.CheckConstraint(
                condition=Q(scheduled_end__isnull=True)
                | Q(scheduled_start__isnull=True)
                | Q(scheduled_end__gt=F("scheduled_start")),
                name="intervention_slot_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(billed_at__isnull=True) | Q(status=Status.BILLED),
                name="intervention_billed_at_only_when_billed",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline_at"]),
            models.Index(fields=["technician", "scheduled_start"]),
            # The list's urgency order (filters.URGENCY_ORDER; on PostgreSQL an ascending index
            # puts NULLs last, as the order does): pages of every status are read from the
            # index alone (bench/README.md, issue 14).
            models.Index(
                fields=["deadline_at", "-priority", "requested_at", "id"],
                name="intervention_urgency_idx",
            ),
            # The same order restricted to open interventions: the dispatcher's default view,
            # about 5 % of the rows.
            models.Index(
                fields=["deadline_at", "-priority", "requested_at", "id"],
                condition=~Q(status__in=sorted(CLOSED_STATUSES)),
                name="intervention_open_urgency_idx",
            ),
            # Open interventions by slot: the planning grid and the jobs still to schedule.
            models.Index(
                fields=["scheduled_start", "scheduled_end"],
                condition=~Q(status__in=sorted(CLOSED_STATUSES)),
                name="intervention_open_slot_idx",
            ),
            # An equipment's history, newest first, page by page.
            models.Index(
                fields=["equipment", "-requested_at", "-id"], name="intervention_equipment_idx"
            ),
            # The admin's default order.
            models.Index(fields=["-requested_at"], name="intervention_requested_idx"),
            # The oldest jobs « à faire signer » (to_sign_q: awaiting signature, or in progress
            # with a visit over), as the billing list shows them: read in order from these ~2.5 %
            # of the rows instead of filtering 80,000 rows of the index above (96 ms to 0.2 ms
            # at 100,000 interventions, bench/README.md, issue 14).
            models.Index(
                fields=["requested_at"],
                condition=Q(status__in=[Status.AWAITING_SIGNATURE, Status.IN_PROGRESS]),
                name="intervention_to_sign_idx",
            ),
            # The dashboard's period aggregates (stats.py: per month, client, equipment kind,
            # parts) read a year of rows from this index alone, without the table (PostgreSQL
            # covering index; a plain index elsewhere). bench/README.md, issue 14.
            models.Index(
                fields=["requested_at"],
                include=[
                    "status",
                    "client",
                    "equipment",
                    "met_deadline",
                    "resolved_at",
                    "id",
                ],
                name="intervention_period_stats_idx",
            ),
            # The billing list and export read on the billing date: the billed ones of a period.
            models.Index(
                fields=["billed_at"],
                condition=Q(billed_at__isnull=False),
                name="intervention_billed_at_idx",
            ),
            # The jobs in progress (~1 %), for the « à faire signer » count on every list page
            # (`to_sign_q`): with `visit_done_idx` the count is two index-only scans (6.5 to
            # 2.6 ms at 100,000 interventions). Alone it made PostgreSQL hash every visit
            # (24 ms): the two go together (bench/README.md, issue 14, last steps).
            models.Index(
                fields=["id"],
                condition=Q(status=Status.IN_PROGRESS),
                name="intervention_in_progress_idx",
            ),
            # The dashboard's annual contract visits count the planned interventions of the last
            # contract year by contract and day: ~5,000 of the year's ~38,000 rows, read from
            # this index alone instead of filtering the year's rows (bench/README.md, issue 14,
            # last steps).
            models.Index(
                fields=["requested_at"],
                include=["contract", "status", "id"],
                condition=Q(channel=Channel.PLANNED),
                name="intervention_planned_idx",
            ),
            # The dashboard's deadlines at risk: open jobs nobody has reached, with a deadline,
            # soonest first — read in order and cut at 200, instead of sorting the ~2,800 open
            # jobs with a deadline.
            models.Index(
                fields=["deadline_at"],
                condition=Q(
                    status__in=[Status.NEW, Status.SCHEDULED, Status.IN_PROGRESS],
                    first_arrival_at__isnull=True,
                    deadline_at__isnull=False,
                ),
                name="intervention_at_risk_idx",
            ),
        ]
        permissions = [
            ("bill_intervention", _("Can mark interventions as billed")),
            ("view_costs", _("Can see cost prices and margins")),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.client.name}"

    def save(self, *args, **kwargs):
        self.search_text = search_text(self.number, self.object)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"number", "object"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.resolved_at and self.requested_at and self.resolved_at < self.requested_at:
            errors["resolved_at"] = _("The resolution cannot be earlier than the request.")
        if (
            self.scheduled_start
            and self.scheduled_end
            and self.scheduled_end <= self.scheduled_start
        ):
            errors["scheduled_end"] = _("The time slot must end after it starts.")
        if self.client_id:
            if self.site_id and self.site.client_id != self.client_id:
                errors["site"] = _("This site belongs to another client.")
            if self.equipment_id and self.equipment.client_id != self.client_id:
                errors["equipment"] = _("This equipment belongs to another client.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def report_open(self) -> bool:
        """What the report shows may be written now: the rule of `guards.WRITABLE`, which
        every write service enforces; pages use this to offer the forms or not."""
        # Imported here: guards builds its table from `Status`, defined in this module.
        from .guards import Change, can_write

        return can_write(self.status, Change.REPORT)


class Visit(models.Model):
    """One technician's time on site."""

    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.CASCADE,
        related_name="visits",
        verbose_name=_("intervention"),
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("technician"),
    )
    arrived_at = models.DateTimeField(_("arrived at"))
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    travel_km = models.DecimalField(
        _("travel (km)"),
        max_digits=7,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    travel_minutes = models.PositiveIntegerField(_("travel time (minutes)"), default=0)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)  # services

    class Meta:
        ordering = ["arrived_at"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gt=F("arrived_at")),
                name="visit_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(travel_km__gte=0), name="visit_km_not_negative"),
        ]
        indexes = [
            # The dashboard's hours per technician over a period, read from the index alone;
            # and an intervention's last arrival (work to sign) as one index probe.
            models.Index(
                fields=["arrived_at"],
                include=["left_at", "technician", "travel_km", "intervention"],
                name="visit_period_stats_idx",
            ),
            models.Index(fields=["intervention", "-arrived_at"], name="visit_last_arrival_idx"),
            # Has this job a visit over (`to_sign_q`)? Answered from the index alone
            # (PostgreSQL covering index; a plain one elsewhere). See
            # `intervention_in_progress_idx`.
            models.Index(
                fields=["intervention"],
                include=["left_at", "arrived_at"],
                name="visit_done_idx",
            ),
        ]

    def __str__(self) -> str:
        arrived = date_format(timezone.localtime(self.arrived_at), "SHORT_DATETIME_FORMAT")
        return f"{self.intervention.number} — {arrived}"

    def clean(self):
        if self.left_at and self.arrived_at and self.left_at <= self.arrived_at:
            raise ValidationError({"left_at": _("The departure must be after the arrival.")})
        if self.travel_km is not None and self.travel_km < 0:
            raise ValidationError({"travel_km": _("The distance cannot be negative.")})

    @property
    def duration_minutes(self) -> int | None:
        if not self.left_at:
            return None
        return int((self.left_at - self.arrived_at).total_seconds() // 60)


def to_sign_q() -> Q:
    """Work done but not signed ("à faire signer"): the report is submitted and awaits the
    customer, or the job is in progress and a visit is over: its departure is recorded, or it
    began before today (a departure forgotten yesterday must not hide the work, while a
    technician on site right now is still working). Signed, billed and cancelled jobs never
    match. The one rule behind the list filter, the counters of the dispatcher's and the
    manager's pages, the annual visits and the billing list."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    # The visits of in-progress jobs only, read once (about 1 % of the visits), rather than a
    # correlated EXISTS that PostgreSQL, inside an OR, turns into a hash of every visit
    # (0.2 s at 100,000 interventions: bench/README.md).
    done = (
        Visit.objects.filter(intervention__status=Status.IN_PROGRESS)
        .filter(Q(left_at__isnull=False) | Q(arrived_at__lt=today))
        .values("intervention_id")
    )
    return Q(status=Status.AWAITING_SIGNATURE) | Q(status=Status.IN_PROGRESS, pk__in=done)


class PartUsed(models.Model):
    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="parts", verbose_name=_("intervention")
    )
    part = models.ForeignKey(
        Part,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="uses",
        verbose_name=_("catalogue part"),
    )
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_price = models.DecimalField(
        _("unit price at the time"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    unit_cost = models.DecimalField(
        _("unit cost at the time"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="partused_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(unit_cost__gte=0),
                name="partused_prices_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"

    def clean(self):
        if self.quantity is not None and self.quantity <= 0:
            raise ValidationError({"quantity": _("The quantity must be greater than zero.")})

    @property
    def total_price(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


class InterventionEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status change")
        ASSIGNED = "assigned", _("Assignment")
        HANDOVER = "handover", _("Handover")
        VISIT = "visit", _("Visit")
        REPORT = "report", _("Report updated")
        SIGNATURE = "signature", _("Signature")
        LINKED = "linked", _("Linked intervention")
        BILLING = "billing", _("Billing")
        NOTE = "note", _("Note")

    class Code(models.TextChoices):
        """What happened, stable and language-free: the history says it in the reader's
        language from the code and `data` (interventions/history.py). The codes named like a
        kind say no more than the kind (events of an unknown shape, from before the codes)."""

        CREATED = "created", _("Created")
        STATUS = "status", _("Status change")
        ASSIGNED = "assigned", _("Assignment")
        HANDOVER = "handover", _("Handover")
        VISIT = "visit", _("Visit")
        VISIT_ARRIVED = "visit_arrived", _("Arrival on site")
        VISIT_DEPARTED = "visit_departed", _("Departure")
        VISIT_CORRECTED = "visit_corrected", _("Visit corrected")
        REPORT = "report", _("Report updated")
        RESOLVED = "resolved", _("Resolved")
        OUT_OF_CONDITIONS = "out_of_conditions", _("Outside the contract's conditions")
        WITHIN_CONDITIONS = "within_conditions", _("Within the contract's conditions")
        SIGNATURE = "signature", _("Signature")
        TECHNICIAN_SIGNED = "technician_signed", _("Technician's signature")
        CUSTOMER_SIGNED = "customer_signed", _("Customer's signature")
        AMENDMENT_SIGNED = "amendment_signed", _("Amendment signed")
        LINKED = "linked", _("Linked intervention")
        ADDITIONAL_REQUEST = "additional_request", _("Other request from the customer")
        FOLLOW_UP = "follow_up", _("Follow-up")
        BILLING = "billing", _("Billing")
        BILLING_OVERRIDE = "billing_override", _("Billing decision")
        AMENDMENT_REQUESTED = "amendment_requested", _("Amendment requested")
        BILLED = "billed", _("Marked as billed")
        UNBILLED = "unbilled", _("Marked as not billed")
        NOTE = "note", _("Note")
        CONTRACT_CHOSEN = "contract_chosen", _("Contract chosen")
        CONTRACT_NONE = "contract_none", _("No contract")
        PART_REMOVED = "part_removed", _("Part removed")
        REPORT_TEXT = "report_text", _("Report text changed")
        PART_ADDED = "part_added", _("Part added")
        OFFLINE_SIGNATURE_REFUSED = (
            "offline_signature_refused",
            _("Signature made offline refused"),
        )

    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("intervention"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Empty on an event written without one: read as the code named like its kind.
    code = models.CharField(_("event"), max_length=30, choices=Code.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    # Only what a person typed (a reason, a handover note, the object): never generated words,
    # which would stay in the writer's language.
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)  # the code's facts (ids, flags, ISO dates)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("intervention event")
        verbose_name_plural = _("intervention events")
        indexes = [
            models.Index(fields=["intervention", "at"]),
            # The admin lists every event in this order (970,000 rows at 100,000 interventions).
            models.Index(fields=["at", "id"], name="event_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.intervention_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


def signed_report_path(instance: "SignedReport", filename: str) -> str:
    return f"reports/{instance.intervention.year}/{filename}"


class SignedReport(models.Model):
    """The issued document: what the report showed when the customer signed, and its PDF.

    Written once by `services.report_freeze`; never changed or deleted afterwards.
    """

    intervention = models.OneToOneField(
        Intervention,
        on_delete=models.PROTECT,
        related_name="signed_report",
        verbose_name=_("intervention"),
    )
    snapshot = models.JSONField(_("frozen report"))
    pdf = models.FileField(_("signed PDF"), upload_to=signed_report_path)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    # SHA-256 of the canonical JSON of `snapshot`: the fingerprint printed on the PDF (pdf.py).
    content_sha256 = models.CharField(
        _("SHA-256 of the signed content"), max_length=64, blank=True, default=""
    )
    signed_at = models.DateTimeField(_("signed at"))
    # Where the signatory asked for the signed PDF (sign page); written with the row, never after.
    signatory_email = models.EmailField(_("signatory's e-mail"), blank=True, default="")
    # A signature made offline (interventions/offline.py): the device's time of the customer's
    # signature (`signed_at` is when the server received and froze it) and the fingerprint of
    # the summary the customer was shown. Set at freeze time, like every other column.
    signed_on_device_at = models.DateTimeField(_("signed on the device at"), null=True, blank=True)
    offline_summary_sha256 = models.CharField(
        _("SHA-256 of the summary signed offline"), max_length=64, blank=True, default=""
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("signed report")
        verbose_name_plural = _("signed reports")
        # The billing list and export read a period of signature dates.
        indexes = [models.Index(fields=["signed_at"], name="signedreport_signed_at")]

    def __str__(self) -> str:
        return f"{self.intervention.number} ({self.sha256[:12]})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("A signed report can never be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A signed report can never be deleted."))

    # The original is version 1 of the report; amendments are 2, 3, … (`ReportAmendment`).
    version = 1
    is_amendment = False


def report_amendment_path(instance: "ReportAmendment", filename: str) -> str:
    return f"reports/{instance.intervention.year}/{filename}"


class ReportAmendment(models.Model):
    """A new version (2, 3, …) of a signed report that makes billable an item the signed
    version marks not billable; the customer signs it again.

    The original `SignedReport` (`amends`) is never touched and stays verifiable. Requested by a
    manager (`services.amendment_request`): pending, `changes` + `reason` only. Signed by the
    customer (`services.amendment_sign`): `snapshot` (the previous version's snapshot with
    `billable` updated and an "amendment" section), `pdf`, `sha256`, `content_sha256`,
    `signed_at` are written once, in the same transaction as the new billable flags. From then on
    the row can never be changed or deleted. One pending amendment per intervention at a time.
    """

    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.PROTECT,
        related_name="amendments",
        verbose_name=_("intervention"),
    )
    amends = models.ForeignKey(
        SignedReport,
        on_delete=models.PROTECT,
        related_name="amendments",
        verbose_name=_("original signed report"),
    )
    version = models.PositiveSmallIntegerField(_("version"))
    # {"labour": {"from": false, "to": true}, ...}
    changes = models.JSONField(_("changes"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    snapshot = models.JSONField(_("frozen amended report"), null=True, blank=True)
    pdf = models.FileField(_("signed PDF"), upload_to=report_amendment_path, blank=True)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True, default="")
    content_sha256 = models.CharField(
        _("SHA-256 of the signed content"), max_length=64, blank=True, default=""
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    is_amendment = True

    class Meta:
        ordering = ["intervention", "version"]
        verbose_name = _("report amendment")
        verbose_name_plural = _("report amendments")
        constraints = [
            models.UniqueConstraint(
                fields=["intervention", "version"], name="amendment_version_per_intervention"
            ),
            models.UniqueConstraint(
                fields=["intervention"],
                condition=Q(signed_at__isnull=True),
                name="amendment_one_pending_per_intervention",
            ),
            models.CheckConstraint(condition=Q(version__gte=2), name="amendment_version_from_2"),
        ]

    def __str__(self) -> str:
        return f"{self.intervention.number} v{self.version}"

    def save(self, *args, **kwargs):
        if self._signed_in_database():
            raise ValidationError(_("A signed amendment can never be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.signed_at is not None or self._signed_in_database():
            raise ValidationError(_("A signed amendment can never be deleted."))
        return super().delete(*args, **kwargs)

    def _signed_in_database(self) -> bool:
        return (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk, signed_at__isnull=False).exists()
        )


class TechnicianSignature(models.Model):
    """The technician's signature, kept from the moment they sign until the customer signs.

    It then goes into the frozen snapshot (`SignedReport.snapshot["signatures"]`); reopening the
    report for changes deletes it, since the technician must sign what the customer signs.
    """

    intervention = models.OneToOneField(
        Intervention,
        on_delete=models.CASCADE,
        related_name="technician_signature",
        verbose_name=_("intervention"),
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("technician"),
    )
    name = models.CharField(_("name"), max_length=150)
    # django-signature-pad's field: a PNG data URL in a text column, its PNG check and size cap
    # applied by full_clean() to the image `signatures.clean_signature` stored. The cap holds any
    # cleaned image (600 × 200 pixels, one palette byte each, plus the PNG headers: < 122 KB);
    # a real one weighs 5–15 KB.
    image = SignaturePadField(_("signature (PNG data URI)"), max_size_kb=128)
    # Fingerprint of the report content the technician read (`services.report_content`): the
    # customer must sign the same content.
    content_sha256 = models.CharField(
        _("SHA-256 of the content signed"), max_length=64, blank=True, default=""
    )
    signed_at = models.DateTimeField(_("signed at"))
    # Signed on the tablet without network: the device's time (`signed_at` is the reception).
    signed_on_device_at = models.DateTimeField(_("signed on the device at"), null=True, blank=True)

    class Meta:
        verbose_name = _("technician signature")
        verbose_name_plural = _("technician signatures")

    def __str__(self) -> str:
        return f"{self.intervention_id} — {self.name}"


class BillingRates(models.Model):
    """The company's rates, one row (pk=1), edited by a manager. See `interventions.billing`."""

    hourly_rate = models.DecimalField(
        _("labour rate per hour (excl. VAT)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("60.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    travel_per_km = models.DecimalField(
        _("travel rate per km (excl. VAT)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0.60"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    travel_flat_fee = models.DecimalField(
        _("flat travel fee per visit (excl. VAT)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    internal_hourly_cost = models.DecimalField(
        _("internal cost of a technician hour"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("35.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    vehicle_cost_per_km = models.DecimalField(
        _("vehicle cost per km"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0.35"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Who changed what, when (django-simple-history): the change log page.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("billing rates")
        verbose_name_plural = _("billing rates")

    def __str__(self) -> str:
        return str(_("Billing rates"))

    @classmethod
    def current(cls) -> "BillingRates":
        rates = cls.objects.filter(pk=1).first()
        if rates is None:
            # The defaults, on first read: bulk_create leaves no change log row (nobody
            # changed anything) and ignore_conflicts lets two first reads race.
            cls.objects.bulk_create([cls(pk=1)], ignore_conflicts=True)
            rates = cls.objects.get(pk=1)
        return rates


class ContractRates(models.Model):
    """Rates agreed in one contract; an empty field falls back to `BillingRates`."""

    contract = models.OneToOneField(
        "clients.Contract",
        on_delete=models.CASCADE,
        related_name="rates",
        verbose_name=_("contract"),
    )
    hourly_rate = models.DecimalField(
        _("labour rate per hour (excl. VAT)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    travel_per_km = models.DecimalField(
        _("travel rate per km (excl. VAT)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    travel_flat_fee = models.DecimalField(
        _("flat travel fee per visit (excl. VAT)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )

    # Who changed what, when (django-simple-history): the change log page.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contract rates")
        verbose_name_plural = _("contract rates")

    def __str__(self) -> str:
        return str(self.contract)


class ReportFigures(models.Model):
    """The figures of a signed report as columns: what billing reads.

    Copied from `SignedReport.snapshot` (plus the parts' unit cost) when the report is frozen,
    so an export of 100,000 interventions never decodes the frozen documents.
    """

    intervention = models.OneToOneField(
        Intervention,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="figures",
        verbose_name=_("intervention"),
    )
    minutes = models.PositiveIntegerField(_("time on site (minutes)"), default=0)
    travel_minutes = models.PositiveIntegerField(_("travel time (minutes)"), default=0)
    km = models.DecimalField(_("km"), max_digits=9, decimal_places=1, default=Decimal("0"))
    visits = models.PositiveIntegerField(_("visits"), default=0)
    parts_price = models.DecimalField(
        _("parts at the report's price"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    parts_cost = models.DecimalField(
        _("parts at unit cost"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    parts_quantity = models.DecimalField(
        _("parts quantity"), max_digits=10, decimal_places=2, default=Decimal("0")
    )

    class Meta:
        verbose_name = _("signed report figures")
        verbose_name_plural = _("signed report figures")

    def __str__(self) -> str:
        return str(self.intervention_id)


class IntegrityPermit(models.Model):
    """The one door in the database's frozen-report triggers (migration 0009).

    While a row names an intervention, its signed report's billing columns (`billable_*`,
    `billing_overrides`) may change: `services.signed_billing_change` writes it inside the
    service's transaction and deletes it before commit, so no other transaction ever sees one.
    """

    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="+", verbose_name=_("intervention")
    )
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("integrity permit")
        verbose_name_plural = _("integrity permits")

    def __str__(self) -> str:
        return f"{self.intervention_id}: {self.reason}"


class UserPreference(models.Model):
    """What a person chose for themselves, kept on the user (every device, every login).

    One row per user who chose something; without a row, the defaults apply (French)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="preference",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"


class CalendarFeed(models.Model):
    """A technician's private calendar address (interventions/calendar.py): the token is the
    only credential of the feed, which phones read without logging in. Its first
    `SELECTOR_LENGTH` characters find the row; the whole token is then compared in constant
    time. Regenerating it replaces the row's token: the old address answers 404."""

    SELECTOR_LENGTH = 12

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("user"),
    )
    selector = models.CharField(max_length=SELECTOR_LENGTH, unique=True, editable=False)
    token = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)


class OutgoingEmail(models.Model):
    """One e-mail the application sends in the background (a Celery task), and how it went.

    Written by the services of `services/emails.py` only: queued when asked for, then by the task
    at each attempt (`attempts`, `last_error` in plain words, `state`). `sent_to` lists the
    recipients the mail server accepted: a retried send skips them, so nobody gets it twice.
    `subject` and `body` are written at queueing, so a retry sends the same text; the signed
    report's PDF is read from storage at each attempt (the frozen file).
    """

    class Kind(models.TextChoices):
        SIGNED_REPORT = "signed_report", _("Signed report")
        UNSIGNED_REMINDER = "unsigned_reminder", _("Reminder of unsigned work")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RETRYING = "retrying", _("Retrying")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
        verbose_name=_("intervention"),
    )
    recipients = models.JSONField(_("recipients"), default=list)
    sent_to = models.JSONField(_("sent to"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [models.Index(fields=["state", "-created_at"], name="outgoingemail_state")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"


class ReplayedAction(models.Model):
    """One tablet action sent with an `Idempotency-Key` (interventions/idempotency.py): the
    first request runs and its answer is stored here in the same transaction as its effect;
    a later request with the same key and user gets this answer again and changes nothing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("idempotency key"), max_length=64)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=300)
    status = models.PositiveSmallIntegerField(_("status"), default=0)
    content_type = models.CharField(_("content type"), max_length=100, blank=True, default="")
    body = models.TextField(_("answer"), blank=True, default="")
    location = models.CharField(_("location"), max_length=300, blank=True, default="")
    # What the action created (visit, part line): a later action refers to it by this key.
    created_ids = models.JSONField(_("created objects"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("replayed action")
        verbose_name_plural = _("replayed actions")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="replayedaction_user_key")
        ]
        indexes = [models.Index(fields=["created_at"], name="replayedaction_created_at")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key} {self.method} {self.path} → {self.status}"


# The dashboard's monthly summary (interventions/stats_summary.py): the period aggregates of
# closed months, stored once, so that a year reads twelve months of rows instead of a year of
# interventions, visits and parts. PostgreSQL only (the live queries elsewhere); written by
# `stats_summary.refresh_months` alone, marked stale by database triggers on every write that
# changes a closed month's figures.


class StatsMonth(models.Model):
    """One closed month of the summary: `version` is bumped by the triggers on every write
    that touches the month; the summary rows hold the figures of `computed_version`."""

    month = models.DateField(_("month"), primary_key=True)
    version = models.BigIntegerField(_("version"), default=0)
    computed_version = models.BigIntegerField(_("computed version"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("statistics month")
        verbose_name_plural = _("statistics months")

    def __str__(self) -> str:
        return self.month.strftime("%m/%Y")


class StatsMonthTotals(models.Model):
    """`stats.per_month`: interventions requested this month (cancelled ones excluded)."""

    month = models.DateField(primary_key=True)
    total = models.PositiveIntegerField(default=0)
    with_deadline = models.PositiveIntegerField(default=0)
    met = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    resolution_us = models.BigIntegerField(default=0)  # summed, in microseconds

    def __str__(self) -> str:
        return str(self.month)


class StatsMonthClient(models.Model):
    """`stats.per_client`: interventions requested this month per client (ids: the names
    are read when shown, so a renamed client needs no refresh)."""

    month = models.DateField()
    client_id = models.BigIntegerField()
    total = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["month"], include=["client_id", "total"], name="stats_client_idx")
        ]

    def __str__(self) -> str:
        return str((self.month, self.client_id))


class StatsMonthKind(models.Model):
    """`stats.per_equipment_kind`: per equipment kind ("" for none)."""

    month = models.DateField()
    kind = models.CharField(max_length=20, blank=True)
    total = models.PositiveIntegerField()

    def __str__(self) -> str:
        return str((self.month, self.kind))


class StatsMonthPart(models.Model):
    """`stats.parts_consumed`: quantities per part line label, interventions of the month."""

    month = models.DateField()
    reference = models.CharField(max_length=40, blank=True)
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=14, decimal_places=2)

    def __str__(self) -> str:
        return str((self.month, self.reference))


class StatsMonthTechnician(models.Model):
    """`stats.per_technician`: finished visits arrived this month, per technician. `jobs`
    counts the interventions whose visit by this technician is the first since `since` (the
    month of the pair's previous finished visit, None if none): a period of whole months
    [S, E] counts each intervention once, in its first month with `since` before S."""

    month = models.DateField()
    technician_id = models.BigIntegerField()
    since = models.DateField(null=True, blank=True)
    on_site_us = models.BigIntegerField(default=0)
    km = models.DecimalField(max_digits=14, decimal_places=1, default=Decimal("0"))
    jobs = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return str((self.month, self.technician_id, self.since))
