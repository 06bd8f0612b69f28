from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils.html import format_html
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Client, Contract, Equipment, Site


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


@admin.register(Client)
class ClientAdmin(SimpleHistoryAdmin):
    list_display = ["number", "name", "city", "phone", "email", "active"]
    list_filter = ["active", "city"]
    search_fields = ["number", "name", "city", "phone", "email", "billing_email"]
    inlines = [SiteInline]


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    list_display = ["label", "client", "city", "contact_name", "contact_phone"]
    list_select_related = ["client"]
    list_filter = ["city"]
    search_fields = ["label", "client__name", "client__number", "city", "contact_name"]
    autocomplete_fields = ["client"]


@admin.register(Contract)
class ContractAdmin(SimpleHistoryAdmin):
    list_display = [
        "number",
        "client",
        "kind",
        "start_date",
        "end_date",
        "response_time_hours",
        "covers_labour",
        "covers_travel",
        "covers_parts",
        "annual_visits",
    ]
    list_select_related = ["client"]
    list_filter = ["kind", "covers_labour", "covers_travel", "covers_parts", "end_date"]
    search_fields = ["number", "client__name", "client__number"]
    autocomplete_fields = ["client"]
    date_hierarchy = "start_date"


class PlainCheckbox:
    """The row's selection checkbox written directly, the same HTML as Django's: its widget
    template, rendered once per row, took a third of the equipment list (issue 14)."""

    def action_checkbox(self, obj):
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(_("Select this object for an action - {}"), str(obj)),
        )


@admin.register(Equipment)
class EquipmentAdmin(PlainCheckbox, SimpleHistoryAdmin):
    list_display = [
        "__str__",
        "client",
        "site",
        "kind",
        "serial_number",
        "warranty_until",
        "contract",
    ]
    list_select_related = ["client", "site", "contract"]
    ordering = ["-id"]  # newest first from the primary key, not a sort of every row by client
    list_filter = ["kind", "brand", "warranty_until"]
    search_fields = ["brand", "model", "serial_number", "client__name", "client__number"]
    autocomplete_fields = ["client", "site", "contract"]
