import django_filters
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from reports.models import AnnualReport
from utilities.people import user_label

from . import permissions
from .choices import ItemKind, MessageKind
from .lights import Light, light_q
from .models import Area, Government, Item, Message
from .search import search_items
from .selectors import (
    due_soon_q,
    governments_visible_to,
    open_instruction_q,
    overdue_q,
    pending_extension_q,
    people_to_choose,
    reports_visible_to,
    units_to_choose,
)
from .widgets import AutocompleteFormMixin, AutocompleteSelect
from .workflow import tracked_q

# The kind filter's choice for every kind of tracked work (what the figures count), beside the
# kinds themselves: the dashboard's links open the list on exactly the items a figure counts.
TRACKED = "tracked"
# The lead unit's and the area's choice for the items that have none (``?lead_unit=none``):
# the figures count them in a row of their own.
NONE = "none"


class FilterForm(AutocompleteFormMixin, forms.Form):
    """The filters' form: its searchable selects draw what was chosen without a query."""


class PersonField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return user_label(obj)


class PersonFilter(django_filters.ModelChoiceFilter):
    field_class = PersonField


class ItemFilter(django_filters.FilterSet):
    """Filters of the item list. Units, people and areas are searched as the person types
    (tracker.widgets); the other choice lists are short.

    Status is not here: the list's status chips set it, and count the rows of every status
    under the other filters (see ItemListView).
    """

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    year = django_filters.ChoiceFilter(method="filter_year", label=_("Year"), empty_label=None)
    area = django_filters.ModelChoiceFilter(
        queryset=Area.objects.all(),
        label=_("Area"),
        empty_label=_("All"),
        null_label=_("No area"),
        null_value=NONE,
        widget=AutocompleteSelect("tracker:autocomplete_areas"),
    )
    kind = django_filters.ChoiceFilter(
        choices=[(TRACKED, _("Tracked work (no achievements)")), *ItemKind.choices],
        method="filter_kind",
        label=_("Kind"),
        empty_label=_("All"),
    )
    lead_unit = django_filters.ModelChoiceFilter(
        queryset=units_to_choose(),
        label=_("Lead unit"),
        empty_label=_("All"),
        null_label=_("No lead unit yet"),
        null_value=NONE,
        widget=AutocompleteSelect("tracker:autocomplete_units"),
    )
    cooperating_unit = django_filters.ModelChoiceFilter(
        queryset=units_to_choose(),
        method="filter_cooperating",
        label=_("Cooperating unit"),
        empty_label=_("All"),
        widget=AutocompleteSelect("tracker:autocomplete_units"),
    )
    assignee = PersonFilter(
        queryset=people_to_choose(),
        label=_("Responsible person"),
        empty_label=_("All"),
        widget=AutocompleteSelect("tracker:autocomplete_people"),
    )
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte", label=_("Due from"))
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label=_("Due by"))
    # From the year page's "see all" links: one section of the report's outline.
    section = django_filters.NumberFilter(field_name="section_id", widget=forms.HiddenInput)
    overdue = django_filters.ChoiceFilter(
        choices=[("yes", _("Overdue only")), ("no", _("Not overdue"))],
        method="filter_overdue",
        label=_("Overdue"),
        empty_label=_("All"),
    )
    # Traffic lights (tracker.lights): the dashboard's and the scoreboard's light figures.
    light = django_filters.ChoiceFilter(
        choices=Light.choices, method="filter_light", label=_("Light"), empty_label=_("All")
    )
    # The staff home's "due within two weeks" and the dashboard's extension requests: each
    # figure opens the list on exactly the items it counts, as of today.
    due_soon = django_filters.ChoiceFilter(
        choices=[("yes", _("Due within two weeks"))],
        method="filter_due_soon",
        label=_("Due soon"),
        empty_label=_("All"),
    )
    extension = django_filters.ChoiceFilter(
        choices=[("pending", _("Extension requested"))],
        method="filter_extension",
        label=_("Extension"),
        empty_label=_("All"),
    )
    # The dashboard's instructions not yet handled: their items.
    instruction = django_filters.ChoiceFilter(
        choices=[("open", _("Instruction not yet handled"))],
        method="filter_instruction",
        label=_("Leader's instruction"),
        empty_label=_("All"),
    )

    # A supervisor's items of one government and those below it (issue 19): the dashboard's
    # links of the government in view carry it. Offered only to who sees several.
    government = django_filters.ModelChoiceFilter(
        queryset=Government.objects.none(),
        method="filter_government",
        label=_("Government"),
        empty_label=_("All"),
    )

    # Measures whose shortfall the import could not tell, for a reviewer to link.
    links = django_filters.ChoiceFilter(
        choices=[("unsure", _("Shortfall to confirm"))],
        method="filter_links",
        label=_("Shortfall links"),
        empty_label=_("All"),
    )

    class Meta:
        model = Item
        form = FilterForm
        fields = [
            "q",
            "year",
            "area",
            "kind",
            "lead_unit",
            "cooperating_unit",
            "assignee",
            "due_after",
            "due_before",
            "overdue",
            "light",
            "due_soon",
            "extension",
            "instruction",
            "links",
            "section",
            "government",
        ]

    ALL_YEARS = "all"
    # See tracker.search and ItemListView.page_rows.
    use_search_index = True

    def __init__(self, data=None, *args, **kwargs):
        user = kwargs["request"].user if kwargs.get("request") is not None else None
        reports = AnnualReport.objects.order_by("-year") if user is None else reports_visible_to(user)
        years = sorted({str(y) for y in reports.values_list("year", flat=True)}, reverse=True)
        if years and (data is None or not data.get("year")):
            # The list opens on the newest year: the ledger people work on now.
            data = data.copy() if data is not None else QueryDict(mutable=True)
            data["year"] = years[0]
        super().__init__(data, *args, **kwargs)
        if user is not None:  # units and people of the governments the person sees only
            for name in ("lead_unit", "cooperating_unit"):
                self.filters[name].queryset = units_to_choose(user)
            self.filters["assignee"].queryset = people_to_choose(user)
        if user is not None and permissions.supervises(user):
            self.filters["government"].queryset = governments_visible_to(user)
        else:
            del self.filters["government"]
        self.filters["year"].extra["choices"] = [(self.ALL_YEARS, _("All years")), *((y, y) for y in years)]
        for name, field in self.form.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
            else:
                field.widget.attrs.setdefault("class", "form-control")
            if name.startswith("due_"):
                field.widget.input_type = "date"
        self.form.fields["q"].widget.attrs["placeholder"] = _("Words in the title or source text")

    def in_force(self) -> list[tuple[str, str, str]]:
        """The filters set, as a person reads them: (name, label, value) such as
        (lead_unit, 牵头单位, 县司法局), in the form's order; a value the form refused is left
        out (the page says why). The section is the view's to name (it reads the outline)."""
        if not self.is_bound:
            return []
        self.is_valid()
        described = []
        for name, field in self.form.fields.items():
            value = self.form.cleaned_data.get(name)
            if value in (None, "") or name == "section":
                continue
            if isinstance(field, forms.ModelChoiceField):
                text = field.label_from_instance(value)
            elif isinstance(field, forms.ChoiceField):
                text = dict(field.choices).get(value, value)
            elif name == "q":
                text = f"“{value}”"
            else:
                text = value.isoformat() if hasattr(value, "isoformat") else value
            described.append((name, str(field.label), str(text)))
        return described

    def filter_year(self, queryset, name, value):
        return queryset if value == self.ALL_YEARS else queryset.filter(year=int(value))

    def filter_government(self, queryset, name, value):
        return queryset.filter(report__government__path__startswith=value.path)

    def filter_q(self, queryset, name, value):
        # Substring match over title and source text; tracker.search says how it stays fast.
        value = value.strip()
        return search_items(queryset, value, use_index=self.use_search_index) if value else queryset

    def filter_kind(self, queryset, name, value):
        return queryset.filter(tracked_q()) if value == TRACKED else queryset.filter(kind=value)

    def filter_cooperating(self, queryset, name, unit):
        through = Item.cooperating_units.through.objects.filter(unit=unit).values("item_id")
        return queryset.filter(pk__in=through)

    def filter_overdue(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(overdue_q())
        if value == "no":
            return queryset.exclude(overdue_q())
        return queryset

    def filter_light(self, queryset, name, value):
        return queryset.filter(light_q(value)) if value else queryset

    def filter_due_soon(self, queryset, name, value):
        return queryset.filter(due_soon_q()) if value == "yes" else queryset

    def filter_extension(self, queryset, name, value):
        return queryset.filter(pending_extension_q()) if value == "pending" else queryset

    def filter_instruction(self, queryset, name, value):
        return queryset.filter(open_instruction_q()) if value == "open" else queryset

    def filter_links(self, queryset, name, value):
        return queryset.filter(link_unsure=True) if value == "unsure" else queryset


class MessageFilter(django_filters.FilterSet):
    """The message centre's filters: what kind of message, and the unread ones only."""

    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=MessageKind.choices, empty_label=_("All kinds")
    )
    # Ticked: the unread ones only; not ticked: all (never the read ones only).
    unread = django_filters.BooleanFilter(
        label=_("Unread only"), method="filter_unread", widget=forms.CheckboxInput
    )

    class Meta:
        model = Message
        fields = ["kind", "unread"]

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=True) if value else queryset
