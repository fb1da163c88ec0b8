from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import permissions, services, years
from .ledger_cache import ledger_changed
from .models import (
    AccessRefusal,
    Affiliation,
    Area,
    Escalation,
    Evidence,
    ExtensionRequest,
    Follow,
    Government,
    Instruction,
    Item,
    Membership,
    Metric,
    ProgressUpdate,
    Push,
    PushTarget,
    ReminderLog,
    Review,
    Unit,
)

User = get_user_model()


class _RulesWriteMixin:
    """Changing and deleting a row: administrators only, never in a closed year (the rules of
    ``tracker.permissions``), and the model permission too."""

    def has_change_permission(self, request, obj=None):
        return permissions.can_edit_in_admin(request.user, obj) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return permissions.can_edit_in_admin(request.user, obj) and super().has_delete_permission(
            request, obj
        )


class RulesAdminMixin(_RulesWriteMixin):
    """The admin asks ``tracker.permissions``, as the pages do: reviewers and leaders (with
    "staff status") read it, administrators write, and what belongs to a closed year is
    read-only for everyone. The model permissions of the role groups are a second lock:
    both must allow. A change form that cannot be saved says why."""

    change_form_template = "admin/ledger_change_form.html"
    # Why rows of this kind are never changed here, when that is the reason.
    read_only_reason = None
    # The lookup from a row to its government ("report__government"): the admin lists only the
    # rows of the governments the person sees (permissions.government_q), as the pages do.
    # None: rows of no government (areas, groups, logs).
    government_path: str | None = None

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if self.government_path is None:
            return rows
        return rows.filter(permissions.government_q(request.user, self.government_path))

    def has_module_permission(self, request):
        return permissions.can_read_admin(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return permissions.can_read_admin(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return permissions.can_edit_in_admin(request.user) and super().has_add_permission(request)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["read_only_note"] = None if add else self._read_only_note(request, obj)
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def _read_only_note(self, request, obj) -> str | None:
        if obj is None or self.has_change_permission(request, obj):
            return None
        year = years.closed_year_of(obj)
        if year is not None:
            return gettext(
                "The year %(year)s is closed: what belongs to it is read-only, here as on every page."
            ) % {"year": year}
        if self.read_only_reason:
            return str(self.read_only_reason)
        return gettext(
            "Only system administrators change records in the administration; you can read them here."
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A write that a service refuses at the last moment (someone saved or closed the year
        in between) comes back as a message on the form's page, never as a server error."""
        if request.method == "POST" and "_saveasnew" in request.POST and not self.save_as:
            # "Save as new" is offered nowhere here; a forged one would copy any row.
            raise PermissionDenied
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, services.StaleItem) as error:
            texts = error.messages if isinstance(error, ValidationError) else [str(error)]
            for text in texts:
                self.message_user(request, text, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class LedgerChangedAdminMixin:
    """For the admins of ledger models: what the admin writes changes the ledger's figures as
    a page's write does, so each save, delete and action says so (``ledger_changed``). Writes
    that go through a service (an item, a rating) are said twice: harmless."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        ledger_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        ledger_changed()

    def save_formset(self, request, form, formset, change):
        # Inline rows (an item's metrics), also when a ModelAdmin's own save_related saves them.
        super().save_formset(request, form, formset, change)
        ledger_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        ledger_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        ledger_changed()

    def response_action(self, request, queryset):
        # Any action of the changelist ("delete selected" and whatever is added later).
        response = super().response_action(request, queryset)
        ledger_changed()
        return response


class RulesInlineMixin(_RulesWriteMixin):
    """Inline rows follow their parent: written by administrators while its year is open."""

    def has_view_permission(self, request, obj=None):
        return permissions.can_read_admin(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return permissions.can_edit_in_admin(request.user, obj) and super().has_add_permission(request, obj)


class ReadOnlyAdminMixin(RulesAdminMixin):
    """History rows (progress, evidence, reviews) are written by services and kept forever."""

    read_only_reason = _("This record is written by the application and kept as it is.")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInlineMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OpenYearForm(forms.ModelForm):
    """Refuses to put a row into a closed year (its report, item or section)."""

    def clean(self):
        cleaned = super().clean()
        for name in ("report", "item", "section"):
            year = years.closed_year_of(cleaned.get(name))
            if year is not None:
                self.add_error(name, years.YearClosed(year))
        return cleaned


class MembershipInline(RulesInlineMixin, admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user", "unit"]


@admin.register(Government)
class GovernmentAdmin(RulesAdminMixin, admin.ModelAdmin):
    """The governments' tree (省 → 市 → 县/区 → 乡镇/街道): its place is its parent; the path
    follows (``Government.save``)."""

    list_display = ["indented_name", "short_name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    ordering = ["path", "pk"]
    government_path = ""

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, government):
        return "　" * (government.depth - 1) + government.name


@admin.register(Unit)
class UnitAdmin(LedgerChangedAdminMixin, RulesAdminMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "government", "kind", "parent", "active"]
    list_filter = ["government", "kind", "active"]
    search_fields = ["name", "short_name", "aliases"]
    autocomplete_fields = ["government", "parent"]
    list_select_related = ["government", "parent"]
    inlines = [MembershipInline]
    government_path = "government"

    def has_delete_permission(self, request, obj=None):
        return permissions.can_delete_unit_in_admin(request.user, obj) and super().has_delete_permission(
            request, obj
        )


@admin.register(Membership)
class MembershipAdmin(RulesAdminMixin, admin.ModelAdmin):
    government_path = "unit__government"
    list_display = ["user", "unit", "is_head"]
    list_filter = ["is_head", "unit__kind", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]


@admin.register(Area)
class AreaAdmin(LedgerChangedAdminMixin, RulesAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "framework", "order"]
    list_filter = ["framework"]
    search_fields = ["name", "code"]
    # The leaders told when one of its items is long overdue (tracker/escalation.py).
    autocomplete_fields = ["followers"]


class MetricInline(RulesInlineMixin, admin.TabularInline):
    model = Metric
    fk_name = "item"
    extra = 0
    fields = ["label", "value", "unit", "approximate", "order"]


@admin.display(description=_("what it says"))
def history_text(update: ProgressUpdate) -> str:
    """The entry's words in the reader's language (its event, then its note)."""
    return update.text


class ProgressUpdateInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ProgressUpdate
    extra = 0
    fields = ["created_at", "author", "status_from", "status_to", history_text]
    readonly_fields = fields


class ItemAdminForm(forms.ModelForm):
    """What an administrator may change on an item: never its status or dates (the workflow
    moves those on the item page); its assignment as the item page's assignment would."""

    # The version the form was opened on: a save over someone else's newer one is refused.
    expected_version = forms.IntegerField(
        label=_("version the form was opened on"), widget=forms.HiddenInput, required=False
    )
    # Who fills the form in (ItemAdmin.get_form): a refusal says whether he or she saved last.
    current_user = None

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
            "addresses",
            "carried_from",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        item = self.instance
        report = cleaned.get("report") if "report" in self.fields else item.report
        years.refuse_closed(report)
        if item.pk and cleaned.get("expected_version") != item.version:
            raise ValidationError(services.stale_message(item, self.current_user, reload=True))
        section = cleaned.get("section")
        # Its own year's outline, or that of the report that stated it (the year before's).
        outlines = {report.pk if report is not None else None, item.stated_in_id}
        if section is not None and report is not None and section.report_id not in outlines:
            self.add_error(
                "section",
                gettext("The section %(section)s belongs to another year's report.") % {"section": section},
            )
        lead = cleaned.get("lead_unit")
        cooperating = list(cleaned.get("cooperating_units") or [])
        conflict = services.lead_unit_conflict_error(lead, cooperating)
        elsewhere = services.units_government_error(
            report.government_id if report is not None else None, [lead, *cooperating]
        )
        if elsewhere:
            self.add_error(
                "lead_unit"
                if lead is not None and lead.government_id != report.government_id
                else "cooperating_units",
                elsewhere,
            )
        elif conflict:
            self.add_error("cooperating_units", conflict)
        elif not item.pk or "assignee" in self.changed_data:
            # As on the item page: a new lead unit without a new responsible person drops one
            # who is not its member; a responsible person named here must be one.
            error = services.assignment_error(
                lead_unit=lead, cooperating_units=cooperating, assignee=cleaned.get("assignee")
            )
            if error:
                self.add_error("assignee", error)
        return cleaned


@admin.register(Item)
class ItemAdmin(LedgerChangedAdminMixin, RulesAdminMixin, admin.ModelAdmin):
    government_path = "report__government"
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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.current_user = request.user  # a class made for this request by modelform_factory
        return form

    fieldsets = [
        (None, {"fields": ["report", "section", "area", "kind", "title", "text", "order"]}),
        (
            _("Assignment"),
            {
                "fields": ["lead_unit", "cooperating_units", "assignee", "due_on"],
                "description": _(
                    "Saved as the item page saves an assignment: one history entry, the same checks."
                ),
            },
        ),
        (_("Links"), {"fields": ["addresses", "carried_from", "stated_in"]}),
        (
            _("Workflow"),
            {
                "fields": [
                    "status",
                    "submitted_at",
                    "done_at",
                    "version",
                    "expected_version",
                    "created_at",
                    "updated_at",
                ],
                "description": _(
                    "The status moves only on the item's page: the lead unit submits, "
                    "and a reviewer other than the one who submitted approves or returns."
                ),
            },
        ),
    ]
    inlines = [MetricInline, ProgressUpdateInline]

    def get_queryset(self, request):
        # With select_related here, the changelist skips list_select_related: name them all.
        return super().get_queryset(request).select_related("report", "area", "lead_unit")

    def get_readonly_fields(self, request, obj=None):
        fixed = ["status", "submitted_at", "done_at", "version", "created_at", "updated_at", "stated_in"]
        # An item never moves to another year's report.
        return ["report", *fixed] if obj is not None else fixed

    def save_model(self, request, obj, form, change):
        """Through the services: a new item starts not started; a change of what an item says
        and a change of its assignment each leave one history entry and a new version."""
        cleaned = form.cleaned_data
        if not change:
            services.item_create(
                item=obj,
                user=request.user,
                cooperating_units=cleaned.get("cooperating_units") or [],
                addresses=cleaned.get("addresses") or [],
            )
            return
        item = Item.objects.select_related("report").get(pk=obj.pk)
        version = cleaned.get("expected_version")
        described = {name: cleaned[name] for name in services.DESCRIPTIVE if name in form.changed_data}
        assigned = {name: cleaned[name] for name in services.ASSIGNABLE if name in form.changed_data}
        if described:
            services.item_describe(item=item, user=request.user, changes=described, expected_version=version)
            version = item.version
        if assigned:
            services.items_assign(items=[item], user=request.user, changes=assigned, expected_version=version)

    def save_related(self, request, form, formsets, change):
        # The services above wrote the item's many-to-many links; only the inlines are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Metric)
class MetricAdmin(LedgerChangedAdminMixin, RulesAdminMixin, admin.ModelAdmin):
    form = OpenYearForm
    list_display = ["label", "value", "unit", "approximate", "item", "section"]
    list_filter = ["unit", "approximate"]
    search_fields = ["label"]
    autocomplete_fields = ["item", "section"]
    list_select_related = ["item", "section"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item__report", "section__report")


class EvidenceInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["original_name", "size", "content_type", "sha256", "uploaded_by", "created_at"]
    readonly_fields = fields


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(LedgerChangedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    government_path = "item__report__government"
    list_display = ["item", "author", "kind", "status_from", "status_to", "created_at"]
    list_filter = ["kind", "status_to", "item__report"]
    search_fields = ["note", "item__title", "author__username"]
    list_select_related = ["item", "author"]
    date_hierarchy = "created_at"
    inlines = [EvidenceInline]
    # The event is data: the page shows it in words, beside the note as written.
    exclude = ["event"]
    readonly_fields = [history_text]


@admin.register(Evidence)
class EvidenceAdmin(LedgerChangedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    government_path = "item__report__government"
    list_display = ["original_name", "size", "content_type", "uploaded_by", "created_at"]
    list_filter = ["content_type"]
    search_fields = ["original_name", "sha256", "item__title"]
    list_select_related = ["uploaded_by"]
    exclude = ["file"]


@admin.register(Review)
class ReviewAdmin(LedgerChangedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    government_path = "item__report__government"
    list_display = ["item", "reviewer", "decision", "created_at"]
    list_filter = ["decision", "item__report"]
    search_fields = ["item__title", "comment", "reviewer__username"]
    list_select_related = ["item", "reviewer"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(LedgerChangedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Requests and decisions are made on the item pages and the review queue."""

    government_path = "item__report__government"
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
    government_path = "item__report__government"
    list_display = ["item", "author", "created_at", "handled_at", "handled_by"]
    list_filter = ["item__report", ("handled_at", admin.EmptyFieldListFilter)]
    search_fields = ["item__title", "text", "author__username"]
    list_select_related = ["item", "author", "handled_by"]


@admin.register(Follow)
class FollowAdmin(RulesAdminMixin, admin.ModelAdmin):
    government_path = "item__report__government"
    form = OpenYearForm
    list_display = ["user", "item", "created_at"]
    search_fields = ["item__title", "user__username"]
    autocomplete_fields = ["user", "item"]
    list_select_related = ["user", "item"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The escalation rules that fired (tracker/escalation.py): one row per item and level."""

    government_path = "item__report__government"
    list_display = ["created_at", "item", "level", "days"]
    list_filter = ["level"]
    search_fields = ["item__title"]
    list_select_related = ["item"]
    date_hierarchy = "created_at"


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


class AffiliationInline(RulesInlineMixin, admin.StackedInline):
    """The user's own government: what he or she sees (it and every government below)."""

    model = Affiliation
    extra = 0
    max_num = 1
    autocomplete_fields = ["government"]
    verbose_name_plural = _("government")


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(RulesAdminMixin, DjangoUserAdmin):
    """Only administrators edit accounts: whoever edits them can make anyone a superuser."""

    inlines = [AffiliationInline, UserMembershipInline]
    list_filter = [*DjangoUserAdmin.list_filter, "affiliation__government", "memberships__unit"]

    def get_inlines(self, request, obj):
        # Django adds an account in two steps (name and password, then the rest): the
        # government is chosen with the rest, on the account's page.
        return self.inlines if obj is not None else [UserMembershipInline]

    def get_queryset(self, request):
        """The accounts of the governments the person sees: by their own government, or by
        their units'; the system administrator sees every account."""
        rows = super().get_queryset(request)
        if permissions.is_administrator(request.user):
            return rows  # the system administrator keeps every account, one not placed yet too
        inside = User.objects.filter(
            permissions.government_q(request.user, "affiliation__government")
            | permissions.government_q(request.user, "memberships__unit__government")
        )
        return rows.filter(pk__in=inside.values("pk"))

    def has_delete_permission(self, request, obj=None):
        return permissions.can_delete_user_in_admin(request.user, obj) and super().has_delete_permission(
            request, obj
        )


@admin.register(Affiliation)
class AffiliationAdmin(RulesAdminMixin, admin.ModelAdmin):
    """Who works for which government (also on each user's page)."""

    list_display = ["user", "government"]
    list_filter = ["government"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "government__name"]
    autocomplete_fields = ["user", "government"]
    list_select_related = ["user", "government"]
    government_path = "government"


@admin.register(Group)
class GroupAdmin(RulesAdminMixin, DjangoGroupAdmin):
    """The role groups' permissions are the admin's second lock: administrators keep them."""


@admin.register(PushTarget)
class PushTargetAdmin(RulesAdminMixin, admin.ModelAdmin):
    """Chat groups' robots told of the ledger's events (tracker.pushes)."""

    list_display = ["name", "kind", "government", "unit", "quiet_from", "quiet_until", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "unit__name", "government__name"]
    autocomplete_fields = ["government", "unit"]
    list_select_related = ["government", "unit"]
    # An address typed without its scheme is taken as https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Push)
class PushAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What was pushed to the chat groups, what waits and what failed, with the last error."""

    list_display = ["created_at", "title", "target", "state", "attempts", "sent_at", "last_error"]
    list_filter = ["state", "event", "target"]
    search_fields = ["title", "text"]
    list_select_related = ["target"]
