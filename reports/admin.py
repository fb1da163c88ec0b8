from django.contrib import admin
from django.db import models

from tracker.admin import (
    LedgerChangedAdminMixin,
    OpenYearForm,
    ReadOnlyInlineMixin,
    RulesAdminMixin,
    RulesInlineMixin,
)
from tracker.models import Item

from .models import AnnualReport, Section


class SectionInline(RulesInlineMixin, admin.TabularInline):
    model = Section
    extra = 0
    fields = ["order", "level", "number", "heading", "kind", "area", "parent"]
    autocomplete_fields = ["area", "parent"]
    show_change_link = True


class ItemInline(ReadOnlyInlineMixin, admin.TabularInline):
    """Shown, not edited: an item is changed on its own admin page, through the services."""

    model = Item
    fk_name = "report"
    extra = 0
    fields = ["order", "kind", "title", "lead_unit", "status", "due_on"]
    readonly_fields = fields
    show_change_link = True


@admin.register(AnnualReport)
class AnnualReportAdmin(LedgerChangedAdminMixin, RulesAdminMixin, admin.ModelAdmin):
    """A year's state moves only on its page (a reviewer closes it there), never back."""

    list_display = ["year", "title", "issuer", "published_on", "state", "previous"]
    list_filter = ["state"]
    search_fields = ["title", "issuer", "year"]
    autocomplete_fields = ["previous"]
    list_select_related = ["previous"]
    inlines = [SectionInline, ItemInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        fixed = ["state", "source_sha256", "created_at", "updated_at"]
        # The source text is kept as imported, never altered.
        return [*fixed, "source_text"] if obj is not None else fixed


@admin.register(Section)
class SectionAdmin(LedgerChangedAdminMixin, RulesAdminMixin, admin.ModelAdmin):
    form = OpenYearForm
    list_display = ["__str__", "report", "level", "kind", "area", "order"]
    list_filter = ["report", "level", "kind", "area"]
    search_fields = ["heading", "body", "number"]
    autocomplete_fields = ["report", "parent", "area"]
    list_select_related = ["report", "area"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("report")
