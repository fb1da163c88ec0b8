"""Writes about a year's 任务分解表: reading it against the unit directory, importing its
tasks into the year's ledger."""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from tracker import history, permissions
from tracker.choices import ItemKind, UpdateKind
from tracker.ledger_cache import ledger_changed
from tracker.models import Area, Government, Item, Membership, ProgressUpdate
from tracker.services import conflicts_as
from tracker.years import refuse_closed

from .choices import ReportState
from .models import AnnualReport, TaskSheet
from .services import (
    ImportRefused,
    import_government,
    next_year_record,
    reports_of,
    saved_government,
    unit_directory,
)
from .tasksheets import ParsedSheet, TaskRow, TaskSheetError, read_task_sheet

MAX_FILENAME = 255
# An invented 任务分解表 (示例数据) for the demo: reports/samples/make_tasks_sample.py writes it.
SAMPLE_TASK_SHEET = Path(__file__).resolve().parent / "samples" / "tasks-2021-sample.xlsx"


@dataclass
class RowChoice:
    """What the reviewer chose for one row on the preview; None keeps what the sheet says."""

    include: bool = True
    lead_unit: int | None = None
    lead_chosen: bool = False  # lead_unit was chosen (None then means "no lead unit")
    due_on: datetime.date | None = None
    ongoing: bool | None = None  # None: as read; True: no fixed date; False: due_on


@dataclass
class TaskImportResult:
    sheet: ParsedSheet
    report: AnnualReport | None  # the year's record (None on a dry run of a year without one)
    created: int = 0  # items written
    duplicate: bool = False  # this very file was imported into the year before
    items: list[Item] = field(default_factory=list)

    def summary(self) -> dict:
        """The command's JSON (DESIGN.md's stable interface). ``created`` is a boolean, as in
        import_report's JSON; ``tasks_created`` counts the tasks written."""
        names = self.sheet.unit_names
        return {
            "tasks": len(self.sheet.rows),
            "units_matched": [names[key] for key in self.sheet.units_matched if key in names],
            "units_unknown": self.sheet.units_unknown,
            "deadlines_unread": self.sheet.deadlines_unread,
            # Whether anything was written, as import_report says it; how many beside it.
            "created": self.created > 0,
            "tasks_created": self.created,
            "rows": [
                {
                    "row": row.row,
                    "title": row.title,
                    "lead_unit": names.get(row.lead_key),
                    "cooperating_units": [names[key] for key in row.cooperating_keys if key in names],
                    "responsible": (
                        {
                            "name": row.responsible_name,
                            "post": row.responsible_post,
                            "phone": row.responsible_phone,
                        }
                        if row.responsible_written
                        else None
                    ),
                    "due_on": row.due_on.isoformat() if row.due_on else None,
                    "ongoing": row.ongoing,
                    "problems": row.problems,
                }
                for row in self.sheet.rows
            ],
        }


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def task_sheet_parse(*, data: bytes, year: int, government: Government | None = None) -> ParsedSheet:
    """Read a 任务分解表 for ``year`` against the active units (of ``government``, by default
    the only one). Raises ImportRefused with the reader's translated message when the file
    cannot be read at all."""
    directory, _names = unit_directory(import_government(government))
    try:
        return read_task_sheet(data, year=year, directory=directory)
    except TaskSheetError as error:
        raise ImportRefused(str(error)) from error


def task_sheet_target(
    *, year: int, sha: str, lock: bool = False, government: Government | None = None
) -> tuple[AnnualReport | None, bool]:
    """The year's record of ``government`` (by default the only one; or None) and whether it
    holds this very file already. Refuses a closed year. ``lock`` (inside a transaction)
    holds the record until the transaction ends, so that two imports into one year take
    turns."""
    records = reports_of(import_government(government))
    records = records.select_for_update() if lock else records
    report = records.filter(year=year).first()
    if report is None:
        return None, False
    refuse_closed(report)
    return report, TaskSheet.objects.filter(report=report, sha256=sha).exists()


def task_sheet_import(
    *,
    data: bytes,
    filename: str,
    year: int,
    user=None,
    dry_run: bool = False,
    choices: dict[int, RowChoice] | None = None,
    government: Government | None = None,
) -> TaskImportResult:
    """Import a 任务分解表 into the ledger of ``year``: a task for each row, with its lead and
    cooperating units, its responsible official (the lead unit's user of that full name when
    there is one, else the name, post and phone as written), its deadline or "ongoing", its
    area where its section heading names one, and a history entry saying where it came from.

    The year's record is created as a draft (linked to the year before, when that exists)
    when missing; a closed year is refused. ``choices`` maps a row's index to the reviewer's
    corrections on the preview (RowChoice). The same file imported into the same year again
    creates nothing; two confirms racing end in Conflict for the second. ``dry_run`` writes
    nothing. All or nothing: one transaction. ``user`` None is the system (the command, the
    demo); a user must be a reviewer.
    """
    if user is not None and not permissions.can_manage_years(user):
        raise PermissionDenied
    government = import_government(government)
    sheet = task_sheet_parse(data=data, year=year, government=government)
    sha = file_sha256(data)
    report, duplicate = task_sheet_target(year=year, sha=sha, government=government)
    if duplicate or dry_run:
        return TaskImportResult(sheet=sheet, report=report, duplicate=duplicate)
    choices = choices or {}
    if not any(choices.get(row.index, RowChoice()).include for row in sheet.rows):
        raise ImportRefused(_("No task is chosen, so nothing was imported."))
    conflict = _(
        "Someone else imported a task list into %(year)s at the same moment, so nothing was written. "
        "Look at the year's ledger before importing again."
    ) % {"year": year}
    with conflicts_as(conflict), transaction.atomic():
        report, duplicate = task_sheet_target(year=year, sha=sha, lock=True, government=government)
        if duplicate:
            return TaskImportResult(sheet=sheet, report=report, duplicate=True)
        if report is None:
            report = _year_record(year, saved_government(government))
        record = TaskSheet.objects.create(
            report=report, sha256=sha, filename=_clean_filename(filename), imported_by=user
        )
        items = _write_items(sheet, report, record, choices, user)
        record.rows = len(items)
        record.save(update_fields=["rows"])
        ledger_changed()
    return TaskImportResult(sheet=sheet, report=report, created=len(items), items=items)


def _year_record(year: int, government: Government) -> AnnualReport:
    """The record of ``year`` of ``government``, created as a draft (linked to the year before
    when it exists)."""
    previous = reports_of(government).filter(year=year - 1).first()
    if previous is not None:
        return next_year_record(previous)
    return AnnualReport.objects.create(
        government=government,
        year=year,
        title=_("%(year)s rule-of-law government construction ledger") % {"year": year},
        state=ReportState.DRAFT,
    )


def _clean_filename(filename: str) -> str:
    name = re.split(r"[\\/]", filename or "")[-1].strip()
    return (name or "task-list")[:MAX_FILENAME]


def _assignees(rows: list[tuple[TaskRow, int | None]]) -> dict[tuple[int, str], int]:
    """(lead unit, full name) → the id of the active user of that unit with that name."""
    units = {lead for row, lead in rows if lead is not None and row.responsible_name}
    if not units:
        return {}
    found: dict[tuple[int, str], int] = {}
    memberships = Membership.objects.filter(unit_id__in=units, user__is_active=True).select_related("user")
    for membership in memberships.order_by("pk"):
        user = membership.user
        for name in {user.get_full_name(), f"{user.last_name}{user.first_name}"}:
            name = re.sub(r"\s+", "", name)
            if name:
                found.setdefault((membership.unit_id, name), user.pk)
    return found


def _write_items(
    sheet: ParsedSheet, report: AnnualReport, record: TaskSheet, choices: dict[int, RowChoice], user
) -> list[Item]:
    areas = {area.code: area for area in Area.objects.all()}
    start = report.items.order_by("-order").values_list("order", flat=True).first() or 0
    chosen: list[tuple[TaskRow, int | None, RowChoice]] = []
    for row in sheet.rows:
        choice = choices.get(row.index, RowChoice())
        if choice.include:
            lead = choice.lead_unit if choice.lead_chosen else row.lead_key
            chosen.append((row, lead, choice))
    assignees = _assignees([(row, lead) for row, lead, _choice in chosen])
    items: list[Item] = []
    for n, (row, lead, choice) in enumerate(chosen, start=1):
        ongoing = row.ongoing if choice.ongoing is None else choice.ongoing
        due_on = None if ongoing else (choice.due_on if choice.ongoing is False else row.due_on)
        assignee = assignees.get((lead, row.responsible_name)) if lead is not None else None
        items.append(
            Item(
                report=report,
                year=report.year,
                kind=ItemKind.TASK,
                area=areas.get(row.area),
                title=row.title,
                text=row.text,
                order=start + n,
                lead_unit_id=lead,
                assignee_id=assignee,
                responsible_name="" if assignee else row.responsible_name,
                responsible_post=row.responsible_post,
                responsible_phone=row.responsible_phone,
                due_on=due_on,
                ongoing=ongoing,
            )
        )
    Item.objects.bulk_create(items)
    Through = Item.cooperating_units.through
    Through.objects.bulk_create(
        [
            Through(item_id=item.pk, unit_id=unit)
            for item, (row, lead, _choice) in zip(items, chosen, strict=True)
            for unit in dict.fromkeys(row.cooperating_keys)
            if unit != lead
        ]
    )

    def opened(row: TaskRow) -> dict:
        # The units the sheet named that the unit list has not are kept on the item's history.
        return history.event(
            history.TASKS_IMPORTED,
            filename=record.filename,
            unknown_units=list(row.units_unknown),
            sheet_note=row.note or "",
        )

    ProgressUpdate.objects.bulk_create(
        [
            ProgressUpdate(item=item, author=user, kind=UpdateKind.IMPORT, event=opened(row))
            for item, (row, _lead, _choice) in zip(items, chosen, strict=True)
        ]
    )
    return items


def sample_task_sheet_import(*, year: int = 2021, user=None, government=None) -> TaskImportResult:
    """Import the invented sample 任务分解表 (SAMPLE_TASK_SHEET) into ``year`` (of
    ``government``, by default the only one), for the demo. Safe to run again: the same file
    creates nothing the second time."""
    return task_sheet_import(
        data=SAMPLE_TASK_SHEET.read_bytes(),
        filename=SAMPLE_TASK_SHEET.name,
        year=year,
        user=user,
        government=government,
    )
