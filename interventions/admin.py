from django.contrib import admin

from .models import Intervention, InterventionEvent, Part, PartUsed, Visit


@admin.register(Part)
class PartAdmin(admin.ModelAdmin):
    list_display = ["reference", "name", "unit_price", "unit_cost", "active"]
    list_filter = ["active"]
    search_fields = ["reference", "name"]


class VisitInline(admin.TabularInline):
    model = Visit
    extra = 0


class PartUsedInline(admin.TabularInline):
    model = PartUsed
    extra = 0
    autocomplete_fields = ["part"]


class EventInline(admin.TabularInline):
    model = InterventionEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "at", "from_status", "to_status", "note", "data"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    """Read-mostly: status only moves through the workflow, a signed report never changes."""

    list_display = ["number", "client", "status", "priority", "technician", "requested_at"]
    list_filter = ["status", "priority", "channel", "under_contract", "under_warranty"]
    search_fields = ["number", "client__name", "client__number", "object"]
    date_hierarchy = "requested_at"
    readonly_fields = ["number", "status", "contract_snapshot", "created_by", "created_at"]
    autocomplete_fields = ["client", "site", "equipment", "contract", "technician", "parent"]
    inlines = [VisitInline, PartUsedInline, EventInline]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return False
        return super().has_delete_permission(request, obj)

    def has_add_permission(self, request):
        # Numbering and the entitlement snapshot belong to interventions.services.
        return False


@admin.register(InterventionEvent)
class InterventionEventAdmin(admin.ModelAdmin):
    list_display = ["intervention", "kind", "actor", "at", "from_status", "to_status"]
    list_filter = ["kind", "to_status"]
    search_fields = ["intervention__number", "note"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
