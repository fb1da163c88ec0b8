"""Reads about a year's 任务分解表: the import preview, and the year's items as a sheet."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import F

from tracker.choices import ItemKind
from tracker.models import Area, Item, Unit
from tracker.selectors import cooperating_unit_names, items_visible_to
from utilities.people import person_label

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


def task_sheet_preview(*, data: bytes, year: int, government=None) -> TaskSheetPreview:
    """What importing ``data`` into ``year`` (of ``government``, by default the only one)
    would write, row by row, for the reviewer to check and correct before confirming. Raises
    ImportRefused (unreadable file) or YearClosed."""
    sheet = task_sheet_parse(data=data, year=year, government=government)
    report, duplicate = task_sheet_target(year=year, sha=file_sha256(data), government=government)
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


def active_units(government=None):
    """The active units (of ``government``, when given) a task may be led by."""
    units = Unit.objects.filter(active=True)
    if government is not None:
        units = units.filter(government=government)
    return units.order_by("kind", "order", "name", "pk").only("pk", "name")


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
    """The year's tracked items (no achievements) that ``user`` may see (None: every one, for
    the command line), as the rows of a 任务分解表: each area's heading (a string) followed by
    its items, numbered 1, 2, 3 …; items without an area first. Plain rows read in chunks (one
    query, and one more per chunk for the cooperating units): memory stays flat for a big year."""
    visible = Item.objects.all() if user is None else items_visible_to(user)
    rows = (
        visible.filter(report=report)
        .exclude(kind=ItemKind.ACHIEVEMENT)
        .order_by(
            F("area__framework").asc(nulls_first=True), F("area__order").asc(nulls_first=True), "order", "pk"
        )
        .values_list(
            "pk",
            "kind",
            "title",
            "text",
            "area_id",
            "area__name",
            "lead_unit__name",
            "assignee__first_name",
            "assignee__last_name",
            "assignee__username",
            "responsible_name",
            "responsible_post",
            "responsible_phone",
            "due_on",
            "ongoing",
            named=True,
        )
    )
    state = {"area": None, "number": 0}
    chunk: list = []
    for row in rows.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(row)
        if len(chunk) == EXPORT_CHUNK:
            yield from _export_chunk(chunk, state)
            chunk = []
    yield from _export_chunk(chunk, state)


def _export_chunk(chunk: list, state: dict) -> Iterator[str | ExportRow]:
    cooperating = cooperating_unit_names([row.pk for row in chunk], short=False) if chunk else {}
    for row in chunk:
        if row.area_id != state["area"]:
            state["area"] = row.area_id
            if row.area_id is not None:
                yield row.area__name
        state["number"] += 1
        yield ExportRow(
            number=state["number"],
            text=row.text or row.title,
            lead_unit=row.lead_unit__name or "",
            cooperating="、".join(cooperating.get(row.pk, [])),
            responsible=_responsible(row),
            due_on=row.due_on,
            ongoing=row.ongoing,
            note="" if row.kind == ItemKind.TASK else str(ItemKind(row.kind).label),
        )


def _responsible(row) -> str:
    """张三（副局长）13800000000: the assignee's name, else the named official's."""
    if row.assignee__username is not None:
        name = person_label(row.assignee__first_name, row.assignee__last_name, row.assignee__username)
    else:
        name = row.responsible_name
    post = row.responsible_post
    text = f"{name}（{post}）" if name and post else name or post
    return f"{text}{row.responsible_phone}"
