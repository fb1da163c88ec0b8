"""Spreadsheet writing: CSV streamed, XLSX in constant memory, text kept from running as a formula.

Every file the ledger exports goes through here: the item list (``tracker/tables.py`` through
``StreamingExport``), the year's ledger workbook and the 任务分解表 (``reports/exporting/``).

Formula injection: a cell whose text starts with = + - @, a tab or a carriage return would be
run by a spreadsheet (an item titled ``=HYPERLINK(...)``). In CSV such text gets a leading
apostrophe; in XLSX it is written as a string cell, shown exactly as typed.

Typed cells: rows hold values of their own type, and each format writes them its way. In XLSX
a count is a number, a date a date (``yyyy-mm-dd``, openpyxl's own format for a date), a
datetime a date and time (``yyyy-mm-dd hh:mm``, naive: local time), a ``Percent`` a number
formatted ``0.0%`` (0.5, not the text "50.0%"), so that a spreadsheet sorts, sums and filters
them. CSV is text: the same values as the pages print them (``2021-05-10 14:23``, ``50.0%``).
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django_tables2.export import TableExport
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Percent(float):
    """A share written as a percentage: ``Percent(0.5)`` is 50.0 % (a number formatted
    ``0.0%`` in XLSX, the text ``50.0%`` in CSV)."""

    __slots__ = ()

    @classmethod
    def of(cls, percentage: Decimal | float | None) -> Percent | None:
        """``Percent`` of a percentage (``Decimal("50.0")``, as the figures give rates), or None."""
        return None if percentage is None else cls(float(percentage) / 100)


# The XLSX number format of each typed value that needs one of its own (a date has openpyxl's).
NUMBER_FORMATS = {datetime.datetime: "yyyy-mm-dd hh:mm", Percent: "0.0%"}
# How CSV writes them: as the pages print them.
CSV_TEXT = {
    datetime.datetime: lambda value: value.strftime("%Y-%m-%d %H:%M"),
    Percent: lambda value: f"{value:.1%}",
}


def csv_safe(value):
    """``value`` for a CSV cell: formula-looking text gets a leading apostrophe; a datetime and
    a ``Percent`` become text as the pages print them (a date's ``str()`` is already so)."""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    text = CSV_TEXT.get(type(value))
    return value if text is None else text(value)


def xlsx_cell(sheet, value, *, bold: bool = False, wrap: bool = False) -> WriteOnlyCell:
    """A write-only cell; text that starts like a formula stays text, a typed value gets its
    number format (``NUMBER_FORMATS``)."""
    number_format = NUMBER_FORMATS.get(type(value))
    cell = WriteOnlyCell(sheet, value=float(value) if type(value) is Percent else value)
    if number_format is not None:
        cell.number_format = number_format
    elif isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def xlsx_row(sheet, values: Iterable) -> list:
    """``values`` ready for ``sheet.append``: plain values go in as they are (much faster than a
    cell each; a date gets openpyxl's ``yyyy-mm-dd``); only formula-looking text and values
    with a number format of their own get a cell."""
    return [
        (xlsx_cell(sheet, value) if value.startswith(FORMULA_START) else value)
        if isinstance(value, str)
        else (xlsx_cell(sheet, value) if type(value) in NUMBER_FORMATS else value)
        for value in values
    ]


def set_up_sheet(
    sheet, *, widths: Sequence[int], header_row: int, columns: int, filters: bool = True
) -> None:
    """Column widths, the rows down to the header frozen, and filters on the header row."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{header_row + 1}"
    if filters:
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{header_row}"


@dataclass
class SheetSpec:
    """One sheet: its name, column headers and widths, and its rows (any iterable)."""

    name: str
    headers: Sequence[str]
    widths: Sequence[int]
    rows: Iterable[Sequence[object]] = field(default_factory=list)


def write_workbook(output, *, title: str, sheets: Sequence[SheetSpec]) -> None:
    """Write ``sheets`` to ``output`` (a path or a binary file), each opening with a title row
    (``title · sheet name``) above a frozen header row with filters."""
    workbook = Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(title=spec.name[:31])
        set_up_sheet(sheet, widths=spec.widths, header_row=2, columns=len(spec.headers))
        title_cell = xlsx_cell(sheet, f"{title} · {spec.name}")
        title_cell.font = Font(bold=True, size=14)
        sheet.append([title_cell])
        sheet.append([xlsx_cell(sheet, header, bold=True) for header in spec.headers])
        for row in spec.rows:
            sheet.append(xlsx_row(sheet, row))
    workbook.save(output)


class _Echo:
    """A file whose write() hands the text back (csv.writer into a stream)."""

    def write(self, value):
        return value


def write_csv(rows: Iterable[Sequence], handle) -> None:
    """``rows`` (the header first) as CSV with a BOM into an open text file."""
    handle.write("\ufeff")
    csv.writer(handle).writerows([csv_safe(value) for value in row] for row in rows)


def csv_response(rows: Iterable[Sequence], filename: str) -> StreamingHttpResponse:
    """``rows`` (the header first) streamed as CSV; the BOM lets Excel on Chinese Windows read
    it as UTF-8. The first byte leaves before the last row is read."""
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"
        for row in rows:
            yield writer.writerow([csv_safe(value) for value in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(rows: Iterable[Sequence], filename: str, *, sheet_title: str, widths=()) -> FileResponse:
    """``rows`` (the header first) as one XLSX sheet, written in constant memory to a temporary
    file, with a frozen header row with filters."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    rows = iter(rows)
    headers = next(rows, [])
    set_up_sheet(sheet, widths=widths, header_row=1, columns=max(len(headers), 1))
    sheet.append(headers)
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook.save(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


class StreamingExport(TableExport):
    """django-tables2's export, for tables of any length: CSV streamed, XLSX written in constant
    memory (tablib, the library's default, holds every row in memory first). Reads the rows
    from ``table.as_values()``; the table may say its sheet's name (``export_title``) and its
    XLSX column widths (``export_widths``)."""

    FORMATS = {TableExport.CSV: "text/csv; charset=utf-8", TableExport.XLSX: XLSX_TYPE}

    def __init__(self, export_format, table, exclude_columns=None, dataset_kwargs=None):
        if not self.is_valid_format(export_format):
            raise TypeError(f'Export format "{export_format}" is not supported.')
        self.format = export_format
        self.table = table
        self.exclude_columns = exclude_columns

    @classmethod
    def is_valid_format(cls, export_format):
        return export_format in cls.FORMATS

    def rows(self):
        return self.table.as_values(exclude_columns=self.exclude_columns)

    def response(self, filename=None):
        if self.format == TableExport.CSV:
            return csv_response(self.rows(), filename)
        return xlsx_response(
            self.rows(),
            filename,
            sheet_title=str(getattr(self.table, "export_title", "") or "Sheet"),
            widths=getattr(self.table, "export_widths", ()),
        )

    def write(self, handle) -> None:
        """The CSV into an open text file (for commands)."""
        write_csv(self.rows(), handle)
