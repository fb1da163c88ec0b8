import django_tables2 as tables
from django.core.paginator import Paginator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Item
from .paging import bounded_per_page


class ItemTable(tables.Table):
    """The item list: columns, headers, sorting and paging.

    Rows are drawn by ``tracker/item_table.html`` straight from the records (five times
    faster than cell-by-cell rendering, which matters at 25 rows on every list view); keep
    its cells in the order of ``Meta.fields``. Each render_* has a value_* for plain text.
    """

    # All that a row shows (item_rows reads nothing else): the page's query fetches only
    # these, with the primary and foreign keys.
    ROW_FIELDS = (
        "year", "kind", "title", "status", "due_on", "updated_at", "area__name", "lead_unit__name",
        "assignee__username", "assignee__first_name", "assignee__last_name", "responsible_name",
        "responsible_post", "link_unsure", "ongoing",
    )  # fmt: skip

    # Reviewers tick rows for bulk assignment (the view excludes it for everyone else).
    select = tables.CheckBoxColumn(
        accessor="pk",
        orderable=False,
        exclude_from_export=True,
        attrs={"th__input": {"data-select-all": "items", "aria-label": _("Select all on this page")}},
    )
    year = tables.Column(
        accessor="year",
        verbose_name=_("Year"),
        attrs={"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}},
    )
    area = tables.Column(accessor="area__name", verbose_name=_("Area"))
    kind = tables.Column(
        verbose_name=_("Kind"), attrs={"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}}
    )
    title = tables.Column(linkify=True, verbose_name=_("Title"), attrs={"td": {"class": "item-title"}})
    lead_unit = tables.Column(accessor="lead_unit__name", verbose_name=_("Lead unit"))
    cooperating_units = tables.ManyToManyColumn(
        verbose_name=_("Cooperating units"),
        transform=lambda unit: unit.short_name or unit.name,
        separator="、",
    )
    assignee = tables.Column(
        verbose_name=_("Responsible person"),
        empty_values=(),
        order_by=("assignee__first_name", "responsible_name", "pk"),
    )
    due_on = tables.DateColumn(
        format="Y-m-d",
        verbose_name=_("Deadline"),
        attrs={"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}},
    )
    status = tables.Column(
        verbose_name=_("Status"), attrs={"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}}
    )
    is_overdue = tables.Column(
        verbose_name=_("Overdue"),
        orderable=False,
        empty_values=(),
        attrs={"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}},
    )
    updated_at = tables.DateTimeColumn(
        format="Y-m-d H:i",
        verbose_name=_("Last update"),
        attrs={"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}},
    )

    class Meta:
        model = Item
        fields = [
            "select",
            "year",
            "area",
            "kind",
            "title",
            "lead_unit",
            "cooperating_units",
            "assignee",
            "due_on",
            "status",
            "is_overdue",
            "updated_at",
        ]
        order_by = ("-year",)
        template_name = "tracker/item_table.html"
        attrs = {"class": "table table-hover table-sm align-middle item-table"}
        empty_text = _("No item matches these filters.")

    def paginate(self, paginator_class=Paginator, per_page=None, page=1, *args, **kwargs):
        # RequestConfig hands ?per_page over as written: bound it (1 to 200).
        per_page = bounded_per_page(per_page, default=self._meta.per_page)
        return super().paginate(paginator_class, per_page, page, *args, **kwargs)

    def render_kind(self, record):
        return record.get_kind_display()

    def render_assignee(self, record):
        # A user of the lead unit, else an official named without an account (with the post).
        return record.responsible_label or "—"

    def value_assignee(self, record):
        return record.responsible_label

    def render_status(self, record):
        return format_html(
            '<span class="badge text-bg-{}">{}</span>', record.status_colour, record.status_label
        )

    def value_status(self, record):
        return record.status_label

    def render_is_overdue(self, record):
        if record.is_overdue:
            return format_html('<span class="badge text-bg-danger">{}</span>', _("Overdue"))
        return ""

    def value_is_overdue(self, record):
        return _("Overdue") if record.is_overdue else ""

    def order_year(self, queryset, is_descending):
        # Within a year, the report's own order: the index (-year, order, id) serves it.
        prefix = "-" if is_descending else ""
        return queryset.order_by(f"{prefix}year", "order", "pk"), True
