"""The year's ledger as an XLSX workbook, written in constant memory (openpyxl write-only).

Six sheets: 汇总 (counts and completion of tracked work by area and by status), 按单位 (by
lead unit), 本年度成效 (the achievements the year's report records, with their figures),
工作任务 (tasks), 问题整改 (shortfalls with their measures, and which report stated each),
指标 (metrics, with last year's value where known). Each sheet opens with a title row naming
the government and the year, then a frozen header row with filters; widths are set.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class SheetSpec:
    """One sheet: its name, column headers and widths, and its rows (any iterable)."""

    name: str
    headers: Sequence[str]
    widths: Sequence[int]
    rows: Iterable[Sequence[object]] = field(default_factory=list)


def text_cell(sheet, value, *, bold=False, wrap=False):
    """A write-only cell; text that starts like a formula stays text (no formula injection)."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"  # stays text: no formula injection
    if bold:
        cell.font = Font(bold=True)
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def write_workbook(output, *, title: str, sheets: Sequence[SheetSpec]) -> None:
    """Write ``sheets`` to ``output`` (a path or a binary file)."""
    workbook = Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(title=spec.name[:31])
        for index, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A3"
        last = get_column_letter(len(spec.headers))
        sheet.auto_filter.ref = f"A2:{last}2"
        title_cell = text_cell(sheet, f"{title} · {spec.name}", bold=True)
        title_cell.font = Font(bold=True, size=14)
        sheet.append([title_cell])
        sheet.append([text_cell(sheet, header, bold=True) for header in spec.headers])
        for row in spec.rows:
            # Plain values go in as they are (much faster); only formula-looking text needs
            # a cell of its own, marked as text.
            sheet.append(
                [
                    text_cell(sheet, value)
                    if isinstance(value, str) and value.startswith(FORMULA_START)
                    else value
                    for value in row
                ]
            )
    workbook.save(output)
