"""任务分解表 files for the tests: .xlsx, .docx and .csv made from rows, and a unit directory."""

from __future__ import annotations

import io
import re
import zipfile

from reports.tasksheets import UnitName

HEADER = ["序号", "工作任务", "牵头单位", "配合单位", "责任人", "完成时限", "备注"]

# (key, full name, short name, aliases): keys are what the reader hands back.
UNITS = [
    (1, "县司法局", "司法局", []),
    (2, "县财政局", "财政局", []),
    (3, "县公安局", "公安局", []),
    (4, "县发展和改革委员会", "发改委", ["县发改委"]),
    (5, "县住房和城乡建设局", "住建局", ["县住建局"]),
    (6, "县市场监督管理局", "市场监管局", ["县市场监管局"]),
    (7, "县人民政府办公室", "政府办", ["县政府办"]),
    (8, "县教育局", "教育局", []),
    (9, "县卫生健康委员会", "卫健委", ["县卫健委"]),
    (10, "县交通运输局", "交通运输局", []),
    (11, "七里营镇人民政府", "七里营镇", []),
    (12, "县城市管理局", "城管局", []),
]
DIRECTORY = [UnitName(key=key, names=[name, short, *aliases]) for key, name, short, aliases in UNITS]


def xlsx_bytes(rows, *, merges=(), date_cells=(), title="任务分解表") -> bytes:
    """A workbook of ``rows`` (lists of values), with ``merges`` ("A1:G1") and date formats
    on ``date_cells`` ("F2"). Written in write-only mode: a sheet of 50,000 rows takes seconds
    otherwise."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    dated = set(date_cells)
    for number, row in enumerate(rows, start=1):
        cells = []
        for column, value in enumerate(row, start=1):
            if f"{get_column_letter(column)}{number}" in dated:
                value = WriteOnlyCell(sheet, value=value)
                value.number_format = "yyyy-mm-dd"
            cells.append(value)
        sheet.append(cells)
    for ref in merges:
        sheet.merged_cells.add(ref)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def patch_xlsx_sheet(data: bytes, change) -> bytes:
    """The workbook with its first sheet's XML passed through ``change(xml: str) -> str``
    (to give a formula a saved value, as Excel does, which openpyxl never writes)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = change(content.decode("utf-8")).encode("utf-8")
            target.writestr(info, content)
    return buffer.getvalue()


def with_cached_value(xml: str, ref: str, value: str) -> str:
    """Give the formula cell ``ref`` a saved value."""
    return re.sub(
        rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)(<v\s*/>|<v></v>)?', rf"\1\2<v>{value}</v>", xml, count=1
    )


def docx_bytes(rows, *, merges=()) -> bytes:
    """A Word document holding one table of ``rows``; ``merges`` are ((row, col), (row, col))
    pairs of cells to merge (0-based), horizontally or vertically."""
    import docx

    document = docx.Document()
    document.add_paragraph("2021年法治政府建设任务分解表")
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value not in (None, ""):
                table.cell(r, c).text = str(value)
    for (r1, c1), (r2, c2) in merges:
        text = table.cell(r1, c1).text
        merged = table.cell(r1, c1).merge(table.cell(r2, c2))
        merged.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, *, encoding="utf-8") -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode(encoding)


def task(number, text, lead="县司法局", cooperating="", responsible="", deadline="2021年6月30日", note=""):
    return [number, text, lead, cooperating, responsible, deadline, note]
