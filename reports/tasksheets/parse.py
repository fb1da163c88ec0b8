"""The whole read: file → header → rows → tasks, units, people and deadlines."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from reports.importing.classify import area_for, framework_for_year
from reports.importing.units import UnitMatcher

from . import header as headers
from .deadlines import read_deadline
from .errors import MAX_ROWS, TaskSheetError, too_many_rows
from .model import (
    COOPERATING,
    DEADLINE,
    LEAD,
    NOTE,
    NUMBER,
    RESPONSIBLE,
    SECTION,
    TASK,
    ParsedSheet,
    RawRow,
    SkippedRow,
    TaskRow,
    UnitName,
)
from .people import read_person
from .reading import open_tables
from .units import read_units

MAX_TITLE = 80
# The end of the table: this many empty rows in a row (formatted but empty rows of a sheet).
END_AFTER_EMPTY = 1000

_HEADING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|第[一二三四五六七八九十]+[部分章节项类个]|[（(][一二三四五六七八九十]+[）)])"
)
_CN_NUMBER = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]?\s*$")
_SUBTOTAL = re.compile(r"^\s*(?:合\s*计|小\s*计|总\s*计|共\s*计)")
_LEADING_NUMBER = re.compile(
    r"^\s*(?:\d+\s*[.、．](?!\d)\s*|[（(]\s*\d+\s*[）)]\s*|[一二三四五六七八九十]+\s*[、.．]\s*)"
)
_SUBSECTION = re.compile(r"^\s*[（(][一二三四五六七八九十]+[）)]")


def read_task_sheet(
    data: bytes,
    *,
    year: int,
    directory: Iterable[UnitName] = (),
) -> ParsedSheet:
    """Read a 任务分解表 (.xlsx, .docx table or .csv) for ``year``, matching units against
    ``directory``. Raises TaskSheetError (translated) when the file cannot be read at all,
    has no recognisable header, or holds more than MAX_ROWS rows; each row's own trouble is
    told in its ``problems`` and never stops the rest."""
    directory = list(directory)
    matcher = UnitMatcher(directory)
    unit_names = {unit.key: unit.names[0] for unit in directory if unit.names}
    with open_tables(data) as tables:
        for table in tables:
            rows = iter(table.rows)
            found = _find_header(rows)
            if found is None:
                continue
            header_rows, columns, buffered = found
            header_row = header_rows[-1]
            sheet = ParsedSheet(
                year=year,
                table=table.name,
                header_row=header_row.number,
                columns={},
                rows=[],
                skipped=[],
                sections=[],
                unit_names=unit_names,
            )
            by_role = headers.assign(columns)
            sheet.columns = {role: _header_text(header_rows, cols[0]) for role, cols in by_role.items()}
            _Reader(sheet, by_role, matcher).read(_chain(buffered, rows))
            if LEAD not in by_role:
                sheet.warnings.append(
                    _("The sheet has no lead unit column (牵头单位); choose each task's lead unit.")
                )
            if DEADLINE not in by_role:
                sheet.warnings.append(_("The sheet has no deadline column (完成时限); enter the deadlines."))
            if not sheet.rows:
                raise TaskSheetError(
                    _(
                        "The header was found on row %(row)s, but no task under it. Check that this is the task list."
                    )
                    % {"row": header_row.number}
                )
            return sheet
    raise TaskSheetError(headers.missing_header_message())


def _chain(first: list[RawRow], rest: Iterator[RawRow]) -> Iterator[RawRow]:
    yield from first
    yield from rest


def _find_header(rows: Iterator[RawRow]) -> tuple[list[RawRow], dict[int, str], list[RawRow]] | None:
    """The header row (or two), its columns, and the rows read past it (to be read as data)."""
    for seen, row in enumerate(rows, start=1):
        if seen > headers.HEADER_SCAN:
            return None
        columns = headers.read_header(row.values)
        if columns:
            following = next(rows, None)
            if following is None:
                return [row], columns, []
            combined = headers.combine(columns, following.values)
            if combined is not None:
                return [row, following], combined, []
            return [row], columns, [following]
    return None


def _header_text(rows: list[RawRow], column: int) -> str:
    for row in reversed(rows):
        text = headers.normalise(row.values[column] if column < len(row.values) else None)
        if text:
            return text
    return ""


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return str(value).strip()


def title_of(text: str) -> str:
    """The task's short title: its first clause, without a leading number, at most 80 characters."""
    title = _LEADING_NUMBER.sub("", text.strip(), count=1)
    title = title.split("\n", 1)[0]
    for stop in "。；;，,：:":
        title = title.split(stop, 1)[0]
    title = title.strip() or text.strip()[:MAX_TITLE]
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"


class _Reader:
    def __init__(self, sheet: ParsedSheet, by_role: dict[str, list[int]], matcher: UnitMatcher):
        self.sheet = sheet
        self.matcher = matcher
        self.framework = framework_for_year(sheet.year)
        first = {role: columns[0] for role, columns in by_role.items()}
        self.task = by_role[TASK][-1]  # 重点任务 | 工作措施: the last is the task itself
        self.groups = by_role[TASK][:-1]
        self.number = first.get(NUMBER)
        self.lead = first.get(LEAD)
        self.cooperating = first.get(COOPERATING)
        self.responsible = first.get(RESPONSIBLE)
        self.deadline = first.get(DEADLINE)
        self.note = first.get(NOTE)
        self.section_column = first.get(SECTION)
        self.fields = [
            c for c in (self.lead, self.cooperating, self.responsible, self.deadline) if c is not None
        ]
        self.heading = ""  # the current section (一、…)
        self.subheading = ""  # the current subsection ((一)…)
        self.area: str | None = None
        self.sub_area: str | None = None

    def value(self, row: RawRow, column: int | None) -> object:
        if column is None or column >= len(row.values):
            return None
        return row.values[column]

    def text(self, row: RawRow, column: int | None) -> str:
        return _text(self.value(row, column))

    def read(self, rows: Iterator[RawRow]) -> None:
        empty_run = 0
        counted = 0
        for row in rows:
            if not any(_text(value) for value in row.values):
                empty_run += 1
                if empty_run >= END_AFTER_EMPTY:
                    break
                continue
            empty_run = 0
            counted += 1
            if counted > MAX_ROWS:
                raise TaskSheetError(too_many_rows(row.number))
            self.row(row)

    # -- one row -----------------------------------------------------------------------------

    def row(self, row: RawRow) -> None:
        task = self.text(row, self.task)
        if self.section_column is not None:
            section = self.text(row, self.section_column)
            if section and section != self.heading:
                self.set_heading(section)
        if self.is_section(row, task):
            return
        if not task:
            self.skip(row, _("No task text in this row; it is not imported."))
            return
        if _SUBTOTAL.match(task):
            self.skip(row, _("A subtotal row; it is not imported."))
            return
        origin = row.origins[self.task] if self.task < len(row.origins) else None
        if origin is not None and origin[0] < row.number and self.sheet.rows:
            self.continuation(row)
            return
        self.task_row(row, task)

    def is_section(self, row: RawRow, task: str) -> bool:
        """A section heading: a cell merged across the table, or a row holding only a title."""
        texts = [_text(value) for value in row.values]
        distinct = {text for text in texts if text}
        fields_empty = not any(self.text(row, column) for column in self.fields)
        origin = row.origins[self.task] if self.task < len(row.origins) else None
        if origin is not None and origin[0] == row.number:
            across = [c for c, o in enumerate(row.origins) if o == origin]
            spans_fields = any(column in across for column in self.fields)
            if len(across) > 1 and (spans_fields or len(distinct) == 1):
                self.set_heading(task)
                return True
        if not fields_empty:
            return False
        number = self.text(row, self.number)
        if len(distinct) == 1:
            only = next(iter(distinct))
            if _SUBTOTAL.match(only):
                return False
            if (not task or _HEADING.match(only)) and not re.fullmatch(r"[\d.\s]+", only):
                self.set_heading(only)
                return True
            return False
        if task and number and _CN_NUMBER.match(number) and len(distinct) == 2:
            self.set_heading(f"{number.rstrip('、.． ')}、{task}")
            return True
        return False

    def set_heading(self, text: str) -> None:
        text = text.strip()
        area = area_for(text, self.framework)
        if _SUBSECTION.match(text) and self.heading:
            self.subheading, self.sub_area = text, area
        else:
            self.heading, self.area = text, area
            self.subheading, self.sub_area = "", None
        self.sheet.sections.append(text)

    def skip(self, row: RawRow, reason: str) -> None:
        text = " ".join(t for t in (_text(v) for v in row.values) if t)
        self.sheet.skipped.append(SkippedRow(row=row.number, text=text[:200], reason=reason))

    def task_row(self, row: RawRow, task: str) -> None:
        sheet = self.sheet
        group = " ".join(dict.fromkeys(self.text(row, c) for c in self.groups if self.text(row, c)))
        section = " / ".join(part for part in (self.heading, self.subheading, group) if part)
        area = self.sub_area or self.area or (area_for(group, self.framework) if group else None)
        item = TaskRow(
            index=len(sheet.rows),
            row=row.number,
            number=self.text(row, self.number),
            section=section,
            area=area,
            title=title_of(task),
            text=task,
            note=self.text(row, self.note),
        )
        for column in sorted(row.uncalculated):
            item.problems.append(
                _(
                    "The formula in column %(column)s has no saved value (the file was never calculated); "
                    "it is read as empty."
                )
                % {"column": _column_letter(column)}
            )
        self.read_units(item, row)
        self.read_person(item, self.text(row, self.responsible))
        self.read_deadline(item, self.value(row, self.deadline))
        sheet.rows.append(item)

    def read_units(self, item: TaskRow, row: RawRow) -> None:
        item.lead_written = self.text(row, self.lead)
        lead = read_units(item.lead_written, self.matcher)
        cooperating = read_units(self.text(row, self.cooperating), self.matcher)
        if lead:
            first, others = lead[0], lead[1:]
            item.lead_key = first.key
            if others:
                item.problems.append(
                    _(
                        "The lead unit cell names %(count)s units: the first, %(first)s, leads; the others "
                        "cooperate."
                    )
                    % {"count": len(lead), "first": first.written}
                )
            cooperating = others + cooperating
        elif self.lead is not None:
            item.problems.append(_("No lead unit is given; choose one."))
        for mention in [*lead[:1], *cooperating]:
            if mention.key is None:
                if mention.written not in item.units_unknown:
                    item.units_unknown.append(mention.written)
                if mention.collective:
                    item.problems.append(
                        _("“%(name)s” names many units at once, none in the unit list; it is not assigned.")
                        % {"name": mention.written}
                    )
                else:
                    item.problems.append(
                        _(
                            "“%(name)s” is not in the unit list; add it (or an alias) there, or choose the unit."
                        )
                        % {"name": mention.written}
                    )
            elif mention.key != item.lead_key and mention.key not in item.cooperating_keys:
                item.cooperating_keys.append(mention.key)

    def read_person(self, item: TaskRow, written: str) -> None:
        item.responsible_written = written
        person = read_person(written)
        item.responsible_name, item.responsible_post, item.responsible_phone = (
            person.name,
            person.post,
            person.phone,
        )
        if written and not (person.name or person.post or person.phone):
            item.problems.append(
                _("The responsible person “%(written)s” cannot be read.") % {"written": written}
            )

    def read_deadline(self, item: TaskRow, value: object) -> None:
        item.deadline_written = _text(value)
        deadline = read_deadline(value, self.sheet.year)
        item.due_on, item.ongoing = deadline.due_on, deadline.ongoing
        if deadline.problem:
            item.deadline_unread = True
            item.problems.append(deadline.problem)
        elif deadline.note:
            item.problems.append(deadline.note)
        elif self.deadline is not None and not item.deadline_written:
            item.problems.append(_("No deadline is given."))

    def continuation(self, row: RawRow) -> None:
        """A row under a task cell merged over several rows: the same task, with more units."""
        item = self.sheet.rows[-1]
        before = {item.lead_key, *item.cooperating_keys}
        for mention in read_units(self.text(row, self.lead), self.matcher) + read_units(
            self.text(row, self.cooperating), self.matcher
        ):
            if mention.key is None:
                if mention.written not in item.units_unknown:
                    item.units_unknown.append(mention.written)
                    item.problems.append(
                        _(
                            "“%(name)s” is not in the unit list; add it (or an alias) there, or choose the unit."
                        )
                        % {"name": mention.written}
                    )
            elif mention.key not in before:
                before.add(mention.key)
                if item.lead_key is None and not item.units_unknown:
                    item.lead_key = mention.key
                else:
                    item.cooperating_keys.append(mention.key)
        item.problems.append(
            _("Row %(row)s continues this task (its task cell is merged); its units cooperate.")
            % {"row": row.number}
        )


def _column_letter(column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
