"""Read-mostly admin: procedures are authored in the application (procedures.views), where the
versioning rules hold; the admin shows them and their runs for support."""

from django.contrib import admin

from .models import Answer, Procedure, ProcedureRun, ProcedureVersion, RunEntry, Step


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    fields = ("number", "status", "title", "published_at", "published_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "planned_only", "archived")
    list_filter = ("kind", "archived")
    search_fields = ("title", "summary")
    readonly_fields = ("created_by", "created_at")
    inlines = [VersionInline]


class StepInline(admin.TabularInline):
    model = Step
    fields = ("position", "kind", "label", "required", "cause", "escalation")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = ("title", "number", "status", "published_at")
    list_filter = ("status", "procedure__kind")
    readonly_fields = ("procedure", "number", "status", "title", "published_at", "published_by")
    inlines = [StepInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ("label", "step", "next_step")
    list_select_related = ("step", "next_step")
    search_fields = ("label", "step__label")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


class EntryInline(admin.TabularInline):
    model = RunEntry
    fields = ("position", "step", "answer", "result", "comment", "by", "at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProcedureRun)
class ProcedureRunAdmin(admin.ModelAdmin):
    list_display = ("intervention", "version", "automatic", "started_at", "finished_at")
    list_select_related = ("intervention__client", "version")
    list_filter = ("version__procedure__kind", "automatic")
    search_fields = ("intervention__number", "version__title")
    readonly_fields = (
        "intervention",
        "version",
        "automatic",
        "started_by",
        "started_at",
        "finished_at",
    )
    inlines = [EntryInline]

    def has_add_permission(self, request):
        return False
