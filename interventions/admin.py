from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .history import event_line, event_lines
from .models import Intervention, InterventionEvent, OutgoingEmail, Part, PartUsed, Visit


@admin.register(Part)
class PartAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "name", "unit_price", "unit_cost", "active"]
    list_filter = ["active"]
    search_fields = ["reference", "name"]


class ReadOnlyInline(admin.TabularInline):
    """Shown, never edited here: visits and parts go through their services, which check that
    the report is open, keep the response deadline right and record an event."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VisitInline(ReadOnlyInline):
    model = Visit

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("technician")


class PartUsedInline(ReadOnlyInline):
    model = PartUsed

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("part")


class EventMessage:
    @admin.display(description=_("what happened"))
    def message(self, event: InterventionEvent) -> str:
        """The words of the history page, in the reader's language (`history.event_line`);
        the lines of a whole page are made at once (`EventChangeList`, `EventInline`)."""
        line = getattr(event, "history_line", None) or event_line(event)
        return line.change


class CappedCountPaginator(Paginator):
    """Counts the rows only up to `limit` (+1): exactly counting the whole events table (1.3
    million rows at 100,000 interventions) took 140 ms on every page of the admin list.

    Admin only (issue 14): beyond the limit the page says "more than 100,000 events"
    (templates/admin/interventions/interventionevent/pagination.html) and the pages offered stop
    at the limit — a filter or a search narrows the list to an exact count again."""

    limit = 100_000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.limit + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.limit


class EventChangeList(ChangeList):
    """The people the page's events name are fetched once for the page, not once per row."""

    def get_results(self, request):
        super().get_results(request)
        lines = event_lines(list(self.result_list))
        for event in self.result_list:
            event.history_line = lines[event.pk]


class EventInline(EventMessage, admin.TabularInline):
    model = InterventionEvent
    extra = 0
    can_delete = False
    fields = ["kind", "code", "message", "actor", "at", "note", "data"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("what happened"))
    def message(self, event: InterventionEvent) -> str:
        # The inline's events share their intervention object: its lines are made once.
        parent = event.intervention
        lines = getattr(parent, "_admin_history_lines", None)
        if lines is None:
            lines = parent._admin_history_lines = event_lines(list(parent.events.all()))
        return lines[event.pk].change

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    """Read-mostly: status only moves through the workflow, a signed report never changes."""

    list_display = ["number", "client", "status", "priority", "technician", "requested_at"]
    list_select_related = ["client", "technician"]
    ordering = ["-requested_at", "-id"]  # index intervention_requested_idx
    # The request date as a filter (today, 7 days, month, year) rather than a date hierarchy,
    # whose list of years is a sort of every row (0.2 s at 100,000 interventions).
    list_filter = [
        "status",
        ("requested_at", admin.DateFieldListFilter),
        "priority",
        "channel",
        "under_contract",
        "under_warranty",
    ]
    search_fields = ["number", "client__name", "client__number", "object"]
    # Billing and the response deadline change through the services (billing_override,
    # out_of_conditions_record, visit_record…), which record an event; never here.
    readonly_fields = [
        "number",
        "status",
        "contract_snapshot",
        "deadline_at",
        "first_arrival_at",
        "met_deadline",
        "out_of_conditions",
        "out_of_conditions_note",
        "billable_travel",
        "billable_labour",
        "billable_parts",
        "billing_overrides",
        "created_by",
        "created_at",
    ]
    autocomplete_fields = ["client", "site", "equipment", "contract", "technician", "parent"]
    inlines = [VisitInline, PartUsedInline, EventInline]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Numbers have no gaps and the history is never deleted (the database refuses it):
        # a ticket opened by mistake is cancelled, with a reason.
        return False

    def has_add_permission(self, request):
        # Numbering and the entitlement snapshot belong to interventions.services.
        return False


@admin.register(InterventionEvent)
class InterventionEventAdmin(EventMessage, admin.ModelAdmin):
    list_display = ["intervention", "kind", "message", "actor", "at"]
    list_select_related = ["intervention__client", "actor"]
    ordering = ["-at", "-id"]  # newest first, read backwards from the index event_at_idx
    # No second count of the whole table (about 1,000,000 rows) beside the filtered one.
    show_full_result_count = False
    paginator = CappedCountPaginator

    def get_changelist(self, request, **kwargs):
        return EventChangeList

    readonly_fields = ["message"]
    list_filter = ["kind", "code", "to_status"]
    search_fields = ["intervention__number", "note"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """Read-only: written by the e-mail services and their task (the managers' page
    « E-mails envoyés » sends again)."""

    list_display = ["created_at", "kind", "intervention", "state", "attempts", "sent_at"]
    list_select_related = ["intervention__client"]
    list_filter = ["state", "kind"]
    search_fields = ["intervention__number", "subject"]
    ordering = ["-created_at", "-id"]
    raw_id_fields = ["intervention", "requested_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
