"""Writes about annual reports: importing a report's text into the ledger."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from tracker.models import Area, Item, Metric, Unit

from .choices import ReportState, SectionKind
from .importing import ParsedReport, UnitName, parse_report
from .models import AnnualReport, Section


class ImportRefused(Exception):
    """The import cannot go ahead; the message is translated and fit for the user."""


@dataclass
class ImportResult:
    parsed: ParsedReport
    report: AnnualReport | None
    created: bool  # something was written
    duplicate: bool = False  # the same text was imported before
    kept_items: list[Item] = field(default_factory=list)  # items kept on replace (they have progress)
    unit_names: dict[object, str] = field(default_factory=dict)

    @property
    def units_matched(self) -> list[str]:
        seen: list[str] = []
        for item in self.parsed.items:
            for key in item.unit_keys:
                name = self.unit_names.get(key)
                if name and name not in seen:
                    seen.append(name)
        return seen


def unit_directory() -> tuple[list[UnitName], dict[int, str]]:
    """The active units as the importer matches them: full name, short name and aliases."""
    units = list(Unit.objects.filter(active=True).only("pk", "name", "short_name", "aliases"))
    directory = [UnitName(key=u.pk, names=[u.name, u.short_name, *u.alias_list]) for u in units]
    return directory, {u.pk: u.name for u in units}


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def report_parse(*, text: str, year: int | None = None) -> tuple[ParsedReport, dict[int, str]]:
    """Parse ``text`` against the unit directory, refusing what cannot become a ledger."""
    directory, names = unit_directory()
    parsed = parse_report(text, directory=directory, year=year)
    if parsed.year is None:
        raise ImportRefused(
            _("The report's year was not found in its title or first sentence; give the year.")
        )
    if not parsed.items:
        raise ImportRefused(
            _(
                "No numbered sections (一、 (一) 1.) were found, so there is nothing to track. "
                "Check that this is the annual report's full text."
            )
        )
    return parsed, names


def report_import_target(*, year: int, sha: str, replace: bool) -> tuple[AnnualReport | None, bool]:
    """The year's existing record (or None) and whether it already holds this very text.

    Refuses a closed year, and a year holding a different imported text unless ``replace``.
    """
    existing = AnnualReport.objects.filter(year=year).first()
    if existing is None:
        return None, False
    has_outline = existing.sections.exists()
    if existing.source_sha256 == sha and has_outline:
        return existing, True
    if existing.is_closed:
        raise ImportRefused(
            _("The year %(year)s is closed; its record can no longer change.") % {"year": year}
        )
    if has_outline and not replace:
        raise ImportRefused(
            _("The year %(year)s already holds a different imported report. Choose to replace it to go on.")
            % {"year": year}
        )
    return existing, False


def report_import(
    *,
    text: str,
    user=None,
    year: int | None = None,
    dry_run: bool = False,
    replace: bool = False,
    source_url: str = "",
    lead_units: dict[int, int | None] | None = None,
) -> ImportResult:
    """Import a report's text as the year's record: sections, items, metrics, suggested units.

    The same text imported twice creates nothing the second time. A year that already holds a
    different imported text is refused unless ``replace``; replacing keeps the items that have
    progress and reports them in ``kept_items``. ``lead_units`` maps an item's index in
    ``parsed.items`` to a unit id (or None), overriding the suggestion. ``dry_run`` writes
    nothing. All or nothing: one transaction.
    """
    parsed, names = report_parse(text=text, year=year)
    sha = text_sha256(text)
    existing, duplicate = report_import_target(year=parsed.year, sha=sha, replace=replace)
    if duplicate:
        return ImportResult(parsed=parsed, report=existing, created=False, duplicate=True, unit_names=names)
    if dry_run:
        return ImportResult(parsed=parsed, report=existing, created=False, unit_names=names)
    with transaction.atomic():
        report, kept = _write(parsed, text, sha, existing, source_url, lead_units or {})
    return ImportResult(parsed=parsed, report=report, created=True, kept_items=kept, unit_names=names)


def _write(parsed, text, sha, existing, source_url, lead_units) -> tuple[AnnualReport, list[Item]]:
    report = existing or AnnualReport(year=parsed.year)
    if existing is not None:
        existing = AnnualReport.objects.select_for_update().get(pk=existing.pk)
        report = existing
    report.title = parsed.title or _("%(year)s annual report") % {"year": parsed.year}
    report.issuer = parsed.issuer[:100]
    report.published_on = parsed.published_on
    report.source_text = text
    report.source_sha256 = sha
    report.source_url = source_url or report.source_url
    if report.state == ReportState.DRAFT:
        report.state = ReportState.ACTIVE
    if report.previous_id is None:
        report.previous = AnnualReport.objects.filter(year=parsed.year - 1, next__isnull=True).first()
    report.save()
    AnnualReport.objects.filter(year=parsed.year + 1, previous__isnull=True).update(previous=report)

    kept: list[Item] = []
    if existing is not None:
        # Replacing: items that have progress, or were carried over, stay; the rest go.
        imported = report.items.filter(carried_from__isnull=True)
        kept = list(imported.filter(updates__isnull=False).distinct())
        imported.exclude(pk__in=[i.pk for i in kept]).delete()
        report.sections.all().delete()

    areas = {area.code: area for area in Area.objects.all()}
    sections = _write_sections(report, parsed, areas)
    items = []
    for index, parsed_item in enumerate(parsed.items):
        lead = lead_units.get(index, parsed_item.unit_keys[0] if parsed_item.unit_keys else None)
        items.append(
            Item(
                report=report,
                year=report.year,
                section=sections[id(parsed_item.node)],
                area=areas.get(parsed_item.area),
                kind=parsed_item.kind,
                title=parsed_item.title,
                text=parsed_item.text,
                order=index + 1,
                lead_unit_id=lead,
            )
        )
    Item.objects.bulk_create(items)
    shortfalls = [item for item in items if item.kind == "shortfall"]
    Through = Item.addresses.through
    Through.objects.bulk_create(
        [
            Through(from_item_id=measure.pk, to_item_id=shortfall.pk)
            for measure in items
            if measure.kind == "measure"
            for shortfall in shortfalls
        ]
    )
    metrics = []
    for item, parsed_item in zip(items, parsed.items, strict=True):
        metrics.extend(
            _metric(m, item=item, order=len(metrics) + n) for n, m in enumerate(parsed_item.metrics)
        )
    for node, metric in parsed.section_metrics:
        metrics.append(_metric(metric, section=sections[id(node)], order=len(metrics)))
    Metric.objects.bulk_create(metrics)
    return report, kept


def _metric(metric, *, order, item=None, section=None) -> Metric:
    return Metric(
        item=item,
        section=section,
        label=metric.label,
        value=metric.value,
        unit=metric.unit,
        approximate=metric.approximate,
        order=order,
    )


def _write_sections(report, parsed, areas) -> dict[int, Section]:
    """Write the outline depth by depth (so parents have keys); returns {id(node): Section}."""
    by_node: dict[int, Section] = {}
    order = 0
    depth: dict[int, list] = {}
    body = parsed.cleaned_text
    if parsed.preamble:
        depth.setdefault(0, []).append((None, parsed.root))
    for node in parsed.root.walk():
        if node.rank == 0:
            continue
        depth.setdefault(node.level, []).append((node.parent, node))
    positions = {id(node): n for n, node in enumerate(parsed.root.walk())}
    for level in sorted(depth):
        rows = []
        for parent, node in depth[level]:
            order = positions[id(node)]
            rows.append(
                Section(
                    report=report,
                    parent=by_node.get(id(parent)) if parent is not None and parent.rank else None,
                    level=level,
                    number=node.number[:20],
                    heading=node.heading[:300] if node.rank else "",
                    body="\n".join(body[a:b] for a, b in node.segments),
                    kind=node.kind if node.rank else SectionKind.CONTEXT,
                    area=areas.get(node.area),
                    order=order,
                )
            )
        Section.objects.bulk_create(rows)
        for (_parent, node), section in zip(depth[level], rows, strict=True):
            by_node[id(node)] = section
    return by_node
