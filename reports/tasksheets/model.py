"""What the reader gives back: plain dataclasses, no database."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from reports.importing.model import UnitName

__all__ = ["ParsedSheet", "RawRow", "SkippedRow", "TaskRow", "UnitName"]

# Column roles, found by the header's names.
NUMBER = "number"
TASK = "task"
LEAD = "lead"
COOPERATING = "cooperating"
RESPONSIBLE = "responsible"
DEADLINE = "deadline"
NOTE = "note"
SECTION = "section"


@dataclass
class RawRow:
    """One row of a table as read: its number as the user sees it (sheet row, table row, CSV
    record), its values with merged cells filled in, and for each merged cell the (row, column)
    of the merge's top-left cell (None where a cell is not merged)."""

    number: int
    values: list[object]
    origins: list[tuple[int, int] | None]
    # Columns holding a formula whose value was never calculated and saved (read as empty).
    uncalculated: set[int] = field(default_factory=set)


@dataclass
class TaskRow:
    """A task as it will land in the ledger (before the reviewer's corrections)."""

    index: int  # its place in ParsedSheet.rows: the preview's and the choices' key
    row: int  # the row number the person sees in the file
    number: str  # 序号 as written
    section: str  # the nearest section heading above it
    area: str | None  # the area code that heading names, if any
    title: str
    text: str  # the task cell, verbatim
    lead_written: str = ""  # the lead unit cell as written
    lead_key: object | None = None
    cooperating_keys: list[object] = field(default_factory=list)
    units_unknown: list[str] = field(default_factory=list)
    responsible_written: str = ""
    responsible_name: str = ""
    responsible_post: str = ""
    responsible_phone: str = ""
    deadline_written: str = ""
    due_on: datetime.date | None = None
    ongoing: bool = False
    deadline_unread: bool = False
    note: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class SkippedRow:
    """A row that is not a task: a subtotal, a stray note, or a row with no task text."""

    row: int
    text: str
    reason: str


@dataclass
class ParsedSheet:
    year: int
    table: str  # the sheet's name, or 表格1 for a Word table
    header_row: int
    columns: dict[str, str]  # role → the header as written
    rows: list[TaskRow]
    skipped: list[SkippedRow]
    sections: list[str]
    unit_names: dict[object, str]  # directory key → the unit's full name
    warnings: list[str] = field(default_factory=list)

    @property
    def units_matched(self) -> list[object]:
        """Keys of the directory's units the sheet names, each once, in order of appearance."""
        seen: dict[object, None] = {}
        for row in self.rows:
            for key in (row.lead_key, *row.cooperating_keys):
                if key is not None:
                    seen.setdefault(key, None)
        return list(seen)

    @property
    def units_unknown(self) -> list[str]:
        """Names the sheet gives that are not in the directory, each once."""
        seen: dict[str, None] = {}
        for row in self.rows:
            for name in row.units_unknown:
                seen.setdefault(name, None)
        return list(seen)

    @property
    def deadlines_unread(self) -> int:
        return sum(1 for row in self.rows if row.deadline_unread)
