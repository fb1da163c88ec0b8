"""The item list's row, defined once: its columns, how each cell is drawn on the page
(``render_*``) and what each exported cell holds (``value_*``).

A row is a plain dict of ``ROW_FIELDS`` and ``ROW_RELATED`` (``ItemTable.rows_of(queryset)``):
the page's query and the exports' read the same shape, and no model instance is made per row.
django-tables2 draws the header, sorting links and paging; the page's rows are
``page_cells()`` and the files' ``export_cells()`` (CSV streamed and XLSX in constant memory
through ``ItemExport``), both calling the columns' own methods.
"""

from __future__ import annotations

import itertools
from html import escape

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, F, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from utilities.people import official_label, person_label
from utilities.sheets import StreamingExport

from .choices import ItemKind, ItemStatus
from .lights import SHORT_LABELS, Light, light_badge, light_of
from .paging import bounded_per_page
from .selectors import chase_counts, cooperating_unit_names, overdue_q, today
from .workflow import STATUS_COLOURS, status_label

# What a row holds: fields of Item, and flat names for what comes from a related row.
ROW_FIELDS = (
    "pk", "year", "kind", "title", "status", "due_on", "ongoing", "updated_at", "link_unsure",
    "assignee_id", "responsible_name", "responsible_post",
)  # fmt: skip
ROW_RELATED = {
    "area_name": F("area__name"),
    "lead_unit_name": F("lead_unit__name"),
    "assignee_first_name": F("assignee__first_name"),
    "assignee_last_name": F("assignee__last_name"),
    "assignee_username": F("assignee__username"),
}
# A row's government, by its short name where it has one (新乡县 rather than 新乡县人民政府).
GOVERNMENT_NAME = Coalesce(
    NullIf(F("report__government__short_name"), Value("")), F("report__government__name")
)
EXPORT_CHUNK = 2000
NOWRAP = {"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}}


class CountedPaginator(Paginator):
    """A paginator told its count (the list's status chips already counted the rows in one
    GROUP BY), so that it makes no COUNT(*) of its own."""

    def __init__(self, object_list, per_page, *args, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.count = count  # fills the cached_property


class ItemTable(tables.Table):
    """The item list. Reviewers tick rows for bulk assignment (``bulk``; the column is hidden
    for everyone else). ``export_*`` columns are in the files only. Every cell comes from its
    column's ``render_*`` / ``value_*``, which handle empty values themselves."""

    select = tables.CheckBoxColumn(
        accessor="pk",
        orderable=False,
        exclude_from_export=True,
        attrs={
            "th__input": {"data-select-all": "items", "aria-label": _("Select all on this page")},
            # One class for the header and the body cells ("cell" is both): hiding one without
            # the other in print shifts every header one column off its cells.
            "cell": {"class": "d-print-none"},
        },
    )
    export_id = tables.Column(accessor="pk", verbose_name=_("ID"), visible=False)
    year = tables.Column(verbose_name=_("Year"), attrs=NOWRAP)
    # Only for a supervisor who sees several governments (``governments=True``): which county's
    # 县司法局 a row is. Everyone else's table has no such column, nor its join.
    government = tables.Column(
        accessor="government_name",
        verbose_name=_("Government"),
        order_by=("report__government__path", "pk"),
        attrs=NOWRAP,
    )
    area = tables.Column(accessor="area_name", verbose_name=_("Area"))
    kind = tables.Column(verbose_name=_("Kind"), attrs=NOWRAP)
    title = tables.Column(verbose_name=_("Title"), attrs={"td": {"class": "item-title"}})
    lead_unit = tables.Column(accessor="lead_unit_name", verbose_name=_("Lead unit"))
    cooperating_units = tables.Column(accessor="pk", verbose_name=_("Cooperating units"), orderable=False)
    assignee = tables.Column(
        accessor="pk",
        verbose_name=_("Responsible person"),
        order_by=("assignee__first_name", "responsible_name", "pk"),
    )
    due_on = tables.Column(verbose_name=_("Deadline"), attrs=NOWRAP)
    status = tables.Column(verbose_name=_("Status"), attrs=NOWRAP)
    # From the row's deadline and status (tracker.lights): no query of its own.
    light = tables.Column(accessor="pk", verbose_name=_("Light"), orderable=False, attrs=NOWRAP)
    is_overdue = tables.Column(verbose_name=_("Overdue"), orderable=False, attrs=NOWRAP)
    chases = tables.Column(verbose_name=_("Times chased"), empty_values=(), orderable=False, attrs=NOWRAP)
    updated_at = tables.Column(verbose_name=_("Last update"), attrs=NOWRAP)
    export_text = tables.Column(accessor="text", verbose_name=_("Source text"), visible=False)

    export_title = _("Ledger items")
    # XLSX column widths, by column.
    WIDTHS = {
        "export_id": 8, "year": 8, "government": 16, "area": 22, "kind": 10, "title": 40,
        "lead_unit": 22, "cooperating_units": 24, "assignee": 12, "due_on": 12, "status": 10,
        "light": 6, "is_overdue": 8, "chases": 8, "updated_at": 17, "export_text": 60,
    }  # fmt: skip

    class Meta:
        sequence = (
            "select", "export_id", "year", "government", "area", "kind", "title", "lead_unit", "cooperating_units",
            "assignee", "due_on", "status", "light", "is_overdue", "chases", "updated_at", "export_text",
        )  # fmt: skip
        order_by = ("-year",)
        template_name = "tracker/item_table.html"
        attrs = {"class": "table table-hover table-sm align-middle item-table"}
        empty_text = _("No item matches these filters.")

    def get_column_class_names(self, classes_set, bound_column):
        # Each cell, header and body, names its column (column-area): print.css sizes them.
        return {*super().get_column_class_names(classes_set, bound_column), f"column-{bound_column.name}"}

    def __init__(self, data, *args, bulk: bool = False, governments: bool = False, **kwargs):
        if not governments:
            kwargs["exclude"] = (*kwargs.get("exclude", ()), "government")
        super().__init__(data, *args, **kwargs)
        self.bulk = bulk
        if not bulk:
            self.columns.hide("select")

    @property
    def export_widths(self) -> tuple[int, ...]:
        """The XLSX widths of the exported columns, in their order."""
        return tuple(
            self.WIDTHS[column.name]
            for column in self.columns.iterall()
            if not column.column.exclude_from_export
        )

    @staticmethod
    def rows_of(items, *, with_text: bool = False, governments: bool = False):
        """``items`` (a queryset of Item) as the table's rows: dicts of ``ROW_FIELDS`` and
        ``ROW_RELATED``, overdue included, the source text when ``with_text`` (the files show
        it, the page not), and the government's name when ``governments``."""
        fields = (*ROW_FIELDS, "text") if with_text else ROW_FIELDS
        related = {**ROW_RELATED, "government_name": GOVERNMENT_NAME} if governments else ROW_RELATED
        overdue = ExpressionWrapper(overdue_q(), output_field=BooleanField())
        return items.prefetch_related(None).values(*fields, **related, overdue=overdue)

    def paginate(self, paginator_class=CountedPaginator, per_page=None, page=1, *args, **kwargs):
        # RequestConfig hands ?per_page over as written: bound it (1 to 200).
        per_page = bounded_per_page(per_page, default=self._meta.per_page)
        return super().paginate(paginator_class, per_page, page, *args, **kwargs)

    @cached_property
    def cooperating(self) -> dict[int, list[str]]:
        """The page's rows' cooperating units (short names), in one query; the exports set
        full names chunk by chunk. (The page's rows are a sliced queryset, read once.)"""
        ids = [row.record["pk"] for row in self.paginated_rows]
        return cooperating_unit_names(ids) if ids else {}

    @cached_property
    def chased(self) -> dict[int, int]:
        """How often the page's rows were chased (催办), in one query; the exports set it
        chunk by chunk."""
        ids = [row.record["pk"] for row in self.paginated_rows]
        return chase_counts(ids) if ids else {}

    @cached_property
    def _item_url(self):
        """``pk -> /items/<pk>/`` with one reverse() for the whole table."""
        head, _, tail = reverse("tracker:item", args=[987654321]).partition("987654321")
        return lambda pk: f"{head}{pk}{tail}"

    @cached_property
    def _kind_labels(self) -> dict[str, str]:
        return {value: str(label) for value, label in ItemKind.choices}

    @cached_property
    def _status_labels(self) -> dict[tuple[str, str], str]:
        return {
            (kind, status): status_label(kind, status)
            for kind in ItemKind.values
            for status in ItemStatus.values
        }

    @cached_property
    def _words(self) -> dict[str, str]:
        """The cells' fixed words, translated once per table (not once per row)."""
        return {
            "select": gettext("Select"),
            "unsure": gettext("Shortfall to confirm"),
            "ongoing": gettext("Ongoing"),  # no fixed deadline: reviewed at the end of the year
            "overdue": gettext("Overdue"),
            "yes": gettext("Yes"),
        }

    @cached_property
    def _today(self):
        """The day the lights are judged on, once for the table (as ``overdue_q`` is, once
        per query)."""
        return today()

    @cached_property
    def _light_badges(self) -> dict:
        """Each light's badge, drawn once per table; a done item's cell reads "—"."""
        return {light: light_badge(light) for light in Light} | {None: "—"}

    @cached_property
    def _light_words(self) -> dict:
        """Each light's one word in the files (红 / 黄 / 绿); none for a done item."""
        return {light: str(SHORT_LABELS[light]) for light in Light} | {None: ""}

    @cached_property
    def _timezone(self):
        return timezone.get_current_timezone()

    # -- cells: render_* on the page, value_* in the files --------------------------------

    def render_select(self, record):
        if record["kind"] == ItemKind.ACHIEVEMENT:  # a record of the year: never assigned
            return ""
        return format_html(
            '<input class="form-check-input" type="checkbox" name="items" value="{}" form="bulk-assign" '
            'aria-label="{} {}">',
            record["pk"],
            self._words["select"],
            record["title"],
        )

    def value_export_id(self, record):
        return record["pk"]

    def render_year(self, record):
        return record["year"]

    def value_year(self, record):
        return record["year"]

    def render_government(self, record):
        return record["government_name"] or ""

    def value_government(self, record):
        return record["government_name"] or ""

    def render_area(self, record):
        return record["area_name"] or ""

    def value_area(self, record):
        return record["area_name"] or ""

    def render_kind(self, record):
        label = self.value_kind(record)
        if record["kind"] == ItemKind.ACHIEVEMENT:
            # The year's record, not work: its own muted badge, so tracked work reads at a glance.
            return format_html('<span class="badge kind-achievement">{}</span>', label)
        return label

    def value_kind(self, record):
        return self._kind_labels.get(record["kind"], record["kind"])

    def render_title(self, record):
        unsure = (
            format_html(' <span class="badge text-bg-warning">{}</span>', self._words["unsure"])
            if record["link_unsure"]
            else ""
        )
        return format_html('<a href="{}">{}</a>{}', self._item_url(record["pk"]), record["title"], unsure)

    def value_title(self, record):
        return record["title"]

    def render_lead_unit(self, record):
        return record["lead_unit_name"] or "—"

    def value_lead_unit(self, record):
        return record["lead_unit_name"] or ""

    def render_cooperating_units(self, record):
        return "、".join(self.cooperating.get(record["pk"], ())) or "—"

    def value_cooperating_units(self, record):
        return "、".join(self.cooperating.get(record["pk"], ()))

    def render_assignee(self, record):
        return self.value_assignee(record) or "—"

    def value_assignee(self, record):
        # A user of the lead unit, else an official named without an account (with the post).
        if record["assignee_id"] is not None:
            return person_label(
                record["assignee_first_name"], record["assignee_last_name"], record["assignee_username"]
            )
        return official_label(record["responsible_name"], record["responsible_post"])

    def render_due_on(self, record):
        if record["due_on"]:
            return record["due_on"].isoformat()
        return self._words["ongoing"] if record["ongoing"] else "—"  # ongoing: reviewed at year end

    def value_due_on(self, record):
        # A date (a date cell in XLSX, 2021-05-10 in CSV), else the word.
        return record["due_on"] or (self._words["ongoing"] if record["ongoing"] else "")

    def render_status(self, record):
        return format_html(
            '<span class="badge text-bg-{}">{}</span>',
            STATUS_COLOURS.get(record["status"], "secondary"),
            self.value_status(record),
        )

    def value_status(self, record):
        return self._status_labels.get((record["kind"], record["status"]), record["status"])

    def render_light(self, record):
        return self._light_badges[light_of(due_on=record["due_on"], status=record["status"], on=self._today)]

    def value_light(self, record):
        return self._light_words[light_of(due_on=record["due_on"], status=record["status"], on=self._today)]

    def render_is_overdue(self, record):
        if record["overdue"]:
            return format_html('<span class="badge text-bg-danger">{}</span>', self._words["overdue"])
        return ""

    def value_is_overdue(self, record):
        return self._words["yes"] if record["overdue"] else ""

    def render_chases(self, record):
        times = self.chased.get(record["pk"])
        return format_html('<span class="badge text-bg-warning">{}</span>', times) if times else ""

    def value_chases(self, record):
        return self.chased.get(record["pk"], 0)

    def render_updated_at(self, record):
        updated = record["updated_at"]
        return updated.astimezone(self._timezone).strftime("%Y-%m-%d %H:%M") if updated else ""

    def value_updated_at(self, record):
        # Local time to the minute, as the page shows it: a date-and-time cell in XLSX (which
        # knows no time zone), 2021-05-10 14:23 in CSV (utilities.sheets).
        updated = record["updated_at"]
        if not updated:
            return ""
        return updated.astimezone(self._timezone).replace(tzinfo=None, second=0, microsecond=0)

    def value_export_text(self, record):
        return record["text"]

    def order_year(self, queryset, is_descending):
        # Within a year, the report's own order: the index (-year, order, id) serves it.
        prefix = "-" if is_descending else ""
        return queryset.order_by(f"{prefix}year", "order", "pk"), True

    def body_html(self):
        """The page's rows (``tracker/item_table.html``): see ``page_cells``."""
        return page_cells(self)

    # -- exports ---------------------------------------------------------------------------

    def as_values(self, exclude_columns=None):
        """The header, then each row's ``value_*`` cells: the rows are read in chunks of
        EXPORT_CHUNK (a server-side cursor on PostgreSQL), each chunk's cooperating units and
        chase counts in two more queries, so a year of any size is written in constant memory."""
        columns = [
            column
            for column in self.columns.iterall()
            if not (column.column.exclude_from_export or column.name in (exclude_columns or ()))
        ]
        yield [str(column.header) for column in columns]
        rows = self.data.data.iterator(chunk_size=EXPORT_CHUNK)
        for chunk in iter(lambda: list(itertools.islice(rows, EXPORT_CHUNK)), []):
            ids = [row["pk"] for row in chunk]
            self.cooperating = cooperating_unit_names(ids, short=False)
            self.chased = chase_counts(ids)
            yield from export_cells(self, columns, chunk)


def page_cells(table: ItemTable):
    """The page's rows, each shown column's ``render_*`` called directly and its <td>
    attributes worked out once: django-tables2's own rows work out a cell's attributes and its
    render method's signature on every cell, most of the list page's time at 25 rows."""
    columns = [
        (getattr(table, f"render_{column.name}"), column.attrs["td"].as_html()) for column in table.columns
    ]
    rows = []
    for row in table.paginated_rows:
        cells = []
        for render, attrs in columns:
            value = render(row.record)
            cells.append(f"<td {attrs}>{value if isinstance(value, SafeData) else escape(str(value))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("\n".join(rows))


def export_cells(table: ItemTable, columns, rows):
    """Each row's ``value_*`` cells, called directly: django-tables2's own as_values() goes
    through a bound row and cell per value, too slow for a year of 100,000 items."""
    getters = [getattr(table, f"value_{column.name}") for column in columns]
    for record in rows:
        yield [get(record) for get in getters]


class ItemExport(StreamingExport):
    """The item list as a file: the CSV and XLSX ``ItemListView`` offers (``?_export=``), and
    the year's CSV on the year page and ``export_summary``."""

    @classmethod
    def of(cls, export_format: str, items) -> ItemExport:
        """The export of ``items`` (a queryset of Item, in the order the file lists them)."""
        return cls(export_format, ItemTable(ItemTable.rows_of(items, with_text=True), order_by=()))
