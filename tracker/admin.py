from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import UpdateKind
from .models import (
    AccessRefusal,
    Area,
    Evidence,
    ExtensionRequest,
    Follow,
    Instruction,
    Item,
    Membership,
    Metric,
    ProgressUpdate,
    ReminderLog,
    Review,
    Unit,
    UnitRating,
)
from .services import lead_unit_conflict_error

User = get_user_model()


class ReadOnlyAdminMixin:
    """History rows (progress, evidence, reviews) are written by services and kept forever."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user", "unit"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "parent", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "short_name", "aliases"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit"]
    list_filter = ["unit__kind", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "framework", "order"]
    list_filter = ["framework"]
    search_fields = ["name", "code"]


class MetricInline(admin.TabularInline):
    model = Metric
    fk_name = "item"
    extra = 0
    fields = ["label", "value", "unit", "approximate", "order"]


class ProgressUpdateInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ProgressUpdate
    extra = 0
    fields = ["created_at", "author", "status_from", "status_to", "note"]
    readonly_fields = fields


class ItemAdminForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = [
            "report",
            "section",
            "area",
            "kind",
            "title",
            "text",
            "order",
            "lead_unit",
            "cooperating_units",
            "assignee",
            "due_on",
            "status",
            "addresses",
            "carried_from",
        ]

    def clean(self):
        cleaned = super().clean()
        error = lead_unit_conflict_error(cleaned.get("lead_unit"), cleaned.get("cooperating_units") or [])
        if error:
            self.add_error("cooperating_units", error)
        return cleaned


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    form = ItemAdminForm
    list_display = ["title", "report", "kind", "area", "lead_unit", "status", "due_on", "updated_at"]
    list_filter = ["report", "kind", "status", "area", "lead_unit"]
    search_fields = ["title", "text"]
    autocomplete_fields = [
        "report",
        "section",
        "lead_unit",
        "cooperating_units",
        "assignee",
        "addresses",
        "carried_from",
    ]
    list_select_related = ["report", "area", "lead_unit"]
    date_hierarchy = "due_on"
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [MetricInline, ProgressUpdateInline]

    def save_related(self, request, form, formsets, change):
        """An administrator's change leaves one entry in the item's history, like every other
        path (the admin's own log keeps the details too)."""
        super().save_related(request, form, formsets, change)
        fields = [str(form.fields[name].label) for name in form.changed_data if name in form.fields]
        if change and fields:
            item = form.instance
            Item.objects.filter(pk=item.pk).update(version=F("version") + 1)
            ProgressUpdate.objects.create(
                item=item,
                author=request.user,
                kind=UpdateKind.ASSIGNMENT,
                note=gettext("Changed in the administration: %(fields)s") % {"fields": "、".join(fields)},
            )


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ["label", "value", "unit", "approximate", "item", "section"]
    list_filter = ["unit", "approximate"]
    search_fields = ["label"]
    autocomplete_fields = ["item", "section"]
    list_select_related = ["item", "section"]


class EvidenceInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["original_name", "size", "content_type", "sha256", "uploaded_by", "created_at"]
    readonly_fields = fields


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["item", "author", "kind", "status_from", "status_to", "created_at"]
    list_filter = ["kind", "status_to", "item__report"]
    search_fields = ["note", "item__title", "author__username"]
    list_select_related = ["item", "author"]
    date_hierarchy = "created_at"
    inlines = [EvidenceInline]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "size", "content_type", "uploaded_by", "created_at"]
    list_filter = ["content_type"]
    search_fields = ["original_name", "sha256", "item__title"]
    list_select_related = ["uploaded_by"]
    exclude = ["file"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["item", "reviewer", "decision", "created_at"]
    list_filter = ["decision", "item__report"]
    search_fields = ["item__title", "comment", "reviewer__username"]
    list_select_related = ["item", "reviewer"]


@admin.register(UnitRating)
class UnitRatingAdmin(admin.ModelAdmin):
    list_display = ["unit", "report", "grade"]
    list_filter = ["report", "grade"]
    search_fields = ["unit__name", "comment"]
    autocomplete_fields = ["unit", "report"]
    list_select_related = ["unit", "report"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Requests and decisions are made on the item pages and the review queue."""

    list_display = [
        "item",
        "requested_by",
        "previous_due_on",
        "new_due_on",
        "decision",
        "decided_by",
        "created_at",
    ]
    list_filter = ["decision", "item__report"]
    search_fields = ["item__title", "reason", "comment"]
    list_select_related = ["item", "requested_by", "decided_by"]


@admin.register(Instruction)
class InstructionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["item", "author", "created_at"]
    list_filter = ["item__report"]
    search_fields = ["item__title", "text", "author__username"]
    list_select_related = ["item", "author"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "item", "created_at"]
    search_fields = ["item__title", "user__username"]
    autocomplete_fields = ["user", "item"]
    list_select_related = ["user", "item"]


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "sent_on", "item_count"]
    list_filter = ["sent_on"]
    search_fields = ["user__username"]
    list_select_related = ["user"]


@admin.register(AccessRefusal)
class AccessRefusalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Requests refused to logged-in people; logins and failed logins are under Axes."""

    list_display = ["created_at", "user", "method", "path", "status", "ip_address"]
    list_filter = ["status", "method"]
    search_fields = ["user__username", "path", "ip_address"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"


class UserMembershipInline(MembershipInline):
    autocomplete_fields = ["unit"]
    verbose_name_plural = _("units")


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [UserMembershipInline]
    list_filter = [*DjangoUserAdmin.list_filter, "memberships__unit"]
