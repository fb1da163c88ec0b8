import functools

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from reports.models import AnnualReport

from .choices import ItemKind
from .forms import assignment_choices
from .models import Area, Item
from .search import search_items
from .selectors import overdue_q
from .widgets import FastSelect
from .workflow import tracked_q

# The kind filter's choice for every kind of tracked work (what the figures count), beside the
# kinds themselves: the dashboard's links open the list on exactly the items a figure counts.
TRACKED = "tracked"


class ItemFilter(django_filters.FilterSet):
    """Filters of the item list. Every choice list is small (years, areas, units).

    Status is not here: the list's status chips set it, and count the rows of every status
    under the other filters (see ItemListView).
    """

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    year = django_filters.ChoiceFilter(method="filter_year", label=_("Year"), empty_label=None)
    area = django_filters.ModelChoiceFilter(
        queryset=Area.objects.all(), label=_("Area"), empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(
        choices=[(TRACKED, _("Tracked work (no achievements)")), *ItemKind.choices],
        method="filter_kind",
        label=_("Kind"),
        empty_label=_("All"),
    )
    lead_unit = django_filters.TypedChoiceFilter(
        field_name="lead_unit_id", label=_("Lead unit"), coerce=int, empty_value=None
    )
    cooperating_unit = django_filters.TypedChoiceFilter(
        method="filter_cooperating", label=_("Cooperating unit"), coerce=int, empty_value=None
    )
    assignee = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(memberships__isnull=False).distinct().order_by("username"),
        label=_("Responsible person"),
        empty_label=_("All"),
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

    # Measures whose shortfall the import could not tell, for a reviewer to link.
    links = django_filters.ChoiceFilter(
        choices=[("unsure", _("Shortfall to confirm"))],
        method="filter_links",
        label=_("Shortfall links"),
        empty_label=_("All"),
    )

    class Meta:
        model = Item
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
            "links",
            "section",
        ]

    ALL_YEARS = "all"
    # See tracker.search and ItemListView.page_rows.
    use_search_index = True

    def __init__(self, data=None, *args, **kwargs):
        reports = AnnualReport.objects.order_by("-year")
        years = [str(y) for y in reports.values_list("year", flat=True)]
        if years and (data is None or not data.get("year")):
            # The list opens on the newest year: the ledger people work on now.
            data = data.copy() if data is not None else QueryDict(mutable=True)
            data["year"] = years[0]
        super().__init__(data, *args, **kwargs)
        everything = ("", _("All"))
        self.filters["year"].extra["choices"] = [(self.ALL_YEARS, _("All years")), *((y, y) for y in years)]
        # Units and people from the assignment choices (cached a minute per process, cleared
        # when units, memberships or users change: tracker.forms.assignment_choices).
        unit_choices, people = assignment_choices()
        units = [everything, *unit_choices]
        self.filters["lead_unit"].extra["choices"] = units
        self.filters["cooperating_unit"].extra["choices"] = units
        # Areas and people as plain (id, label) lists, read only when the form is drawn
        # (exports build the filterset too), once: no model instances for the selects.
        plain_choices = {
            "area": functools.cache(lambda: [everything, *Area.objects.values_list("pk", "name")]),
            "assignee": lambda: [everything, *people],
        }
        for name, field in self.form.fields.items():
            if name in plain_choices:
                field.widget = FastSelect(attrs={"class": "form-select"}, choices=plain_choices[name])
            elif hasattr(field, "choices"):
                field.widget = FastSelect(attrs={"class": "form-select"}, choices=field.choices)
            else:
                field.widget.attrs.setdefault("class", "form-control")
            if name.startswith("due_"):
                field.widget.input_type = "date"
        self.form.fields["q"].widget.attrs["placeholder"] = _("Words in the title or source text")

    def filter_year(self, queryset, name, value):
        return queryset if value == self.ALL_YEARS else queryset.filter(year=int(value))

    def filter_q(self, queryset, name, value):
        # Substring match over title and source text; tracker.search says how it stays fast.
        value = value.strip()
        return search_items(queryset, value, use_index=self.use_search_index) if value else queryset

    def filter_kind(self, queryset, name, value):
        return queryset.filter(tracked_q()) if value == TRACKED else queryset.filter(kind=value)

    def filter_cooperating(self, queryset, name, unit_id):
        through = Item.cooperating_units.through.objects.filter(unit_id=unit_id).values("item_id")
        return queryset.filter(pk__in=through)

    def filter_overdue(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(overdue_q())
        if value == "no":
            return queryset.exclude(overdue_q())
        return queryset

    def filter_links(self, queryset, name, value):
        return queryset.filter(link_unsure=True) if value == "unsure" else queryset
