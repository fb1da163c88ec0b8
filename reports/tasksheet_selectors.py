"""Reads about a year's 任务分解表: the import preview, and the year's items as a sheet."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import F

from tracker.choices import ItemKind
from tracker.models import Area, Item, Unit
from tracker.selectors import items_visible_to

from .models import AnnualReport
from .tasksheet_services import file_sha256, task_sheet_parse, task_sheet_target
from .tasksheets import ParsedSheet, TaskRow


@dataclass
class PreviewRow:
    task: TaskRow
    lead_name: str | None
    cooperating: list[str]
    already: bool = False  # the year holds a task of the very same text


@dataclass
class PreviewSection:
    heading: str
    area: str  # the area's name, or ""
    rows: list[PreviewRow] = field(default_factory=list)


@dataclass
class TaskSheetPreview:
    sheet: ParsedSheet
    year: int
    report: AnnualReport | None
    duplicate: bool
    sections: list[PreviewSection]
    units_matched: list[str]
    units_unknown: list[str]

    @property
    def counts(self) -> dict[str, int]:
        rows = self.sheet.rows
        return {
            "already": sum(1 for section in self.sections for row in section.rows if row.already),
            "tasks": len(rows),
            "problems": sum(1 for row in rows if row.problems),
            "deadlines_unread": self.sheet.deadlines_unread,
            "ongoing": sum(1 for row in rows if row.ongoing),
            "no_lead": sum(1 for row in rows if row.lead_key is None),
            "skipped": len(self.sheet.skipped),
        }


def task_sheet_preview(*, data: bytes, year: int) -> TaskSheetPreview:
    """What importing ``data`` into ``year`` would write, row by row, for the reviewer to check
    and correct before confirming. Raises ImportRefused (unreadable file, closed year)."""
    sheet = task_sheet_parse(data=data, year=year)
    report, duplicate = task_sheet_target(year=year, sha=file_sha256(data))
    names = sheet.unit_names
    areas = dict(Area.objects.values_list("code", "name"))
    # A sheet saved again is another file (its bytes differ): say which of its tasks the year
    # holds already, so that nobody imports them twice without seeing it.
    already = (
        set(
            report.items.filter(text__in=[row.text for row in sheet.rows], kind=ItemKind.TASK).values_list(
                "text", flat=True
            )
        )
        if report is not None and not duplicate
        else set()
    )
    sections: list[PreviewSection] = []
    for row in sheet.rows:
        if not sections or sections[-1].heading != row.section:
            sections.append(PreviewSection(heading=row.section, area=areas.get(row.area, "")))
        sections[-1].rows.append(
            PreviewRow(
                task=row,
                lead_name=names.get(row.lead_key),
                cooperating=[names[key] for key in row.cooperating_keys if key in names],
                already=row.text in already,
            )
        )
    return TaskSheetPreview(
        sheet=sheet,
        year=year,
        report=report,
        duplicate=duplicate,
        sections=sections,
        units_matched=[names[key] for key in sheet.units_matched if key in names],
        units_unknown=sheet.units_unknown,
    )


def active_units():
    return Unit.objects.filter(active=True).order_by("kind", "order", "name", "pk").only("pk", "name")


# -- the year's items as a 任务分解表 -------------------------------------------------------------

EXPORT_CHUNK = 2000


@dataclass
class ExportRow:
    number: int
    text: str
    lead_unit: str
    cooperating: str
    responsible: str
    due_on: object  # a date, or None
    ongoing: bool
    note: str


def task_sheet_rows(*, report: AnnualReport, user) -> Iterator[str | ExportRow]:
    """The year's tracked items (no achievements) that ``user`` may see (None: every one), as the rows of a
    任务分解表: each area's heading (a string) followed by its items, numbered 1, 2, 3 …;
    items without an area first. Read in chunks: memory stays flat for a big year."""
    visible = Item.objects.all() if user is None else items_visible_to(user)  # None: the command line
    items = (
        visible.filter(report=report)
        .exclude(kind=ItemKind.ACHIEVEMENT)
        .select_related("area", "lead_unit", "assignee")
        .prefetch_related("cooperating_units")
        .order_by(
            F("area__framework").asc(nulls_first=True), F("area__order").asc(nulls_first=True), "order", "pk"
        )
    )
    current = None
    for number, item in enumerate(items.iterator(chunk_size=EXPORT_CHUNK), start=1):
        if item.area_id != current:
            current = item.area_id
            if item.area is not None:
                yield item.area.name
        cooperating = sorted(
            item.cooperating_units.all(), key=lambda unit: (unit.kind, unit.order, unit.name, unit.pk)
        )
        yield ExportRow(
            number=number,
            text=item.text or item.title,
            lead_unit=item.lead_unit.name if item.lead_unit else "",
            cooperating="、".join(unit.name for unit in cooperating),
            responsible=_responsible(item),
            due_on=item.due_on,
            ongoing=item.ongoing,
            note=_note(item),
        )


def _responsible(item: Item) -> str:
    name = item.responsible
    post = item.responsible_post
    text = f"{name}（{post}）" if name and post else name or post
    return f"{text}{item.responsible_phone}" if item.responsible_phone else text


def _note(item: Item) -> str:
    if item.kind == ItemKind.TASK:
        return ""
    return str(ItemKind(item.kind).label)
