"""Reads about annual reports."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.db.models.lookups import Exact
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tracker import permissions
from tracker.choices import Framework, ItemStatus
from tracker.ledger_cache import cached, note_version, stored_version
from tracker.models import Area, Item, Metric, Unit
from tracker.selectors import (
    carried_ends,
    governments_visible_to,
    is_overdue,
    items_visible_to,
    reports_visible_to,
    status_counts_by_report,
    visible_item_q,
    with_carried,
    with_measures,
)

from .choices import SectionKind
from .importing import Corrections, ParsedReport
from .importing.parse import split_parts
from .importing.summary import parse_counts
from .models import AnnualReport, Section
from .scoreboard import Figures, YearFigures, figures_by_area, figures_by_year, year_figures
from .services import (
    default_report_title,
    default_work_due_on,
    import_government,
    report_parse,
    reports_of,
    text_sha256,
)


def reports_with_status_counts(
    user, *, by_year: dict[int, dict[str, int]] | None = None, government=None
) -> list[AnnualReport]:
    """Every year of ``government`` (the government in view; None: of every government
    ``user`` sees), newest first, with the counts of the items ``user`` may see.

    Each report gets ``.counts`` (tracked work by status, plus ``total``, and apart from them
    ``achievements``), ``.status_cells`` (the counts in status order) and ``.status_figures``
    (``(status, count)`` in that order). Two queries whatever the number of years and items; one when
    the caller already counted by year (``by_year``, for people who see every item).
    """
    empty = dict.fromkeys([*ItemStatus.values, "total", "achievements"], 0)
    reports = reports_visible_to(user)
    if government is not None:
        reports = reports.filter(government=government)
    reports = list(reports.order_by("-year", "pk").only("pk", "year", "title", "state", "issuer"))
    if by_year is None:
        by_report = status_counts_by_report(user)
        by_year = {report.year: by_report.get(report.pk, empty) for report in reports}
    for report in reports:
        report.counts = by_year.get(report.year, empty)
        report.status_cells = [report.counts[status] for status in ItemStatus.values]
        report.status_figures = list(zip(ItemStatus.values, report.status_cells, strict=True))
    return reports


def units_of(user) -> list[Unit]:
    """The units ``user`` belongs to, for the home page header."""
    return list(Unit.objects.filter(pk__in=permissions.unit_ids(user)).order_by("name"))


def report_in_view(*, user, year: int, government) -> AnnualReport | None:
    """The report of ``year`` of ``government`` (the government in view), if ``user`` sees
    that government; else None. What every year URL (/reports/<year>/…) resolves to."""
    if government is None:
        return None
    return reports_visible_to(user).filter(government=government, year=year).first()


def year_page_report(*, year: int, user, government) -> AnnualReport | None:
    """The year page's report (``report_in_view``) with the years before and after it (their
    texts left out), or None. Reads the ledger's version in the same query: the page's cached
    outline and figures need no query of their own for it."""
    if government is None:
        return None
    report = (
        reports_visible_to(user)
        .filter(government=government)
        .select_related("previous", "next")
        .defer("source_text", "previous__source_text", "next__source_text")
        .annotate(ledger_version=stored_version())
        .filter(year=year)
        .first()
    )
    if report is not None:
        note_version(report.ledger_version)
    return report


def figures_history(*, government) -> dict[int, Figures]:
    """Every year's totals of ``government`` (``figures_by_year``), for the dashboard and the
    home page. Cached until the ledger changes."""
    gid = getattr(government, "pk", None)
    return cached("figures_by_year", gid, build=lambda: figures_by_year(government=gid))


def dashboard_figures(*, year: int, government) -> YearFigures:
    """One year's dashboard figures of ``government``: totals, by area, by lead unit
    (``year_figures``). Cached until the ledger changes."""
    gid = getattr(government, "pk", None)
    return cached("year_figures", year, gid, build=lambda: year_figures(year=year, government=gid))


def year_work_by_area(*, report: AnnualReport, user) -> list[tuple[Area | None, Figures]]:
    """One year's tracked work (``report``'s) that ``user`` may see, by area
    (``figures_by_area``), for the year page. Cached until the ledger changes, per what the
    person may see."""
    return cached(
        "area_figures",
        report.pk,
        permissions.visibility_key(user),
        build=lambda: figures_by_area(year=report.year, items=items_visible_to(user).filter(report=report)),
    )


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


# Sections holding what a report says went wrong and what comes next: their items are work
# of the following year, shown under "存在问题及整改情况", not in the year's record.
STATEMENT_SECTION_KINDS = frozenset({"shortfalls", "plans", "shortfalls_and_plans"})


def report_outline_rows(*, report: AnnualReport, user) -> list[Section]:
    """The report's sections in outline order, each with ``.item_list`` (those ``user`` may see,
    with ``.metric_list``, each metric with ``.last_value``), ``.item_count`` (all of them,
    shown or not), ``.metric_list`` (quantities in the section's own text) and
    ``.states_next_year`` (a section of shortfalls or plans: its items are the next year's
    work). The year's items outside its outline (added by hand, imported from a task sheet,
    carried over, or stated by last year's report, whose outline holds their section) come
    last, in a section without a key.

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
    own_sections = frozenset(section.pk for section in sections)
    counts, shown_ids, year_count = cached(
        "outline",
        report.pk,
        permissions.visibility_key(user),
        OUTLINE_ALL_UP_TO,
        OUTLINE_PER_SECTION,
        build=lambda: _outline_ranking(report, user, own_sections),
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
        item.is_overdue = is_overdue(item)
        by_section[item.section_id if item.section_id in own_sections else None].append(item)
        for metric in item.metric_list:
            metric.last_value = metrics.last_value(metric.label, metric.unit, item.carried_from_id)
    parents = {section.parent_id for section in sections}
    for section in sections:
        section.item_list = by_section.get(section.pk, [])
        section.item_count = counts.get(section.pk, 0)
        section.metric_list = metrics.of_section.get(section.pk, [])
        section.states_next_year = section.kind in STATEMENT_SECTION_KINDS
        # A leaf whose whole text is an item: the page shows the item in its place.
        section.is_item = (
            bool(section.item_list)
            and section.item_count == len(section.item_list)
            and section.pk not in parents
        )
    if counts.get(None):
        # Items outside the outline are listed at the end.
        sections.append(Section(report=report, level=1, heading="", kind="other", order=len(sections)))
        sections[-1].item_list = by_section.get(None, [])
        sections[-1].item_count = counts[None]
        sections[-1].metric_list = []
        sections[-1].is_item = False
        sections[-1].states_next_year = False
    return sections


def _outline_ranking(report: AnnualReport, user, own_sections=frozenset()) -> tuple[dict, list, int]:
    """(count by section, ids of the items to show, the year's count) in one query. An item
    whose section is not one of ``own_sections`` (the report's) counts as outside the
    outline (key None)."""
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
    outside_counted, outside_shown = set(), 0
    for pk, section_id, section_count, of_year in ranked.values_list(
        "pk", "section_id", "section_count", "year_count"
    ).order_by("order", "pk"):
        year_count = of_year
        if section_id in own_sections:
            counts[section_id] = section_count
            shown_ids.append(pk)
            continue
        # Outside the outline: one bucket, however many sections of other years' outlines
        # its items come from.
        if section_id not in outside_counted:
            outside_counted.add(section_id)
            counts[None] = counts.get(None, 0) + section_count
        if of_year <= OUTLINE_ALL_UP_TO or outside_shown < OUTLINE_PER_SECTION:
            shown_ids.append(pk)
            outside_shown += 1
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
    kind: str  # achievement / shortfall / measure / context
    section_kind: str
    area: str
    text: str
    index: int | None = None  # the item's index, for the unit choice
    suggested_unit: int | None = None
    suggested_names: list[str] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # a measure's shortfalls (item indices)
    link_sure: bool = True
    # For the reviewer's corrections: where the node starts (its name in Corrections), its area
    # code, whether it may be merged into the text above (a numbered heading) or split.
    start: int | None = None
    area_code: str = ""
    can_merge: bool = False
    can_split: bool = False
    corrected: bool = False  # the reviewer changed its kind or area
    unsure: bool = False  # a section whose kind nothing in it told


@dataclass
class PreviewFlag:
    """Something the importer was unsure of, shown at the top of the preview."""

    message: str
    anchor: str = ""  # the row it is about, when it is about one


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
    corrections: Corrections = field(default_factory=Corrections)
    flags: list[PreviewFlag] = field(default_factory=list)
    areas: list[tuple[str, str]] = field(default_factory=list)  # (code, name) of the framework
    government: object = None  # the government it goes into

    @property
    def work_year(self) -> int:
        return self.parsed.year + 1

    @property
    def unsure_links(self) -> int:
        return sum(1 for row in self.rows if row.kind == "measure" and not row.link_sure)


# The section kinds a reviewer may give a top-level section on the preview.
CORRECTABLE_KINDS = [
    SectionKind.WORK,
    SectionKind.LEADERS_DUTY,
    SectionKind.SHORTFALLS,
    SectionKind.PLANS,
    SectionKind.SHORTFALLS_AND_PLANS,
    SectionKind.OTHER,
    SectionKind.CONTEXT,
]


def government_of_issuer(user, issuer: str):
    """The government among those ``user`` sees that a report's ``issuer`` names (新乡县人民政府
    names the government 新乡县人民政府 and the one called 新乡县), or None when none or
    several do: the import then proposes the government in view."""
    issuer = (issuer or "").strip()
    if not issuer:
        return None
    found = [
        government
        for government in governments_visible_to(user)
        if issuer == government.name
        or any(name and issuer.startswith(name) for name in (government.name, government.short_name))
    ]
    exact = [government for government in found if government.name == issuer]
    if len(exact) == 1:
        return exact[0]
    return found[0] if len(found) == 1 else None


def import_preview(
    *, text: str, year: int | None, replace: bool, corrections: Corrections | None = None, government=None
) -> ImportPreview:
    """What an import of ``text`` (with the reviewer's ``corrections``) into ``government``
    (by default the only one) would write, for the reviewer to check before confirming."""
    corrections = corrections or Corrections()
    parsed, names = report_parse(text=text, year=year, corrections=corrections, government=government)
    framework_areas = list(
        Area.objects.filter(framework__in=[parsed.framework, Framework.CROSS_CUTTING])
        .order_by("framework", "order", "pk")
        .values_list("code", "name")
    )
    areas = dict(Area.objects.values_list("code", "name"))
    item_index = {id(item.node): n for n, item in enumerate(parsed.items)}
    unsure = {id(node) for node in parsed.unsure_sections}
    body = parsed.cleaned_text
    rows = []
    if parsed.preamble:
        rows.append(PreviewRow(0, "", "", "context", "context", "", parsed.preamble))
    for node in parsed.root.walk():
        if node.rank == 0:
            continue
        index = item_index.get(id(node))
        corrected = (
            (node.level == 1 and node.start in corrections.kinds)
            or node.start in corrections.areas
            or node.start in corrections.split
        )
        controls = {
            "start": node.start,
            "area_code": node.area or "",
            "can_merge": bool(node.number),
            "can_split": index is not None and len(split_parts(node, body)) > 1,
            "corrected": corrected,
            "unsure": id(node) in unsure,
        }
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
                    **controls,
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
                **controls,
            )
        )
    existing = reports_of(import_government(government)).filter(year=parsed.year).first()
    duplicate = bool(
        existing and existing.source_sha256 == text_sha256(text, corrections) and existing.sections.exists()
    )
    units_matched: list[str] = []
    for item in parsed.items:
        for key in item.unit_keys:
            if names.get(key) and names[key] not in units_matched:
                units_matched.append(names[key])
    preview = ImportPreview(
        parsed=parsed,
        rows=rows,
        counts=parse_counts(parsed),
        existing=existing,
        duplicate=duplicate,
        replace=replace,
        units_matched=units_matched,
        shortfalls=[(n, item.title) for n, item in enumerate(parsed.items) if item.kind == "shortfall"],
        due_on=default_work_due_on(parsed.year),
        corrections=corrections,
        government=import_government(government),
        areas=framework_areas,
    )
    preview.flags = _preview_flags(preview)
    return preview


def _preview_flags(preview: ImportPreview) -> list[PreviewFlag]:
    """Whatever the importer was unsure of, for the top of the preview: nothing is guessed
    silently."""
    parsed, flags = preview.parsed, []
    if not parsed.title:
        flags.append(
            PreviewFlag(
                _(
                    "No line reads like the report's title. Give the title below; otherwise it is named “%(name)s”."
                )
                % {"name": default_report_title(parsed.year)},
                "details",
            )
        )
    if parsed.year_source == "signature":
        flags.append(
            PreviewFlag(
                _("The year %(year)s was taken from the date the report was signed; check it below.")
                % {"year": parsed.year},
                "details",
            )
        )
    elif parsed.year_source == "opening":
        flags.append(
            PreviewFlag(
                _("The year %(year)s was taken from the report's first sentence; check it below.")
                % {"year": parsed.year},
                "details",
            )
        )
    if not parsed.issuer:
        flags.append(PreviewFlag(_("The issuing government was not found; give it below."), "details"))
    for section in parsed.unsure_sections:
        flags.append(
            PreviewFlag(
                _(
                    "Section “%(number)s%(heading)s”: its heading does not tell what it is; it is read "
                    "as work done. Choose its kind and area if that is wrong."
                )
                % {"number": section.number, "heading": section.heading[:40]},
                f"node-{section.start}",
            )
        )
    if preview.unsure_links:
        flags.append(
            PreviewFlag(
                ngettext(
                    "The text does not tell which shortfall %(count)s measure answers: it is marked "
                    "below. Tick its shortfall(s), or leave it to be linked later on its page.",
                    "The text does not tell which shortfall %(count)s measures answer: they are marked "
                    "below. Tick their shortfall(s), or leave them to be linked later on their pages.",
                    preview.unsure_links,
                )
                % {"count": preview.unsure_links},
                f"node-{next(r.start for r in preview.rows if r.kind == 'measure' and not r.link_sure)}",
            )
        )
    return flags


LAST_YEAR_SHOWN = 50


# "Not carried on from another item". Written as an expression, not ``carried_from IS NULL``:
# SQLite takes that for a selective use of the unique carried_from index (almost every item
# matches), and then reads a whole year's items instead of the few a report stated.
NOT_CARRIED = Exact(Coalesce("carried_from_id", Value(0)), 0)


def stated_by_q(report_id: int, year: int) -> list[Q]:
    """The items the report ``report_id`` of ``year`` stated, as conditions to be taken one by
    one (each served by its own index): the shortfalls and plans it stated for the next year
    (``stated_in``), and the items of its own year that no report stated (a report imported
    before statements became next year's work, or a problem recorded by hand). Never a copy
    carried on from either: the original shows where it went."""
    # The year's own items are the report's (its government's), not every government's of that
    # year: ``year`` stays for the index it picks.
    return [
        Q(NOT_CARRIED, stated_in_id=report_id),
        Q(NOT_CARRIED, stated_in__isnull=True, year=year, report_id=report_id),
    ]


def _stated(*, reports: list[tuple[int, int]], user, limit: int | None, unlinked: bool) -> dict[int, dict]:
    """``{report id: {"shortfalls": [...], "unlinked": [...]}}``: for each report (``(id,
    year)``) the shortfalls it stated (``stated_by_q``) that ``user`` may see, with their
    measures, and, when ``unlinked``, the measures it stated that answer no shortfall; the
    first ``limit`` of each when given. Each item and measure has ``carried_to_item`` /
    ``carried_to_hidden`` (``carried_ends``), each shortfall ``measure_list`` /
    ``hidden_measures`` (``with_measures``). Two queries however many reports and items."""
    visible = _visible(user)
    linked = Item.addresses.through.objects.filter(from_item_id=OuterRef("pk"))
    wanted = Q(pk__in=[])
    for report_id, year in reports:
        for stated in stated_by_q(report_id, year):
            kinds = [visible.filter(stated, kind="shortfall")]
            if unlinked:
                kinds.append(visible.filter(stated, kind="measure").exclude(Exists(linked)))
            for rows in kinds:
                if limit is not None:
                    rows = rows.order_by("order", "pk")[:limit]
                wanted |= Q(pk__in=rows.values("pk"))
    measures = with_carried(Item.objects.select_related("lead_unit"), user, ends=("carried_to",))
    rows = with_measures(
        with_carried(visible.filter(wanted).select_related("lead_unit"), user, ends=("carried_to",)),
        user,
        measures=measures.order_by("order", "pk"),
    ).order_by("year", "order", "pk")
    result = {report_id: {"shortfalls": [], "unlinked": []} for report_id, _year in reports}
    for item in rows:
        # Stated in a report (the next year's work), or in its own year's (stated by none).
        by = result[item.stated_in_id or item.report_id][
            "shortfalls" if item.kind == "shortfall" else "unlinked"
        ]
        if limit is not None and len(by) >= limit:
            continue  # each condition gave its first ``limit``: keep the first of them all
        carried_ends(item)
        for measure in item.measure_list:
            carried_ends(measure)
        by.append(item)
    return result


def stated_shortfalls(*, report_id: int, year: int, user, limit: int | None = None) -> list:
    """存在问题及整改情况 of the report ``report_id`` (of ``year``): each shortfall it stated
    (``stated_by_q``) that ``user`` may see (every one for None), with its measures and where
    each stands now (itself, or the item it was carried into); the first ``limit`` of them
    when given.

    Of a linked item (a measure, the item carried on) only those ``user`` may see: each
    shortfall has ``measure_list`` and ``hidden_measures`` (how many others; see
    ``tracker.selectors.with_measures``), it and each measure ``carried_to_item`` and
    ``carried_to_hidden`` (``tracker.selectors.carried_ends``).

    Two queries whatever the number of shortfalls.
    """
    stated = _stated(reports=[(report_id, year)], user=user, limit=limit, unlinked=False)
    return stated[report_id]["shortfalls"]


def last_year_shortfalls(*, report: AnnualReport, user, limit: int | None = None) -> list:
    """上年度问题整改情况: the shortfalls the previous year's report stated (``stated_shortfalls``
    of ``report.previous``), most of them work of ``report``'s year. Empty for a first year."""
    if report.previous_id is None:
        return []
    return stated_shortfalls(report_id=report.previous_id, year=report.previous.year, user=user, limit=limit)


@dataclass
class NextYear:
    """What the year after holds (下一年度工作), counted over the items a person may see."""

    report: AnnualReport
    total: int = 0
    done: int = 0
    stated: int = 0  # of them, stated by this year's report
    by_kind: list = field(default_factory=list)  # (label, count)
    by_status: list = field(default_factory=list)  # (status, label, count)


def next_year_work(*, report: AnnualReport, following: AnnualReport | None, user) -> NextYear | None:
    """下一年度工作: the tracked work of ``following`` (the next year's record, None when
    there is none yet) by kind and by status, and how much of it ``report`` stated. One
    query, cached until the ledger changes."""
    from tracker.choices import ItemKind
    from tracker.workflow import TRACKED_KINDS, status_label, tracked_q

    if following is None:
        return None

    def count():
        return list(
            _visible(user)
            .filter(tracked_q(), report=following)
            .values("kind", "status")
            .annotate(n=Count("pk"), stated=Count("pk", filter=Q(stated_in_id=report.pk)))
            .order_by()
        )

    # Counted over a whole year's items: cached until the ledger changes.
    key = "all" if user is None else permissions.visibility_key(user)
    rows = cached("next_year_work", report.pk, following.pk, key, build=count)
    result = NextYear(report=following)
    kinds, statuses = dict.fromkeys(TRACKED_KINDS, 0), dict.fromkeys(ItemStatus.values, 0)
    for row in rows:
        kinds[row["kind"]] += row["n"]
        statuses[row["status"]] += row["n"]
        result.total += row["n"]
        result.stated += row["stated"]
    result.done = statuses[ItemStatus.DONE]
    result.by_kind = [(ItemKind(kind).label, n) for kind, n in kinds.items() if n]
    result.by_status = [
        (status, status_label(ItemKind.TASK, status), n) for status, n in statuses.items() if n
    ]
    return result


@dataclass
class YearPage:
    """What the year page shows besides the outline: the year's chain, its problems and their
    rectification (those its report stated, and last year's), and the next year's work."""

    previous: AnnualReport | None
    following: AnnualReport | None
    last_year: list  # shortfalls stated by the previous report (see stated_shortfalls)
    stated: list  # shortfalls stated by this year's report
    stated_unlinked: list  # its measures that answer no shortfall
    next_year: NextYear | None
    # The outline (report_outline_rows) in three: the year's record (its report's sections,
    # with their achievements in place), the report's level-1 sections of problems and plans
    # (their items are the next year's work), and the year's items outside the outline.
    record: list = field(default_factory=list)
    statements: list = field(default_factory=list)
    outside: Section | None = None

    @property
    def stated_work_year(self) -> int | None:
        """The year whose ledger holds what this year's report stated."""
        return self.following.year if self.following else None


def year_page(*, report: AnnualReport, user, rows: list | None = None, limit: int | None = None) -> YearPage:
    """The year page's parts besides the figures (``reports.dashboard.year_work``): the chain
    of years, the outline ``rows`` (``report_outline_rows``) split by what they hold, the
    problems stated by this year's report and by last year's, and the next year's work.
    ``report`` comes with ``previous`` and ``next`` selected. Each list holds at most
    ``limit + 1`` (the page says when there are more; ``LAST_YEAR_SHOWN`` unless told).
    Three queries whatever the number of items."""
    limit = LAST_YEAR_SHOWN if limit is None else limit
    try:
        following = report.next
    except AnnualReport.DoesNotExist:
        following = None
    reports = [(report.pk, report.year)]
    if report.previous_id is not None:
        reports.append((report.previous_id, report.previous.year))
    stated = _stated(reports=reports, user=user, limit=limit + 1, unlinked=True)
    return YearPage(
        previous=report.previous,
        following=following,
        last_year=stated[report.previous_id]["shortfalls"] if report.previous_id else [],
        stated=stated[report.pk]["shortfalls"],
        stated_unlinked=stated[report.pk]["unlinked"],
        next_year=next_year_work(report=report, following=following, user=user),
        record=[row for row in rows or () if row.pk and not row.states_next_year],
        statements=[row for row in rows or () if row.pk and row.states_next_year and row.level == 1],
        outside=next((row for row in rows or () if not row.pk), None),
    )


@dataclass
class AnnualSummary:
    """What the annual summary exports hold for one year, restricted to what a person may see."""

    report: AnnualReport
    figures: object  # reports.scoreboard.YearFigures: tracked work only
    tasks: object  # iterable of the year's tracked tasks
    # iterable of shortfalls (the year's own, then those its report stated for the next
    # year), each with .stated_year (the year of the report that stated it, or None),
    # .measure_list (those the person may see) and .hidden_measures (how many others), see
    # tracker.selectors.with_measures
    shortfalls: object
    metrics: object = ()  # iterable of (metric, item, last year's value or None)
    achievements: object = ()  # iterable of the year's achievements, each with .metric_list
    # iterable of the measures in the same scope as ``shortfalls`` that answer none, each with
    # .stated_year and .latest_note
    unlinked_measures: object = ()


def annual_summary(*, report: AnnualReport, user=None) -> AnnualSummary:
    """The year's figures and rows for the exports. ``user`` None means every item (the
    command line); otherwise staff get their own units' rows, leaders and reviewers all.

    The figures count tracked work; the achievements the year's report records are rows of
    their own (本年度成效). The shortfalls are the year's own (whoever stated them) and those
    its report stated for the next year.

    A fixed number of queries; rows are read in chunks (constant memory).
    """
    from django.db.models import Prefetch, Subquery

    from tracker.models import ProgressUpdate

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
    achievements = (
        items.filter(kind="achievement")
        .select_related("area", "lead_unit")
        .prefetch_related(
            Prefetch("metrics", queryset=Metric.objects.order_by("order", "pk"), to_attr="metric_list")
        )
        .order_by("order", "pk")
        .iterator(chunk_size=2000)
    )
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
    stated_for_next_year = Q(NOT_CARRIED, stated_in=report) & ~Q(report=report)
    in_scope = visible.defer("text").filter(Q(report=report) | stated_for_next_year)
    shortfalls = (
        with_measures(
            in_scope.filter(kind="shortfall")
            .select_related("lead_unit")
            .annotate(stated_year=F("stated_in__year")),
            user,
            measures=Item.objects.defer("text")
            .select_related("lead_unit")
            .annotate(latest_note=latest_note)
            .order_by("order", "pk"),
        )
        .order_by("year", "order", "pk")
        .iterator(chunk_size=2000)
    )
    # Plans that answer no one problem (or whose problem the importer could not tell).
    unlinked_measures = (
        in_scope.filter(kind="measure")
        .exclude(Exists(Item.addresses.through.objects.filter(from_item_id=OuterRef("pk"))))
        .select_related("lead_unit")
        .annotate(stated_year=F("stated_in__year"), latest_note=latest_note)
        .order_by("year", "order", "pk")
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
        figures=year_figures(year=report.year, items=visible, government=report.government_id),
        tasks=tasks,
        shortfalls=shortfalls,
        metrics=rows(),
        achievements=achievements,
        unlinked_measures=unlinked_measures,
    )


@dataclass
class ReportDraft:
    """The text of the DOCX draft: a title, an opening, and parts of (subheading, lines)."""

    title: str
    opening: str
    issuer: str
    nothing: str
    parts: list = field(default_factory=list)


def _measure_state(status: str) -> str:
    """Where a measure (or a task) stands, as a report says it."""
    return {
        ItemStatus.NOT_STARTED: _("not started yet"),
        ItemStatus.IN_PROGRESS: _("under way"),
        ItemStatus.SUBMITTED: _("completed, awaiting acceptance"),
        ItemStatus.RETURNED: _("not accepted yet, being improved"),
        ItemStatus.DONE: _("completed"),
    }.get(status, status)


def _shortfall_state(status: str) -> str:
    """Where the rectification of a shortfall stands, as a report says it."""
    return {
        ItemStatus.NOT_STARTED: _("rectification not started yet"),
        ItemStatus.IN_PROGRESS: _("being rectified"),
        ItemStatus.SUBMITTED: _("rectified, awaiting acceptance"),
        ItemStatus.RETURNED: _("rectification not accepted yet, being improved"),
        ItemStatus.DONE: _("rectified"),
    }.get(status, status)


def _sentence(text: str) -> str:
    """``text`` ending in one full stop (a note may end in one, or in none)."""
    text = (text or "").strip().rstrip("。.；;，,")
    return f"{text}。" if text else ""


def _without_number(text: str) -> str:
    """A report's paragraph without the numbering it starts with ((四) / 二是 / 第二， / 其次， / 3.):
    the importer's own markers (outline.block_marker, outline.inline_marker)."""
    from .importing.outline import block_marker, inline_marker

    text = (text or "").strip()
    marker = block_marker(text)
    if marker is not None:
        return text[marker[1] :].lstrip()
    inline = inline_marker(text)
    return text[inline:].lstrip() if inline is not None else text


def _numbered(rows, describe) -> list[str]:
    return [f"{n}. {describe(item)}" for n, item in enumerate(rows, start=1)]


def _state(item) -> str:
    """Where an item stands, as a report says it: a shortfall's rectification, else the work."""
    return _shortfall_state(item.status) if item.kind == "shortfall" else _measure_state(item.status)


def _report_as_recorded(report: AnnualReport, user=None) -> ReportDraft:
    """The draft of a year whose ledger holds no tracked work but whose report is imported:
    its achievements by area (the report's own words), the problems and plans it stated
    (work of the next year, with where each stands now). Two queries, three for a person
    (how many of the stated items he or she may not see)."""
    from tracker.workflow import other_units_label

    visible = _visible(user)
    achievements = list(
        visible.filter(report=report, kind="achievement").select_related("area").order_by("order", "pk")
    )
    stated = list(visible.filter(stated_in=report).select_related("lead_unit").order_by("order", "pk"))
    hidden = Item.objects.filter(stated_in=report).count() - len(stated) if user is not None else 0
    special = {"leaders-duty", "other"}
    by_area: dict = {}
    for item in achievements:
        if not (item.area and item.area.code in special):
            by_area.setdefault(item.area, []).append(item)

    def recorded(item) -> str:
        return _without_number(item.text) or _sentence(item.title)

    def now(item) -> str:
        return _("%(title)s (in %(year)s: %(state)s).") % {
            "title": item.title.rstrip("。"),
            "year": item.year,
            "state": _state(item),
        }

    duty = [i for i in achievements if i.area and i.area.code == "leaders-duty"]
    other = [i for i in achievements if i.area and i.area.code == "other"]
    problems = [i for i in stated if i.kind == "shortfall"]
    plans = [i for i in stated if i.kind != "shortfall"]
    extra = [other_units_label(hidden)] if hidden else []
    return ReportDraft(
        title=report.title,
        opening=_(
            "The ledger of %(year)s holds no tracked work; this text lays out what the imported "
            "report recorded (its achievements, the problems and plans it stated), in the official "
            "style, with where each problem and plan stands now."
        )
        % {"year": report.year},
        issuer=report.issuer,
        nothing=_("None."),
        parts=[
            (
                _("Main measures and results"),
                [
                    (area.name if area else _("Other work"), _numbered(by_area[area], recorded))
                    for area in by_area
                ],
            ),
            (_("What became of last year's shortfalls"), []),
            (
                _("How the principal leaders fulfilled their duty as first responsible persons"),
                [(None, _numbered(duty, recorded))] if duty else [],
            ),
            (
                _("Shortfalls and their causes"),
                [(None, _numbered(problems, now) + extra)] if problems or extra else [],
            ),
            (_("Main plans for next year"), [(None, _numbered(plans, now))] if plans else []),
            (_("Other matters to report"), [(None, _numbered(other, recorded))] if other else []),
        ],
    )


def report_draft(*, report: AnnualReport, user=None) -> ReportDraft:
    """The report of ``report``'s year drafted from its ledger, in the order of the five
    required contents, plus what became of the problems the year before's report stated.
    Plain sentences, a person's words for where things stand, a unit only where known:

    - measures and results: the year's tracked work done (not the achievements an imported
      report records: those are a report already written), by area, with the latest note;
    - what became of last year's shortfalls: those the previous report stated, with their
      measures (of another unit's, only how many);
    - the leaders' duty and other matters: the year's work in those areas;
    - shortfalls: what is open and went wrong (open shortfalls, work overdue or returned);
    - next year's plans: the year's work still open.

    ``user`` None means every item. Three queries.
    """
    from django.db.models import OuterRef, Subquery
    from django.utils.formats import date_format

    from tracker.models import ProgressUpdate
    from tracker.selectors import is_overdue
    from tracker.workflow import other_units_label, tracked_q

    latest_note = Subquery(
        ProgressUpdate.objects.filter(item=OuterRef("pk"), kind="progress")
        .exclude(note="")
        .order_by("-created_at", "-pk")
        .values("note")[:1]
    )
    items = list(
        _visible(user)
        .filter(tracked_q(), report=report)
        .defer("text")
        .select_related("area", "lead_unit")
        .annotate(latest_note=latest_note)
        .order_by("order", "pk")
    )

    if not items and report.source_sha256:
        # No tracked work in the year, but its report is imported: the draft is that report's
        # own record, laid out in the official style.
        return _report_as_recorded(report, user)

    def result(item) -> str:
        """Work done: what, and how, and who led it where known."""
        line = _sentence(item.title)
        note = _sentence(item.latest_note)
        if item.lead_unit and note:
            line += _("Led by %(unit)s, %(note)s") % {"unit": item.lead_unit.name, "note": note}
        elif item.lead_unit:
            line += _("Done under the lead of %(unit)s.") % {"unit": item.lead_unit.name}
        else:
            line += note
        return line

    def standing(item) -> str:
        """Work in the year's account: done, or where it stands."""
        if item.status == ItemStatus.DONE:
            return result(item)
        line = item.title.rstrip("。")
        line += f"，{_state(item)}"
        if is_overdue(item):
            line += _(", past its deadline of %(date)s") % {"date": date_format(item.due_on)}
        return f"{line}。{_sentence(item.latest_note)}"

    def plan(item) -> str:
        line = item.title.rstrip("。")
        if item.kind == "shortfall":  # a problem is no plan: rectifying it is
            line = _("keep rectifying the problem “%(title)s”") % {"title": line}
        if item.lead_unit:
            line += _(", led by %(unit)s") % {"unit": item.lead_unit.name}
        return f"{line}。"

    last_year = last_year_shortfalls(report=report, user=user)
    # The rectification of last year's problems has its own part; the rest of the year's
    # work done is its measures and results.
    answering_last_year = {m.pk for s in last_year for m in s.measure_list} | {s.pk for s in last_year}
    special = {"leaders-duty", "other"}
    by_area: dict = {}
    for item in items:
        if item.status != ItemStatus.DONE or item.pk in answering_last_year:
            continue
        if not (item.area and item.area.code in special):
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
        (area.name if area else _("Other work"), _numbered(by_area[area], result)) for area in ordered_areas
    ]
    rectification = []
    for n, shortfall in enumerate(last_year, start=1):
        line = f"{n}. {shortfall.title.rstrip('。')}："
        if shortfall.carried_to_item is not None or shortfall.carried_to_hidden:
            year = shortfall.year + 1
            line += _("carried into %(year)s to be rectified further.") % {"year": year}
        else:
            line += f"{_shortfall_state(shortfall.status)}。"
        # Measures of other units: a count, nothing of what they say or where they stand.
        measures = [f"{m.title.rstrip('。')}，{_measure_state(m.status)}" for m in shortfall.measure_list]
        if shortfall.hidden_measures:
            measures.append(other_units_label(shortfall.hidden_measures))
        if measures:
            line += "；".join(measures) + "。"
        rectification.append(line)
    duty = [i for i in items if i.area and i.area.code == "leaders-duty"]
    other = [i for i in items if i.area and i.area.code == "other" and i.kind == "task"]
    still_open = [i for i in items if i.status != ItemStatus.DONE]
    wrong = [
        i for i in still_open if i.kind == "shortfall" or i.status == ItemStatus.RETURNED or is_overdue(i)
    ]
    # The title of the report once imported; until then the draft names the report it drafts
    # (the year's record is titled as a ledger).
    title = report.title if report.source_sha256 and report.title else ""
    title = title or _("%(issuer)s%(year)s rule-of-law government construction report") % {
        "issuer": report.issuer,
        "year": report.year,
    }
    return ReportDraft(
        title=title,
        opening=_(
            "This draft was compiled from the ledger on the state of each item; check and complete it before use."
        ),
        issuer=report.issuer,
        nothing=_("None."),
        parts=[
            (_("Main measures and results"), measures_and_results),
            (_("What became of last year's shortfalls"), [(None, rectification)] if rectification else []),
            (
                _("How the principal leaders fulfilled their duty as first responsible persons"),
                [(None, _numbered(duty, standing))] if duty else [],
            ),
            (_("Shortfalls and their causes"), [(None, _numbered(wrong, standing))] if wrong else []),
            (_("Main plans for next year"), [(None, _numbered(still_open, plan))] if still_open else []),
            (_("Other matters to report"), [(None, _numbered(other, standing))] if other else []),
        ],
    )
