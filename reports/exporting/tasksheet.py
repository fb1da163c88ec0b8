"""A year's items as a 任务分解表 .xlsx, in the template the office sends out (and the importer
reads back): a title row, a frozen header 序号 / 工作任务 / 牵头单位 / 配合单位 / 责任人 /
完成时限 / 备注, each area's heading merged across the table, deadlines as real dates (or
长期坚持). Written in constant memory (openpyxl write-only); text that would start a formula
stays text."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from utilities.sheets import set_up_sheet, xlsx_cell

HEADERS = ("序号", "工作任务", "牵头单位", "配合单位", "责任人", "完成时限", "备注")
WIDTHS = (6, 60, 22, 30, 24, 16, 16)
ONGOING = "长期坚持"
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
CN_NUMBERS = "一二三四五六七八九十"


def chinese_number(number: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (up to 99)."""
    tens, ones = divmod(number, 10)
    text = ("" if tens == 1 else CN_NUMBERS[tens - 1]) + "十" if tens else ""
    return text + (CN_NUMBERS[ones - 1] if ones else "")


def task_sheet_title(year: int) -> str:
    # The template's own words, in Chinese whatever the page's language: it is the sheet the
    # office sends out, and the importer reads it back.
    return f"{year}年法治政府建设任务分解表"


def write_task_sheet(output, *, title: str, rows: Iterable) -> None:
    """Write ``rows`` to ``output`` (a path or a binary file): a string is an area's heading,
    anything else a row with ``number``, ``text``, ``lead_unit``, ``cooperating``,
    ``responsible``, ``due_on``, ``ongoing`` and ``note``."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="任务分解表")
    # The office's template has no filter buttons on its header.
    set_up_sheet(sheet, widths=WIDTHS, header_row=2, columns=len(HEADERS), filters=False)
    last = get_column_letter(len(HEADERS))
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")

    def cell(value, *, bold=False, date=False, align=wrap):
        written = xlsx_cell(sheet, value, bold=bold)
        if date:
            written.number_format = DATE_FORMAT
        written.border = border
        written.alignment = align
        return written

    heading = WriteOnlyCell(sheet, value=title)
    heading.font = Font(bold=True, size=16)
    heading.alignment = Alignment(horizontal="center", vertical="center")
    sheet.append([heading])
    sheet.merged_cells.add(f"A1:{last}1")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.append([cell(name, bold=True, align=centre) for name in HEADERS])
    row_number = 2
    sections = 0
    for row in rows:
        row_number += 1
        if isinstance(row, str):
            sections += 1
            sheet.append([cell(f"{chinese_number(sections)}、{row}", bold=True)])
            sheet.merged_cells.add(f"A{row_number}:{last}{row_number}")
            continue
        due = ONGOING if row.ongoing else row.due_on
        sheet.append(
            [
                cell(row.number, align=centre),
                cell(row.text),
                cell(row.lead_unit),
                cell(row.cooperating),
                cell(row.responsible),
                cell(due, date=isinstance(due, datetime.date), align=centre),
                cell(row.note),
            ]
        )
    book.save(output)
