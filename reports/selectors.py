"""Reads about annual reports."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Subquery, Window
from django.db.models.functions import RowNumber

from tracker import permissions
from tracker.choices import ItemStatus
from tracker.freshness import cached
from tracker.models import Area, Item, Metric, Unit
from tracker.selectors import (
    carried_ends,
    items_visible_to,
    status_counts_by_report,
    visible_item_q,
    with_carried,
    with_measures,
)

from .importing import ParsedReport
from .importing.summary import parse_counts
from .models import AnnualReport, Section
from .services import default_work_due_on, report_parse, text_sha256


def reports_with_status_counts(
    user, *, by_year: dict[int, dict[str, int]] | None = None
) -> list[AnnualReport]:
    """Every year, newest first, with the counts of the items ``user`` may see.

    Each report gets ``.counts`` (by status, plus ``total``) and ``.status_cells`` (the
    counts in status order). Two queries whatever the number of years and items; one when
    the caller already counted by year (``by_year``, for people who see every item).
    """
    empty = dict.fromkeys([*ItemStatus.values, "total"], 0)
    reports = list(AnnualReport.objects.order_by("-year").only("pk", "year", "title", "state", "issuer"))
    if by_year is None:
        by_report = status_counts_by_report(user)
        by_year = {report.year: by_report.get(report.pk, empty) for report in reports}
    for report in reports:
        report.counts = by_year.get(report.year, empty)
        report.status_cells = [report.counts[status] for status in ItemStatus.values]
    return reports


def units_of(user) -> list[Unit]:
    """The units ``user`` belongs to, for the home page header."""
    return list(Unit.objects.filter(pk__in=permissions.unit_ids(user)).order_by("name"))


def _visible(user):
    """The items ``user`` may see; every item when ``user`` is None (the command line)."""
    return Item.objects.all() if user is None else items_visible_to(user)


def last_year_values(report: AnnualReport, user=None):
    """A function ``(label, unit, carried_from_id) -> last year's value or None``: the carried
    item's figure in the same unit, else a figure of last year with the same label and unit,
    read only from last year's items ``user`` may see (a figure of another unit's item stays
    with that item). One query (none for a first year)."""
    rows = []
    if report.previous_id:
        last_year = Metric.objects.filter(item__report_id=report.previous_id).order_by("-pk")
        condition = visible_item_q(user, "item_id")
        if condition is not None:
            last_year = last_year.filter(condition)
        rows = last_year.values_list("item_id", "label", "unit", "value")
    return _last_year_lookup(rows)


def _last_year_lookup(rows):
    """The lookup of ``last_year_values`` over last year's ``(item_id, label, unit, value)``
    rows, newest first (so that for a label the oldest figure stays)."""
    previous: dict[tuple, object] = {}
    carried: dict[tuple, object] = {}
    for item_id, label, unit, value in rows:
        previous[(label, unit)] = value
        carried[(item_id, unit)] = value

    def lookup(label: str, unit: str, carried_from_id: int | None):
        value = carried.get((carried_from_id, unit)) if carried_from_id else None
        return previous.get((label, unit)) if value is None else value

    return lookup


# A county's report holds tens of items, and the year page shows every one in its place. A
# year with more (a province's ledger, synthetic benchmark data) shows the first
# OUTLINE_PER_SECTION of each section and links to the item list for the rest.
OUTLINE_ALL_UP_TO = 300
OUTLINE_PER_SECTION = 10


def report_outline_rows(*, report: AnnualReport, user) -> list[Section]:
    """The report's sections in outline order, each with ``.item_list`` (those ``user`` may see,
    with ``.metric_list``, each metric with ``.last_value``), ``.item_count`` (all of them,
    shown or not) and ``.metric_list`` (quantities in the section's own text).

    Five queries whatever the size of the report: sections, the ranking of the items (which
    to show, counts by section; cached until the ledger changes), the items shown, their
    cooperating units, and every metric the page needs (the sections', the items', last
    year's) in one.
    """
    sections = list(report.sections.select_related("area").order_by("order", "pk"))
    # Which items to show, over narrow rows (item_report_section_idx alone): each item's rank
    # and count in its section and the year's count, by window functions; past
    # OUTLINE_ALL_UP_TO only the first few of each section. Then those items, whole.
    # Cached until the ledger changes (it reads every item of the year).
    counts, shown_ids, year_count = cached(
        "outline",
        report.pk,
        permissions.visibility_key(user),
        OUTLINE_ALL_UP_TO,
        OUTLINE_PER_SECTION,
        build=lambda: _outline_ranking(report, user),
    )
    items = list(
        Item.objects.filter(pk__in=shown_ids)
        .select_related("lead_unit", "area")
        .prefetch_related("cooperating_units")
        .order_by("order", "pk")
    )
    metrics = _outline_metrics(report, items, sections, user=user, small=year_count <= OUTLINE_ALL_UP_TO)
    by_section: dict[int | None, list] = defaultdict(list)
    for item in items:
        item.metric_list = metrics.of_item.get(item.pk, [])
        by_section[item.section_id].append(item)
        for metric in item.metric_list:
            metric.last_value = metrics.last_value(metric.label, metric.unit, item.carried_from_id)
    parents = {section.parent_id for section in sections}
    for section in sections:
        section.item_list = by_section.get(section.pk, [])
        section.item_count = counts.get(section.pk, 0)
        section.metric_list = metrics.of_section.get(section.pk, [])
        # A leaf whose whole text is an item: the page shows the item in its place.
        section.is_item = (
            bool(section.item_list)
            and section.item_count == len(section.item_list)
            and section.pk not in parents
        )
    if counts.get(None):
        # Items without a section (kept on replace, or carried over) are listed at the end.
        sections.append(Section(report=report, level=1, heading="", kind="other", order=len(sections)))
        sections[-1].item_list = by_section.get(None, [])
        sections[-1].item_count = counts[None]
        sections[-1].metric_list = []
        sections[-1].is_item = False
    return sections


def _outline_ranking(report: AnnualReport, user) -> tuple[dict, list, int]:
    """(count by section, ids of the items to show, the year's count) in one query."""
    in_section = {"partition_by": F("section_id")}
    ranked = (
        items_visible_to(user)
        .filter(report=report)
        .annotate(
            rank=Window(RowNumber(), order_by=(F("order").asc(), F("pk").asc()), **in_section),
            section_count=Window(Count("*"), **in_section),
            year_count=Window(Count("*")),
        )
        .filter(Q(rank__lte=OUTLINE_PER_SECTION) | Q(year_count__lte=OUTLINE_ALL_UP_TO))
        .order_by()  # the model's ordering would join the report and sort every row
    )
    counts, shown_ids, year_count = {}, [], 0
    for pk, section_id, section_count, of_year in ranked.values_list(
        "pk", "section_id", "section_count", "year_count"
    ):
        counts[section_id] = section_count
        shown_ids.append(pk)
        year_count = of_year
    return counts, shown_ids, year_count


@dataclass
class _OutlineMetrics:
    of_item: dict
    of_section: dict
    last_value: object  # (label, unit, carried_from_id) -> value or None


def _outline_metrics(
    report: AnnualReport, items: list, sections: list, *, user, small: bool
) -> _OutlineMetrics:
    """The metrics of ``sections`` (the report's) and of ``items``, and last year's to compare
    with: the carried item's figure in the same unit, else (in a county-size year, ``small``)
    last year's figure with the same label and unit. In a province-size year a label such as
    培训次数 recurs thousands of times, so only the carried item's figure means anything. Last
    year's figures come only from items ``user`` may see: the item carried from may belong
    to another unit. One query."""
    shown = {item.pk for item in items}
    carried_ids = [item.carried_from_id for item in items if item.carried_from_id]
    # Plain id lists, no joins: each part of the condition reads its own index.
    wanted = Q(section_id__in=[section.pk for section in sections]) | Q(item_id__in=shown)
    if report.previous_id:
        last_year = Q(item_id__in=carried_ids)
        if small:
            last_year |= Q(item_id__in=Item.objects.filter(report_id=report.previous_id).values("pk"))
        visible = visible_item_q(user, "item_id")
        wanted |= last_year if visible is None else last_year & visible
    of_item, of_section = defaultdict(list), defaultdict(list)
    last_year = []
    for metric in Metric.objects.filter(wanted).order_by("order", "pk"):
        if metric.section_id is not None:
            of_section[metric.section_id].append(metric)
        elif metric.item_id in shown:
            of_item[metric.item_id].append(metric)
        else:
            last_year.append(metric)
    last_year.sort(key=lambda metric: -metric.pk)
    last_value = _last_year_lookup((m.item_id, m.label, m.unit, m.value) for m in last_year)
    return _OutlineMetrics(of_item=dict(of_item), of_section=dict(of_section), last_value=last_value)


@dataclass
class PreviewRow:
    level: int
    number: str
    heading: str
    kind: str  # task / shortfall / measure / context
    section_kind: str
    area: str
    text: str
    index: int | None = None  # the item's index, for the unit choice
    suggested_unit: int | None = None
    suggested_names: list[str] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # a measure's shortfalls (item indices)
    link_sure: bool = True


@dataclass
class ImportPreview:
    parsed: ParsedReport
    rows: list[PreviewRow]
    counts: dict
    existing: AnnualReport | None
    duplicate: bool
    replace: bool
    units_matched: list[str]
    shortfalls: list[tuple[int, str]] = field(default_factory=list)  # (item index, title)
    due_on: datetime.date | None = None  # the default deadline of the next year's work

    @property
    def work_year(self) -> int:
        return self.parsed.year + 1

    @property
    def unsure_links(self) -> int:
        return sum(1 for row in self.rows if row.kind == "measure" and not row.link_sure)


def import_preview(*, text: str, year: int | None, replace: bool) -> ImportPreview:
    """What an import of ``text`` would write, for the reviewer to check before confirming."""
    parsed, names = report_parse(text=text, year=year)
    areas = dict(Area.objects.values_list("code", "name"))
    item_index = {id(item.node): n for n, item in enumerate(parsed.items)}
    body = parsed.cleaned_text
    rows = []
    if parsed.preamble:
        rows.append(PreviewRow(0, "", "", "context", "context", "", parsed.preamble))
    for node in parsed.root.walk():
        if node.rank == 0:
            continue
        index = item_index.get(id(node))
        if index is None:
            rows.append(
                PreviewRow(
                    level=node.level,
                    number=node.number,
                    heading=node.heading,
                    kind="context",
                    section_kind=node.kind,
                    area=areas.get(node.area, ""),
                    text="\n".join(body[a:b] for a, b in node.segments),
                )
            )
            continue
        item = parsed.items[index]
        rows.append(
            PreviewRow(
                level=node.level,
                number=node.number,
                heading=item.title,
                kind=item.kind,
                section_kind=node.kind,
                area=areas.get(item.area, ""),
                text=item.text,
                index=index,
                suggested_unit=item.unit_keys[0] if item.unit_keys else None,
                suggested_names=[names[key] for key in item.unit_keys if key in names],
                answers=item.answers,
                link_sure=item.link_sure,
            )
        )
    existing = AnnualReport.objects.filter(year=parsed.year).first()
    duplicate = bool(existing and existing.source_sha256 == text_sha256(text) and existing.sections.exists())
    units_matched: list[str] = []
    for item in parsed.items:
        for key in item.unit_keys:
            if names.get(key) and names[key] not in units_matched:
                units_matched.append(names[key])
    return ImportPreview(
        parsed=parsed,
        rows=rows,
        counts=parse_counts(parsed),
        existing=existing,
        duplicate=duplicate,
        replace=replace,
        units_matched=units_matched,
        shortfalls=[(n, item.title) for n, item in enumerate(parsed.items) if item.kind == "shortfall"],
        due_on=default_work_due_on(parsed.year),
    )


LAST_YEAR_SHOWN = 50


def last_year_shortfalls(*, report: AnnualReport, user, limit: int | None = None) -> list:
    """上年度问题整改情况: each of the previous year's shortfalls that ``user`` may see (every
    one for None) with its measures, and where each stands now (itself, or the item it was
    carried into); the first ``limit`` of them when given.

    Of a linked item (a measure, the item carried into this year) only those ``user`` may
    see: each shortfall has ``measure_list`` and ``hidden_measures`` (how many others; see
    ``tracker.selectors.with_measures``), it and each measure ``carried_to_item`` and
    ``carried_to_hidden`` (``tracker.selectors.carried_ends``).

    Three queries whatever the number of shortfalls.
    """
    if report.previous_id is None:
        return []
    # By year (the same rows as the previous report's): item_year_order_idx then serves the
    # order, and the first ``limit`` come without reading the rest.
    previous_year = AnnualReport.objects.filter(pk=report.previous_id).values("year")
    shortfalls = _visible(user).filter(year=Subquery(previous_year), kind="shortfall")
    if limit is not None:
        shortfalls = shortfalls.filter(
            pk__in=shortfalls.order_by("order", "pk").values_list("pk", flat=True)[:limit]
        )
    measures = with_carried(Item.objects.select_related("lead_unit"), user, ends=("carried_to",))
    rows = list(
        with_measures(
            with_carried(shortfalls.select_related("lead_unit"), user, ends=("carried_to",)),
            user,
            measures=measures.order_by("order", "pk"),
        ).order_by("order", "pk")
    )
    for shortfall in rows:
        carried_ends(shortfall)
        for measure in shortfall.measure_list:
            carried_ends(measure)
    return rows


@dataclass
class AnnualSummary:
    """What the annual summary exports hold for one year, restricted to what a person may see."""

    report: AnnualReport
    figures: object  # tracker.scoreboard.YearFigures
    tasks: object  # iterable of items
    # iterable of shortfalls, each with .measure_list (those the person may see) and
    # .hidden_measures (how many others), see tracker.selectors.with_measures
    shortfalls: object
    metrics: object = ()  # iterable of (metric, item, last year's value or None)


def annual_summary(*, report: AnnualReport, user=None) -> AnnualSummary:
    """The year's figures and rows for the exports. ``user`` None means every item (the
    command line); otherwise staff get their own units' rows, leaders and reviewers all.

    A fixed number of queries; rows are read in chunks (constant memory).
    """
    from django.db.models import OuterRef, Subquery

    from tracker.models import ProgressUpdate
    from tracker.scoreboard import year_figures

    visible = _visible(user)
    items = visible.filter(report=report)
    latest_note = Subquery(
        ProgressUpdate.objects.filter(item=OuterRef("pk"), kind="progress")
        .exclude(note="")
        .order_by("-created_at", "-pk")
        .values("note")[:1]
    )
    # The ledger shows no source text: leave it in the database (memory stays flat).
    items = items.defer("text")
    tasks = (
        items.filter(kind="task")
        .select_related("area", "lead_unit", "assignee")
        .prefetch_related("cooperating_units")
        .annotate(latest_note=latest_note)
        .order_by("order", "pk")
        .iterator(chunk_size=2000)
    )
    # Each shortfall with the measures ``user`` may see (their latest note too) and how many
    # others answer it: a measure may belong to another unit.
    shortfalls = (
        with_measures(
            items.filter(kind="shortfall").select_related("lead_unit"),
            user,
            measures=Item.objects.defer("text")
            .select_related("lead_unit")
            .annotate(latest_note=latest_note)
            .order_by("order", "pk"),
        )
        .order_by("order", "pk")
        .iterator(chunk_size=2000)
    )
    metrics = (
        Metric.objects.filter(item__in=items)
        .select_related("item")
        .only("label", "value", "unit", "approximate", "item__title", "item__carried_from_id")
        .order_by("item__order", "item_id", "order", "pk")
    )
    last_value = last_year_values(report, user)

    def rows():
        for metric in metrics.iterator(chunk_size=2000):
            item = metric.item
            yield metric, item, last_value(metric.label, metric.unit, item.carried_from_id)

    return AnnualSummary(
        report=report,
        figures=year_figures(year=report.year, items=visible),
        tasks=tasks,
        shortfalls=shortfalls,
        metrics=rows(),
    )


@dataclass
class ReportDraft:
    """The text of the DOCX draft: a title, an opening, and parts of (subheading, lines)."""

    title: str
    opening: str
    issuer: str
    nothing: str
    parts: list = field(default_factory=list)


def report_draft(*, report: AnnualReport, user=None) -> ReportDraft:
    """The year's report drafted from the ledger, in the order of the five required contents
    (plus last year's shortfalls). ``user`` None means every item. Five queries."""
    from django.db.models import OuterRef, Subquery
    from django.utils.translation import gettext as _

    from tracker.models import ProgressUpdate
    from tracker.workflow import other_units_label

    visible = _visible(user)
    latest_note = Subquery(
        ProgressUpdate.objects.filter(item=OuterRef("pk"), kind="progress")
        .exclude(note="")
        .order_by("-created_at", "-pk")
        .values("note")[:1]
    )
    items = list(
        visible.filter(report=report)
        .select_related("area", "lead_unit")
        .annotate(latest_note=latest_note)
        .order_by("order", "pk")
    )

    def describe(item, *, deadline=False) -> str:
        facts = [_("lead unit: %(unit)s") % {"unit": item.lead_unit.name if item.lead_unit else "—"}]
        if deadline and item.due_on:
            facts.append(_("deadline: %(date)s") % {"date": item.due_on.strftime("%Y-%m-%d")})
        facts.append(_("status: %(status)s") % {"status": item.status_label})
        note = f"{item.latest_note.rstrip('。')}。" if item.latest_note else ""
        return f"{item.title.rstrip('。')}。{note}（{'；'.join(facts)}）"

    def numbered(rows, **kw) -> list[str]:
        return [f"{n}. {describe(item, **kw)}" for n, item in enumerate(rows, start=1)]

    special = {"leaders-duty", "other"}
    by_area: dict = {}
    for item in items:
        if item.kind == "task" and not (item.area and item.area.code in special):
            by_area.setdefault(item.area, []).append(item)
    # The year's own framework first (a carried item may keep an area of the older one).
    ordered_areas = sorted(
        by_area,
        key=lambda a: (
            a is None,
            *((a.framework != report.framework, a.framework, a.order) if a else (True, "", 0)),
        ),
    )
    measures_and_results = [
        (area.name if area else _("Other work"), numbered(by_area[area])) for area in ordered_areas
    ]
    last_year = []
    for shortfall in last_year_shortfalls(report=report, user=user):
        # Measures of other units: a count, nothing of what they say or where they stand.
        measures = [f"{m.title}（{m.status_label}）" for m in shortfall.measure_list]
        if shortfall.hidden_measures:
            measures.append(other_units_label(shortfall.hidden_measures))
        line = f"{shortfall.title.rstrip('。')}（{shortfall.status_label}）。"
        if measures:
            line += _("Measures: %(measures)s.") % {"measures": "；".join(measures)}
        last_year.append(line)
    duty = [i for i in items if i.area and i.area.code == "leaders-duty"]
    other = [i for i in items if i.area and i.area.code == "other" and i.kind == "task"]
    shortfalls = [i for i in items if i.kind == "shortfall"]
    measures = [i for i in items if i.kind == "measure"]
    return ReportDraft(
        title=report.title or _("%(year)s annual report") % {"year": report.year},
        opening=_(
            "This draft was compiled from the ledger on the state of each item; check and complete it before use."
        ),
        issuer=report.issuer,
        nothing=_("None."),
        parts=[
            (_("Main measures and results"), measures_and_results),
            (_("What became of last year's shortfalls"), [(None, last_year)] if last_year else []),
            (
                _("How the principal leaders fulfilled their duty as first responsible persons"),
                [(None, numbered(duty))] if duty else [],
            ),
            (_("Shortfalls and their causes"), [(None, numbered(shortfalls))] if shortfalls else []),
            (_("Main plans for next year"), [(None, numbered(measures, deadline=True))] if measures else []),
            (_("Other matters to report"), [(None, numbered(other))] if other else []),
        ],
    )
