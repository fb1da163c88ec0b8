from django.contrib import admin
from django.db import models

from tracker.models import Item

from .models import AnnualReport, Section


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["order", "level", "number", "heading", "kind", "area", "parent"]
    autocomplete_fields = ["area", "parent"]
    show_change_link = True


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0
    fields = ["order", "kind", "title", "lead_unit", "status", "due_on"]
    autocomplete_fields = ["lead_unit"]
    show_change_link = True


@admin.register(AnnualReport)
class AnnualReportAdmin(admin.ModelAdmin):
    list_display = ["year", "title", "issuer", "published_on", "state", "previous"]
    list_filter = ["state"]
    search_fields = ["title", "issuer", "year"]
    autocomplete_fields = ["previous"]
    readonly_fields = ["source_sha256", "created_at", "updated_at"]
    list_select_related = ["previous"]
    inlines = [SectionInline, ItemInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "report", "level", "kind", "area", "order"]
    list_filter = ["report", "level", "kind", "area"]
    search_fields = ["heading", "body", "number"]
    autocomplete_fields = ["report", "parent", "area"]
    list_select_related = ["report", "area"]
