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

from .models import AnnualReport, Section, UnitRating
from .services import ratings_set


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

    government_path = "government"
    list_display = ["year", "government", "title", "issuer", "published_on", "state", "previous"]
    list_filter = ["government", "state"]
    search_fields = ["title", "issuer", "year"]
    autocomplete_fields = ["previous"]
    list_select_related = ["previous"]
    inlines = [SectionInline, ItemInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        fixed = ["state", "source_sha256", "created_at", "updated_at"]
        # The source text is kept as imported, never altered; the year is the record's identity
        # (its items carry it, the chain of years follows it).
        return [*fixed, "government", "year", "source_text"] if obj is not None else fixed


@admin.register(Section)
class SectionAdmin(LedgerChangedAdminMixin, RulesAdminMixin, admin.ModelAdmin):
    government_path = "report__government"
    form = OpenYearForm
    list_display = ["__str__", "report", "level", "kind", "area", "order"]
    list_filter = ["report", "level", "kind", "area"]
    search_fields = ["heading", "body", "number"]
    autocomplete_fields = ["report", "parent", "area"]
    list_select_related = ["report", "area"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("report")


@admin.register(UnitRating)
class UnitRatingAdmin(LedgerChangedAdminMixin, RulesAdminMixin, admin.ModelAdmin):
    """Ratings are written by ``ratings_set``, as on the scoreboard: never in a closed year."""

    government_path = "report__government"
    form = OpenYearForm
    list_display = ["unit", "report", "grade"]
    list_filter = ["report", "grade"]
    search_fields = ["unit__name", "comment"]
    autocomplete_fields = ["unit", "report"]
    list_select_related = ["unit", "report"]

    def get_queryset(self, request):
        # With select_related here, the changelist skips list_select_related: name them all.
        return super().get_queryset(request).select_related("report", "unit")

    def get_readonly_fields(self, request, obj=None):
        # A rating is one unit's grade in one year: another unit or year is another rating.
        return ["report", "unit"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        ratings_set(
            report_id=obj.report_id, user=request.user, grades={obj.unit_id: (obj.grade, obj.comment)}
        )
        obj.pk = UnitRating.objects.get(report_id=obj.report_id, unit_id=obj.unit_id).pk

    def delete_model(self, request, obj):
        ratings_set(report_id=obj.report_id, user=request.user, grades={obj.unit_id: ("", "")})

    def delete_queryset(self, request, queryset):
        by_report = {}
        for report_id, unit_id in queryset.values_list("report_id", "unit_id"):
            by_report.setdefault(report_id, {})[unit_id] = ("", "")
        for report_id, grades in by_report.items():
            ratings_set(report_id=report_id, user=request.user, grades=grades)
